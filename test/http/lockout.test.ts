import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, useTestServer } from '../helpers/server.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { configWithLogin } from '../helpers/login-config.ts';
import { login, signup } from '../helpers/signup.ts';
import { createAccountsRepo } from '../../src/store/repos/accounts.ts';

describe('lockout and login state through the official SDK', () => {
  const s = useTestServer({ configFile: configWithLogin({ 1: { lockout: { maxAttempts: 3, lockMinutes: 10 } } }) });
  let appToken: string;
  let adminToken: string;
  const admin = () => sdkApis(s, { accessToken: adminToken }).accounts;
  // Tests move the clock; fresh app tokens keep them from expiring under us.
  beforeEach(async () => {
    appToken = await s.appToken();
    adminToken = await s.appToken(ADMIN);
  });

  it('counts failures, reports them in LoginState, and a success resets the count', async () => {
    const u = await signup(s, appToken);
    for (let i = 0; i < 2; i++) {
      const e = await sdkError(() => login(s, appToken, u.email, 'Wrong-passw0rd'));
      assert.equal(e.errorCode, 'INVALID_CREDENTIALS');
    }
    const st = await admin().getLoginState({ accountId: u.accountId });
    assert.equal(st.isLocked, false);
    assert.equal(st.failedLoginAttemptCount, 2);
    assert.equal(st.remainingLoginAttempts, 1);
    assert.ok(st.firstFailedLoginAttemptOn);
    assert.equal(st.isPasswordChangeRequired, false);
    assert.ok(st.createdOn && st.updatedOn && st.lastPasswordChangeOn);
    await login(s, appToken, u.email, u.password);
    const after = await admin().getLoginState({ accountId: u.accountId });
    assert.equal(after.failedLoginAttemptCount, 0);
    assert.equal(after.remainingLoginAttempts, 3);
    assert.equal(after.firstFailedLoginAttemptOn, null);
    assert.ok(after.lastLoginOn);
  });

  it('locks after maxAttempts: ACCOUNT_LOCKED even with the right password, until lockMinutes pass', async () => {
    const u = await signup(s, appToken);
    for (let i = 0; i < 3; i++) {
      const e = await sdkError(() => login(s, appToken, u.userName, 'Wrong-passw0rd'));
      assert.equal(e.errorCode, 'INVALID_CREDENTIALS');
    }
    const locked = await sdkError(() => login(s, appToken, u.email, u.password));
    assert.equal(locked.status, 423);
    assert.equal(locked.errorCode, 'ACCOUNT_LOCKED');
    const st = await admin().getLoginStateByEmailAddress({ emailAddress: u.email });
    assert.equal(st.isLocked, true);
    assert.equal(st.failedLoginAttemptCount, 3);
    assert.equal(st.remainingLoginAttempts, 0);
    assert.ok(st.lastLockedOn);
    assert.equal((await admin().getAccount({ accountId: u.accountId })).isLocked, true);

    s.clock.advanceMinutes(9);
    assert.equal((await sdkError(() => login(s, appToken, u.email, u.password))).errorCode, 'ACCOUNT_LOCKED');
    s.clock.advanceMinutes(2);
    const t = await login(s, appToken, u.email, u.password);
    assert.equal(t.customerAccount?.isLocked, false);
    const st2 = await admin().getLoginStateByUserName({ userName: u.userName });
    assert.equal(st2.isLocked, false);
    assert.equal(st2.failedLoginAttemptCount, 0);
  });

  it('starts a fresh count once a lock has run out', async () => {
    const u = await signup(s, appToken);
    for (let i = 0; i < 3; i++) await sdkError(() => login(s, appToken, u.email, 'Wrong-passw0rd'));
    s.clock.advanceMinutes(11);
    const e = await sdkError(() => login(s, appToken, u.email, 'Wrong-passw0rd'));
    assert.equal(e.errorCode, 'INVALID_CREDENTIALS');
    const st = await admin().getLoginState({ accountId: u.accountId });
    assert.equal(st.isLocked, false);
    assert.equal(st.failedLoginAttemptCount, 1);
    assert.equal(st.remainingLoginAttempts, 2);
  });

  it('counts parallel failures exactly (atomic updates) and locks', async () => {
    const u = await signup(s, appToken);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => login(s, appToken, u.email, 'Wrong-passw0rd')),
    );
    const codes = await Promise.all(
      results.map(async (r) => {
        assert.equal(r.status, 'rejected');
        return ((r as PromiseRejectedResult).reason as { apiError: { errorCode: string } }).apiError.errorCode;
      }),
    );
    const invalid = codes.filter((c) => c === 'INVALID_CREDENTIALS').length;
    assert.ok(invalid >= 3, codes.join());
    const st = await admin().getLoginState({ accountId: u.accountId });
    assert.equal(st.isLocked, true);
    assert.equal(st.failedLoginAttemptCount, invalid);
  });

  it('Set-Login-Locked locks until unlocked, whatever the clock says', async () => {
    const u = await signup(s, appToken);
    await admin().setLoginLocked({ accountId: u.accountId, body: true });
    const e = await sdkError(() => login(s, appToken, u.email, u.password));
    assert.equal(e.errorCode, 'ACCOUNT_LOCKED');
    s.clock.advanceMinutes(50);
    assert.equal((await sdkError(() => login(s, appToken, u.email, u.password))).errorCode, 'ACCOUNT_LOCKED');
    assert.equal((await admin().getLoginState({ accountId: u.accountId })).isLocked, true);
    await admin().setLoginLocked({ accountId: u.accountId, body: false });
    const t = await login(s, appToken, u.email, u.password);
    assert.ok(t.accessToken);
    assert.equal((await admin().getLoginState({ accountId: u.accountId })).isLocked, false);
  });

  it('keeps the admin routes to apps with customer:manage-accounts', async () => {
    const u = await signup(s, appToken);
    const storefront = sdkApis(s, { accessToken: appToken }).accounts;
    assert.equal((await sdkError(() => storefront.getLoginState({ accountId: u.accountId }))).status, 403);
    assert.equal((await sdkError(() => storefront.setLoginLocked({ accountId: u.accountId, body: true }))).status, 403);
    assert.equal((await sdkError(() => storefront.getLoginStateByEmailAddress({ emailAddress: u.email }))).status, 403);
    // a shopper token for that very account is not enough either
    assert.equal(
      (
        await sdkError(() =>
          sdkApis(s, { accessToken: u.ticket.jwtAccessToken! }).accounts.getLoginState({ accountId: u.accountId }),
        )
      ).status,
      403,
    );
  });

  it('answers unknown accounts and customer sets with 404 and a non-boolean lock body with 400', async () => {
    const u = await signup(s, appToken);
    assert.equal((await sdkError(() => admin().getLoginState({ accountId: 999999 }))).errorCode, 'ITEM_NOT_FOUND');
    assert.equal(
      (await sdkError(() => admin().getLoginStateByEmailAddress({ emailAddress: 'nobody@example.com' }))).status,
      404,
    );
    assert.equal(
      (await sdkError(() => admin().getLoginStateByEmailAddress({ emailAddress: u.email, customerSetCode: 'nope' })))
        .status,
      404,
    );
    // another customer set of the tenant is searched when named
    assert.equal(
      (await sdkError(() => admin().getLoginStateByEmailAddress({ emailAddress: u.email, customerSetCode: 'other' })))
        .status,
      404,
    );
    assert.equal(
      (await admin().getLoginStateByEmailAddress({ emailAddress: u.email, customerSetCode: 'default' })).isLocked,
      false,
    );
    const r = await s.request('POST', `/api/commerce/customer/accounts/${u.accountId}/Set-Login-Locked`, {
      headers: { authorization: `Bearer ${adminToken}` },
      body: { locked: true },
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.errorCode, 'MISSING_OR_INVALID_PARAMETER');
    const r2 = await s.request('POST', `/api/commerce/customer/accounts/${u.accountId}/Set-Login-Locked`, {
      headers: { authorization: `Bearer ${adminToken}` },
      raw: 'true',
    });
    assert.ok(r2.status === 415 || r2.status === 400, r2.text);
  });

  it('a lock made while the password is being verified stops the login before any token exists', async () => {
    const u = await signup(s, appToken);
    const hasher = s.services.hasher;
    const verify = hasher.verify;
    // An admin locks the account while the (correct) password is being checked.
    hasher.verify = async (hash, password) => {
      const ok = await verify.call(hasher, hash, password);
      await createAccountsRepo(s.store.db).setLocked(
        { tenantId: 1, customerSet: 'default' },
        u.accountId,
        true,
        s.clock.now(),
        'admin',
      );
      return ok;
    };
    const sessionsBefore = await s.store.db
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', u.accountId)
      .execute();
    try {
      const e = await sdkError(() => login(s, appToken, u.email, u.password));
      assert.equal(e.status, 423);
      assert.equal(e.errorCode, 'ACCOUNT_LOCKED');
    } finally {
      hasher.verify = verify;
    }
    const sessionsAfter = await s.store.db
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', u.accountId)
      .execute();
    assert.equal(sessionsAfter.length, sessionsBefore.length, 'no new login chain');
    const st = await admin().getLoginState({ accountId: u.accountId });
    assert.equal(st.isLocked, true);
  });
});
