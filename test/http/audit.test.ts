import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { useMailingServer } from '../helpers/mailing-server.ts';
import { login, signup } from '../helpers/signup.ts';

const off = { always: false, onNewFingerprint: false, onNewRegion: false };

describe('the audit log of auth events through the official SDK', () => {
  // site 2 always asks for a second factor; site 1 locks after 2 failures
  const { s, inbox } = useMailingServer({
    1: { lockout: { maxAttempts: 2, lockMinutes: 5 } },
    2: { twoFactor: { ...off, always: true } },
  });
  const admin = () => sdkApis(s, { accessToken: s.adminToken }).accounts;

  const types = async (accountId: number) => {
    const page = await admin().getAccountAuditLog({ accountId, startIndex: 0, pageSize: 200, sortBy: 'entryDate asc' });
    return (page.items ?? []).map((e) => e.description);
  };

  it('keeps every kind of auth event with time, site, app, client IP and user agent', async () => {
    const u = await signup(s, s.storefrontToken);
    const id = u.accountId;
    // a login with a user agent of our own, over plain HTTP
    const r = await s.request('POST', '/api/commerce/customer/authtickets', {
      headers: { authorization: `Bearer ${s.storefrontToken}`, 'user-agent': 'AuditTest/1.0' },
      body: { username: u.email, password: u.password },
    });
    assert.equal(r.status, 200);
    // refresh-token reuse
    const t = await sdkApis(s, { accessToken: s.storefrontToken }).tickets.refreshUserAuthTicket({
      refreshToken: r.json.refreshToken,
    });
    assert.ok(t.refreshToken);
    await sdkError(() =>
      sdkApis(s, { accessToken: s.storefrontToken }).tickets.refreshUserAuthTicket({
        refreshToken: r.json.refreshToken,
      }),
    );
    // impersonation
    await sdkApis(s, { accessToken: s.adminToken }).tickets.impersonateCart({
      cartAuthTicketRequest: { cartId: 'cart-1', accountId: id, userId: u.ticket.userId },
    });
    // 2FA challenged, failed, passed (site 2)
    const challenge = await sdkApis(s, { accessToken: s.storefrontToken, siteId: 2 }).tickets.createUserAuthTicket({
      customerUserAuthInfo: { username: u.email, password: u.password },
    });
    assert.equal(challenge.requires2FA, true);
    const code = await inbox().nextCode(u.email);
    const wrongCode = code === '000000' ? '111111' : '000000';
    await sdkError(() =>
      sdkApis(s, { accessToken: s.storefrontToken, siteId: 2 }).tickets.validate2FAAndCreateAuthTicket({
        authTicket2FAInfo: { userId: challenge.userId!, otpCode: wrongCode },
      }),
    );
    await sdkApis(s, { accessToken: s.storefrontToken, siteId: 2 }).tickets.validate2FAAndCreateAuthTicket({
      authTicket2FAInfo: { userId: challenge.userId!, otpCode: code },
    });
    // password change, forced change, reset
    await admin().setPasswordChangeRequired({ accountId: id, body: true });
    await sdkApis(s, { accessToken: u.ticket.jwtAccessToken! }).accounts.changePassword({
      accountId: id,
      customerPasswordInfo: { oldPassword: u.password, newPassword: 'Changed-passw0rd' },
    });
    await sdkApis(s, { accessToken: s.storefrontToken }).accounts.resetPassword({
      customerResetPasswordInfo: { emailAddress: u.email },
    });
    const mail = await inbox().next(u.email);
    const resetCode = /^ {4}([A-Za-z0-9_-]{43,})\s*$/m.exec(mail.raw)![1];
    await sdkApis(s, { accessToken: s.storefrontToken }).accounts.updateForgottenPassword({
      confirmationInfo: { userName: u.email, confirmationCode: resetCode, newPassword: 'Reset-passw0rd1' },
    });
    // failures up to a lock, and a login refused by it
    for (let i = 0; i < 2; i++) await sdkError(() => login(s, s.storefrontToken, u.email, 'Wrong-passw0rd'));
    await sdkError(() => login(s, s.storefrontToken, u.email, 'Reset-passw0rd1'));
    await admin().setLoginLocked({ accountId: id, body: false });

    const seen = await types(id);
    for (const type of [
      'account.created',
      'login.succeeded',
      'login.failed',
      'account.locked',
      'login.locked',
      'account.unlocked',
      '2fa.challenged',
      '2fa.failed',
      '2fa.passed',
      'password.change_required',
      'password.changed',
      'password.reset_requested',
      'password.reset',
      'refresh.reuse_detected',
      'impersonation',
    ])
      assert.ok(seen.includes(type), `${type} missing from ${seen.join(', ')}`);

    // every entry says when, where, which app, from which IP and agent
    const raw = await s.request(
      'GET',
      `/api/commerce/customer/accounts/${id}/AuditLog/Entries?pageSize=200&sortBy=entryDate%20asc`,
      { headers: { authorization: `Bearer ${s.adminToken}` } },
    );
    assert.equal(raw.status, 200);
    for (const e of raw.json.items) {
      assert.equal(e.customerAccountId, id);
      assert.ok(Number.isInteger(e.customerAuditEntryId));
      assert.ok(!Number.isNaN(Date.parse(e.entryDate)));
      assert.match(e.site, /^[12]$/);
      assert.ok(['storefront', 'admin'].includes(e.application), e.application);
      assert.match(e.ipAddress, /127\.0\.0\.1$/);
    }
    const ours = raw.json.items.find(
      (e: { description: string; userAgent: string }) =>
        e.description === 'login.succeeded' && e.userAgent === 'AuditTest/1.0',
    );
    assert.ok(ours, 'the login carries its user agent');
    assert.equal(ours.application, 'storefront');
    assert.equal(ours.site, '1');
    const lock = raw.json.items.find((e: { description: string }) => e.description === 'account.unlocked');
    assert.equal(lock.fieldPath, 'isLocked');
    assert.equal(lock.newValue, 'false');
    assert.equal(lock.application, 'admin');
    // no secrets in the log
    assert.ok(!raw.text.includes(resetCode) && !raw.text.includes(code) && !raw.text.includes('Reset-passw0rd1'));
  });

  it('pages, sorts and filters in the CustomerAuditEntryCollection shape', async () => {
    const u = await signup(s, s.storefrontToken);
    for (let i = 0; i < 3; i++) await login(s, s.storefrontToken, u.email, u.password);
    await sdkError(() => login(s, s.storefrontToken, u.email, 'Wrong-passw0rd'));
    const all = await admin().getAccountAuditLog({ accountId: u.accountId });
    assert.equal(all.totalCount, 6); // created, 4 logins succeeded (signup + 3), 1 failed
    assert.equal(all.startIndex, 0);
    assert.equal(all.pageSize, 20);
    assert.equal(all.pageCount, 1);
    assert.equal(all.items?.[0].description, 'login.failed', 'newest first by default');
    const page = await admin().getAccountAuditLog({
      accountId: u.accountId,
      startIndex: 2,
      pageSize: 2,
      sortBy: 'entryDate asc',
    });
    assert.equal(page.pageCount, 3);
    assert.equal(page.items?.length, 2);
    const first = await admin().getAccountAuditLog({
      accountId: u.accountId,
      pageSize: 1,
      sortBy: 'customerAuditEntryId asc',
    });
    assert.equal(first.items?.[0].description, 'account.created');
    const failed = await admin().getAccountAuditLog({ accountId: u.accountId, filter: 'description eq login.failed' });
    assert.equal(failed.totalCount, 1);
    const since = await admin().getAccountAuditLog({
      accountId: u.accountId,
      filter: `entryDate gt '${new Date(Date.now() + 3_600_000).toISOString()}'`,
    });
    assert.equal(since.totalCount, 0);
    assert.equal(
      (await sdkError(() => admin().getAccountAuditLog({ accountId: u.accountId, filter: 'password eq x' }))).status,
      400,
    );
    assert.equal(
      (await sdkError(() => admin().getAccountAuditLog({ accountId: u.accountId, sortBy: 'detail' }))).status,
      400,
    );
    assert.equal((await sdkError(() => admin().getAccountAuditLog({ accountId: 999999 }))).status, 404);
    assert.equal(
      (
        await sdkError(() =>
          sdkApis(s, { accessToken: s.storefrontToken }).accounts.getAccountAuditLog({ accountId: u.accountId }),
        )
      ).status,
      403,
    );
  });
});
