import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, type TestServer } from '../../helpers/server.ts';
import { useMailingServer } from '../../helpers/mailing-server.ts';
import { signup } from '../../helpers/signup.ts';
import { sdkApis, sdkError } from '../../helpers/sdk.ts';
import { codeIn } from '../../helpers/smtp.ts';
import { assertKibo } from '../../helpers/kibo.ts';

/**
 * A deactivated account (Update-Account with isActive false) logs in no more — by password, by the
 * second factor of a login begun before the deactivation, or by an emailed one-time code — until it
 * is activated again; a wrong password still answers as for any account, and no code is mailed.
 * @see src/domain/accounts/active.ts
 */
const off = { always: false, onNewFingerprint: false, onNewRegion: false };

describe('a deactivated account cannot log in (PGlite or PostgreSQL)', () => {
  // site 1: every login asks for the second factor; site 2: no second factor, one-time codes on
  const { s, inbox } = useMailingServer({
    1: { twoFactor: { ...off, always: true } },
    2: { twoFactor: off, otpLogin: { enabled: true } },
  });

  const tickets = (siteId: number) => sdkApis(s, { accessToken: s.storefrontToken, siteId }).tickets;
  const login = (u: { email: string; password: string }, siteId: number) =>
    tickets(siteId).createUserAuthTicket({ customerUserAuthInfo: { username: u.email, password: u.password } });

  async function setActive(srv: TestServer, accountId: number, isActive: boolean) {
    const admin = sdkApis(srv, { accessToken: await srv.appToken(ADMIN) }).accounts;
    const current = await admin.getAccount({ accountId });
    await admin.updateAccount({ accountId, customerAccount: { ...current, isActive } });
  }

  it('refuses the right password with 403 FORBIDDEN, answers a wrong one as ever, and logs in once reactivated', async () => {
    const u = await signup(s, s.storefrontToken, { prefix: 'deact', siteId: 2 });
    await setActive(s, u.accountId, false);

    const refused = await sdkError(() => login(u, 2));
    assert.equal(refused.status, 403);
    assert.equal(refused.errorCode, 'FORBIDDEN');
    const wrong = await sdkError(() => login({ ...u, password: `${u.password}x` }, 2));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.errorCode, 'INVALID_CREDENTIALS');
    const sessions = await s.store.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('account_id', '=', u.accountId)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    assert.equal(Number(sessions.n), 0, 'the refused login opened no session');

    await setActive(s, u.accountId, true);
    const ticket = await login(u, 2);
    assert.ok(ticket.jwtAccessToken && ticket.refreshToken);
  });

  it('refuses the second factor of a login begun before the deactivation', async () => {
    const u = await signup(s, s.storefrontToken, { prefix: 'deact2fa', siteId: 1 });
    const challenge = await login(u, 1);
    assert.equal(challenge.requires2FA, true);
    const code = codeIn((await inbox().next(u.email)).raw);
    await setActive(s, u.accountId, false);

    const refused = await sdkError(() =>
      tickets(1).validate2FAAndCreateAuthTicket({ authTicket2FAInfo: { userId: challenge.userId!, otpCode: code } }),
    );
    assert.equal(refused.status, 403);
    assert.equal(refused.errorCode, 'FORBIDDEN');
    // and a new password login is refused before any code is mailed
    const mailed = inbox().count(u.email);
    assert.equal((await sdkError(() => login(u, 1))).errorCode, 'FORBIDDEN');
    assert.equal(inbox().count(u.email), mailed);
  });

  it('mails no one-time code to a deactivated account and answers as for any other', async () => {
    const active = await signup(s, s.storefrontToken, { prefix: 'otpact', siteId: 2 });
    const u = await signup(s, s.storefrontToken, { prefix: 'otpdeact', siteId: 2 });
    await setActive(s, u.accountId, false);
    const request = (email: string) =>
      s.request('POST', '/api/commerce/customer/authtickets/otp/request', {
        body: { email },
        headers: { authorization: `Bearer ${s.storefrontToken}`, 'x-vol-site': '2' },
      });
    const deactivated = await request(u.email);
    const live = await request(active.email);
    assert.equal(deactivated.status, 200);
    assert.equal(deactivated.text, live.text);
    await s.services.codeLogin.idle();
    await inbox().next(active.email);
    assert.equal(inbox().count(u.email), 0);
  });

  it('mails no new second-factor code to an account deactivated after the challenge began', async () => {
    const u = await signup(s, s.storefrontToken, { prefix: 'deactresend', siteId: 1 });
    const challenge = await login(u, 1);
    assert.equal(challenge.requires2FA, true);
    await inbox().next(u.email);
    await setActive(s, u.accountId, false);
    // Past the resend interval: only the deactivation stands between the resend and a new mail.
    s.clock.advance(31_000);
    const byToken = await s.request('POST', '/api/commerce/customer/authtickets/2fa/request', {
      headers: { 'x-vol-user-claims': challenge.accessToken!, 'x-vol-app-claims': s.storefrontToken },
    });
    const byUserId = await s.request('POST', '/api/commerce/customer/authtickets/2fa/request', {
      headers: { authorization: `Bearer ${s.storefrontToken}` },
      body: { userId: challenge.userId },
    });
    for (const r of [byToken, byUserId]) {
      // as the completion of that login answers (the test above)
      assertKibo(r, 403, 'FORBIDDEN');
      assert.equal(r.json.message, 'The account is deactivated');
    }
    assert.equal(inbox().count(u.email), 1, 'no second code mailed');
    const resends = await s.store.db
      .selectFrom('auth_events')
      .select('id')
      .where('account_id', '=', u.accountId)
      .where('type', '=', '2fa.challenged')
      .execute();
    assert.equal(resends.length, 1, 'only the first challenge');
  });

  it('mails no reset code to a deactivated account and answers Reset-Password as for any other', async () => {
    const active = await signup(s, s.storefrontToken, { prefix: 'rstact', siteId: 2 });
    const u = await signup(s, s.storefrontToken, { prefix: 'rstdeact', siteId: 2 });
    await setActive(s, u.accountId, false);
    const request = (emailAddress: string) =>
      s.request('POST', '/api/commerce/customer/accounts/Reset-Password', {
        body: { emailAddress },
        headers: { authorization: `Bearer ${s.adminToken}`, 'x-vol-site': '2' },
      });
    const deactivated = await request(u.email);
    const live = await request(active.email);
    assert.equal(deactivated.status, 200);
    assert.equal(deactivated.text, live.text);
    await s.services.passwordReset.idle();
    await inbox().next(active.email);
    assert.equal(inbox().count(u.email), 0);
    const requested = await s.store.db
      .selectFrom('auth_events')
      .select('id')
      .where('account_id', '=', u.accountId)
      .where('type', '=', 'password.reset_requested')
      .execute();
    assert.equal(requested.length, 0);
  });
});
