import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StorefrontAuthTicketApi } from '@kibocommerce/rest-sdk/clients/Customer/index.js';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { signup } from '../helpers/signup.ts';
import { useMailingServer } from '../helpers/mailing-server.ts';

/**
 * A correct password is never answered 429 (issue #17): a second login inside the resend
 * interval (a shopper who went back, a double submit) gets a challenge that leads to the code
 * already sent, and no second mail.
 */
describe('2FA and OTP logins inside the resend interval', () => {
  // The inbox first: the server mails through it. Its teardown runs after the server's.
  const { s, inbox } = useMailingServer({
    1: { twoFactor: { always: true, onNewFingerprint: false, onNewRegion: false }, otpLogin: { enabled: true } },
  });
  const login = (u: { email: string; password: string }) =>
    sdkApis(s, { accessToken: s.storefrontToken }).tickets.createUserAuthTicket({
      customerUserAuthInfo: { username: u.email, password: u.password },
    });
  /** The SDK as a storefront holding a challenge token (user claims), as after a 2FA answer. */
  const withChallenge = (token: string) =>
    new StorefrontAuthTicketApi(s.sdk({ userClaims: token, appClaims: s.storefrontToken }));
  const finish = (token: string, otpCode: string) =>
    withChallenge(token).validate2FAAndCreateAuthTicket({ authTicket2FAInfo: { otpCode } });

  it('answers a second correct-password login with a challenge whose code is the one already sent', async () => {
    const u = await signup(s, s.storefrontToken, 'window');
    const first = await login(u);
    assert.equal(first.requires2FA, true);
    const code = await inbox().nextCode(u.email);
    s.clock.advance(5_000);

    const second = await login(u);
    assert.equal(second.requires2FA, true, 'a challenge, not 429');
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(second.accessTokenExpiration, first.accessTokenExpiration, 'it leads to the same code');
    assert.equal(inbox().count(u.email), 1, 'no second mail');

    const ticket = await finish(second.accessToken!, code);
    assert.ok(ticket.jwtAccessToken, 'the code already sent works with the new challenge token');
    const events = await s.store.db
      .selectFrom('auth_events')
      .select(['type', 'detail'])
      .where('type', '=', '2fa.challenged')
      .where('account_id', '=', ticket.customerAccount!.id!)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => (e.detail as { codeReused?: boolean }).codeReused ?? false),
      [false, true],
    );
  });

  it('keeps both challenge tokens leading to the live code, through a resend too', async () => {
    const u = await signup(s, s.storefrontToken, 'window');
    const first = await login(u);
    await inbox().nextCode(u.email);
    const second = await login(u);
    // the explicit resend keeps its throttle, with Retry-After
    const soon = await s.request('POST', '/api/commerce/customer/authtickets/2fa/request', {
      headers: { 'x-vol-user-claims': second.accessToken!, 'x-vol-app-claims': s.storefrontToken },
    });
    assert.equal(soon.status, 429);
    assert.ok(Number(soon.headers.get('retry-after')) >= 1);
    s.clock.advance(31_000);
    await withChallenge(second.accessToken!).generateAndSend2faOtp({});
    const resent = await inbox().nextCode(u.email);
    assert.ok((await finish(first.accessToken!, resent)).jwtAccessToken, 'the first token leads to the new code');
  });

  it('sends one mail for a double submit, and either answer finishes the login', async () => {
    const u = await signup(s, s.storefrontToken, 'window');
    const [a, b] = await Promise.all([login(u), login(u)]);
    assert.equal(a.requires2FA, true);
    assert.equal(b.requires2FA, true);
    const code = await inbox().nextCode(u.email);
    assert.equal(inbox().count(u.email), 1);
    const which = Math.random() < 0.5 ? a : b;
    assert.ok((await finish(which.accessToken!, code)).jwtAccessToken);
  });

  it('sends a new code outside the interval, and when the code sent inside it is gone', async () => {
    const u = await signup(s, s.storefrontToken, 'window');
    const first = await login(u);
    const old = await inbox().nextCode(u.email);
    s.clock.advance(31_000);
    const later = await login(u);
    const fresh = await inbox().nextCode(u.email);
    assert.equal(inbox().count(u.email), 2);
    if (fresh !== old) assert.equal((await sdkError(() => finish(first.accessToken!, old))).errorCode, 'INVALID_CODE');
    assert.ok((await finish(later.accessToken!, fresh)).jwtAccessToken);
    // the code was used; a login right after it gets a new one at once, not 429
    const again = await login(u);
    assert.equal(again.requires2FA, true);
    const third = await inbox().nextCode(u.email);
    assert.ok((await finish(again.accessToken!, third)).jwtAccessToken);
  });

  it('answers otp/request inside the interval with 200 and sends nothing new; the first code works', async () => {
    const u = await signup(s, s.storefrontToken, 'window');
    const tickets = sdkApis(s, { accessToken: s.storefrontToken }).tickets;
    await tickets.generateAndSendOtp({ otpRequest: { email: u.email } });
    await s.services.codeLogin.idle();
    const code = await inbox().nextCode(u.email);
    for (let i = 0; i < 2; i++) {
      const r = await s.request('POST', '/api/commerce/customer/authtickets/otp/request', {
        body: { email: u.email },
        headers: { authorization: `Bearer ${s.storefrontToken}` },
      });
      assert.equal(r.status, 200, r.text);
    }
    await s.services.codeLogin.idle();
    assert.equal(inbox().count(u.email), 1);
    const ticket = await tickets.validateOtpAndCreateAuthTicket({
      authTicketOtpInfo: { email: u.email, otpCode: code },
    });
    assert.ok(ticket.jwtAccessToken);
  });
});
