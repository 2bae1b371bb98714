import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, useTestServer, type TestServer, ADMIN } from '../helpers/server.ts';
import { configWithLogin } from '../helpers/login-config.ts';
import { createDatabase } from '../helpers/db.ts';
import { TestClock } from '../helpers/clock.ts';
import { login, signup } from '../helpers/signup.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';

/**
 * Issue #13, point 5: an admin lock (Set-Login-Locked true) and a deactivation (isActive false)
 * end every session of the account at once — its JWT, its opaque access token and its refresh
 * token stop working, on every instance — while a temporary lockout from failed attempts leaves
 * the sessions alone.
 * @see src/domain/accounts/login-state.ts (setLocked), src/domain/accounts/service.ts (update)
 */
const PG = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const base = '/api/commerce/customer/accounts';

type Ticket = { jwtAccessToken?: string | null; accessToken?: string | null; refreshToken?: string | null };

/** The status each of a ticket's credentials answers on `s`: JWT, opaque access token, refresh. */
async function credentials(s: TestServer, appToken: string, t: Ticket) {
  const jwt = await s.request('GET', `${base}/current`, { headers: { authorization: `Bearer ${t.jwtAccessToken}` } });
  const opaque = await s.request('GET', `${base}/current`, {
    headers: { authorization: `Bearer ${appToken}`, 'x-vol-user-claims': t.accessToken! },
  });
  const refresh = await s.request(
    'PUT',
    `/api/commerce/customer/authtickets/refresh?refreshToken=${encodeURIComponent(t.refreshToken!)}`,
    { headers: { authorization: `Bearer ${appToken}` } },
  );
  return { jwt: jwt.status, opaque: opaque.status, refresh: refresh.status };
}

describe('an admin lock or a deactivation ends the sessions (PGlite or PostgreSQL)', () => {
  const s = useTestServer({ configFile: configWithLogin({ 1: { lockout: { maxAttempts: 3, lockMinutes: 10 } } }) });

  it('Set-Login-Locked true revokes every session; unlocking does not bring them back', async () => {
    const appToken = await s.appToken();
    const admin = sdkApis(s, { accessToken: await s.appToken(ADMIN) }).accounts;
    const u = await signup(s, appToken, 'lk');
    const other = await login(s, appToken, u.email, u.password);
    assert.deepEqual(await credentials(s, appToken, other), { jwt: 200, opaque: 200, refresh: 200 });

    await admin.setLoginLocked({ accountId: u.accountId, body: true });
    assert.deepEqual(await credentials(s, appToken, u.ticket), { jwt: 401, opaque: 401, refresh: 401 });
    const entry = await s.store.db
      .selectFrom('auth_events')
      .select('detail')
      .where('account_id', '=', u.accountId)
      .where('type', '=', 'account.locked')
      .executeTakeFirstOrThrow();
    assert.equal(entry.detail.revokedSessions, 2);

    await admin.setLoginLocked({ accountId: u.accountId, body: false });
    assert.deepEqual(await credentials(s, appToken, u.ticket), { jwt: 401, opaque: 401, refresh: 401 });
    // a new login works again
    assert.ok((await login(s, appToken, u.email, u.password)).accessToken);
  });

  it('an update setting isActive false revokes every session', async () => {
    const appToken = await s.appToken();
    const admin = sdkApis(s, { accessToken: await s.appToken(ADMIN) }).accounts;
    const u = await signup(s, appToken, 'de');
    const before = await admin.getAccount({ accountId: u.accountId });
    await admin.updateAccount({ accountId: u.accountId, customerAccount: { ...before, isActive: false } });
    assert.deepEqual(await credentials(s, appToken, u.ticket), { jwt: 401, opaque: 401, refresh: 401 });
    assert.equal((await admin.getAccount({ accountId: u.accountId })).isActive, false);
  });

  it('an update that leaves the account active keeps its sessions', async () => {
    const appToken = await s.appToken();
    const admin = sdkApis(s, { accessToken: await s.appToken(ADMIN) }).accounts;
    const u = await signup(s, appToken, 'ac');
    const before = await admin.getAccount({ accountId: u.accountId });
    await admin.updateAccount({ accountId: u.accountId, customerAccount: { ...before, firstName: 'Grace' } });
    assert.deepEqual(await credentials(s, appToken, u.ticket), { jwt: 200, opaque: 200, refresh: 200 });
  });

  it('a lockout from failed attempts leaves the sessions working', async () => {
    const appToken = await s.appToken();
    const u = await signup(s, appToken, 'fa');
    for (let i = 0; i < 3; i++) await sdkError(() => login(s, appToken, u.email, 'Wrong-passw0rd'));
    assert.equal((await sdkError(() => login(s, appToken, u.email, u.password))).errorCode, 'ACCOUNT_LOCKED');
    assert.deepEqual(await credentials(s, appToken, u.ticket), { jwt: 200, opaque: 200, refresh: 200 });
  });
});

describe('an admin lock made through one instance ends the sessions on the other (PostgreSQL)', () => {
  let a: TestServer;
  let b: TestServer;
  let drop: () => Promise<void>;
  before(async () => {
    const db = await createDatabase(PG);
    drop = db.drop;
    const clock = new TestClock();
    a = await startTestServer({ databaseUrl: db.url, clock });
    b = await startTestServer({ databaseUrl: db.url, clock });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it('the shopper logged in on B loses every credential when A locks or deactivates the account', async () => {
    const appB = await b.appToken();
    const adminA = sdkApis(a, { accessToken: await a.appToken(ADMIN) }).accounts;
    const u = await signup(b, appB, 'mi');
    assert.deepEqual(await credentials(b, appB, u.ticket), { jwt: 200, opaque: 200, refresh: 200 });
    await adminA.setLoginLocked({ accountId: u.accountId, body: true });
    assert.deepEqual(await credentials(b, appB, u.ticket), { jwt: 401, opaque: 401, refresh: 401 });

    await adminA.setLoginLocked({ accountId: u.accountId, body: false });
    const again = await login(b, appB, u.email, u.password);
    const acct = await adminA.getAccount({ accountId: u.accountId });
    await adminA.updateAccount({ accountId: u.accountId, customerAccount: { ...acct, isActive: false } });
    assert.deepEqual(await credentials(b, appB, again), { jwt: 401, opaque: 401, refresh: 401 });
  });
});
