import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { StorefrontAuthTicketApi } from '@kibocommerce/rest-sdk/clients/Customer/index.js';
import { useMailingServer } from '../../helpers/mailing-server.ts';
import { signup } from '../../helpers/signup.ts';
import { sdkApis } from '../../helpers/sdk.ts';
import { codeIn } from '../../helpers/smtp.ts';

/**
 * A guest who signs in through the second factor or with an emailed one-time code is linked to
 * the account (the ticket's JWT names the guest in `prevAnonymousId`), as with a one-step login:
 * the pending 2FA login remembers the guest who began it (migration 0011), so the code step, which
 * the storefront calls with the challenge token, still links that guest.
 * @see src/domain/twofactor/decide.ts, src/domain/tickets/service.ts (completeLogin)
 */
const off = { always: false, onNewFingerprint: false, onNewRegion: false };

describe('a guest is linked when a login completes by a second factor or a one-time code', () => {
  // site 1: every login asks for the second factor; site 2: one-time codes, no second factor
  const { s, inbox } = useMailingServer({
    1: { twoFactor: { ...off, always: true } },
    2: { twoFactor: off, otpLogin: { enabled: true } },
  });

  const claimsOf = async (jwt: string) =>
    (await jwtVerify(jwt, createRemoteJWKSet(new URL(`${s.url}/.well-known/jwks.json`)))).payload;
  const guest = (siteId: number) =>
    sdkApis(s, { accessToken: s.storefrontToken, siteId }).tickets.createAnonymousShopperAuthTicket({});
  /** The official client as a storefront calling for a guest: app token, the guest's token as user claims. */
  const asGuest = (userClaims: string, siteId: number) =>
    new StorefrontAuthTicketApi(s.sdk({ userClaims, appClaims: s.storefrontToken, siteId }));

  it('links the guest who began a 2FA login to the ticket the code finishes', async () => {
    const u = await signup(s, s.storefrontToken, { prefix: 'link2fa', siteId: 1 });
    const g = await guest(1);
    const challenge = await asGuest(g.accessToken!, 1).createUserAuthTicket({
      customerUserAuthInfo: { username: u.email, password: u.password },
    });
    assert.equal(challenge.requires2FA, true);
    const code = codeIn((await inbox().next(u.email)).raw);
    // the code step comes with the challenge token, not the guest's
    const ticket = await new StorefrontAuthTicketApi(
      s.sdk({ userClaims: challenge.accessToken!, appClaims: s.storefrontToken, siteId: 1 }),
    ).validate2FAAndCreateAuthTicket({ authTicket2FAInfo: { userId: challenge.userId!, otpCode: code } });
    const claims = await claimsOf(ticket.jwtAccessToken!);
    assert.equal(claims.prevAnonymousId, g.userId);
    assert.equal(claims.anonymous, false);
  });

  it('links nothing when no guest began the 2FA login', async () => {
    const u = await signup(s, s.storefrontToken, { prefix: 'nolink2fa', siteId: 1 });
    const challenge = await sdkApis(s, { accessToken: s.storefrontToken, siteId: 1 }).tickets.createUserAuthTicket({
      customerUserAuthInfo: { username: u.email, password: u.password },
    });
    const code = codeIn((await inbox().next(u.email)).raw);
    const ticket = await sdkApis(s, {
      accessToken: s.storefrontToken,
      siteId: 1,
    }).tickets.validate2FAAndCreateAuthTicket({ authTicket2FAInfo: { userId: challenge.userId!, otpCode: code } });
    assert.equal((await claimsOf(ticket.jwtAccessToken!)).prevAnonymousId, undefined);
  });

  it("does not link a guest of another customer set: its token is not this site's", async () => {
    const u = await signup(s, s.storefrontToken, { prefix: 'otherset2fa', siteId: 1 });
    const elsewhere = await guest(3); // site 3 serves the customer set 'other'
    const challenge = await asGuest(elsewhere.accessToken!, 1).createUserAuthTicket({
      customerUserAuthInfo: { username: u.email, password: u.password },
    });
    const code = codeIn((await inbox().next(u.email)).raw);
    const ticket = await sdkApis(s, {
      accessToken: s.storefrontToken,
      siteId: 1,
    }).tickets.validate2FAAndCreateAuthTicket({ authTicket2FAInfo: { userId: challenge.userId!, otpCode: code } });
    assert.equal((await claimsOf(ticket.jwtAccessToken!)).prevAnonymousId, undefined);
  });

  it('links the guest who logs in with an emailed one-time code', async () => {
    const u = await signup(s, s.storefrontToken, { prefix: 'linkotp', siteId: 2 });
    const g = await guest(2);
    const api = asGuest(g.accessToken!, 2);
    await api.generateAndSendOtp({ otpRequest: { email: u.email } });
    const code = codeIn((await inbox().next(u.email)).raw);
    const ticket = await api.validateOtpAndCreateAuthTicket({ authTicketOtpInfo: { email: u.email, otpCode: code } });
    assert.equal((await claimsOf(ticket.jwtAccessToken!)).prevAnonymousId, g.userId);
  });
});
