import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startTestServer, type TestServer, ADMIN } from '../helpers/server.ts';
import { configWithLogin } from '../helpers/login-config.ts';
import { createDatabase } from '../helpers/db.ts';
import { TestClock } from '../helpers/clock.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { login, signup } from '../helpers/signup.ts';

// Postgres and Redis run wherever the suite runs (CI included); TEST_DATABASE_URL picks another server.
const PG = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

describe('two instances on one PostgreSQL and one Redis', () => {
  let a: TestServer;
  let b: TestServer;
  let drop: () => Promise<void>;
  const prefix = `sa-test-${randomBytes(6).toString('hex')}:`;
  const roomy = { perIp: 1000, perAccount: 1000, windowSeconds: 60 };
  before(async () => {
    const db = await createDatabase(PG);
    drop = db.drop;
    const clock = new TestClock();
    const configFile = configWithLogin({ 1: { lockout: { maxAttempts: 3, lockMinutes: 10 } } });
    configFile.rateLimits = {
      login: { perIp: 1000, perAccount: 4, windowSeconds: 60 },
      signup: roomy,
      codes: roomy,
      reset: roomy,
      appLogin: roomy,
    };
    const env = { REDIS_URL: REDIS, REDIS_KEY_PREFIX: prefix };
    // one after the other: the second finds the schema migrated
    a = await startTestServer({ databaseUrl: db.url, env, configFile, clock });
    b = await startTestServer({ databaseUrl: db.url, env, configFile, clock });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
    const r = new Redis(REDIS);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    await r.quit();
  });

  it('a lock made through one instance holds on the other', async () => {
    const appA = await a.appToken();
    const adminA = await a.appToken(ADMIN);
    const appB = await b.appToken();
    const u = await signup(a, appA);
    await sdkApis(a, { accessToken: adminA }).accounts.setLoginLocked({ accountId: u.accountId, body: true });
    const e = await sdkError(() => login(b, appB, u.email, u.password));
    assert.equal(e.errorCode, 'ACCOUNT_LOCKED');
    await sdkApis(a, { accessToken: adminA }).accounts.setLoginLocked({ accountId: u.accountId, body: false });
    assert.ok((await login(b, appB, u.email, u.password)).accessToken);

    // failures counted on both instances add up to one lockout (3 attempts here)
    const v = await signup(b, appB);
    await sdkError(() => login(a, appA, v.userName, 'Wrong-passw0rd'));
    await sdkError(() => login(b, appB, v.userName, 'Wrong-passw0rd'));
    await sdkError(() => login(a, appA, v.userName, 'Wrong-passw0rd'));
    assert.equal((await sdkError(() => login(b, appB, v.userName, v.password))).errorCode, 'ACCOUNT_LOCKED');
    const st = await sdkApis(a, { accessToken: adminA }).accounts.getLoginState({ accountId: v.accountId });
    assert.equal(st.isLocked, true);
    assert.equal(st.failedLoginAttemptCount, 3);
    // and the lock runs out on both at the same time
    a.clock.advanceMinutes(11);
    assert.ok((await login(a, appA, v.email, v.password)).accessToken);
    assert.equal(
      (await sdkApis(b, { accessToken: await b.appToken(ADMIN) }).accounts.getLoginState({ accountId: v.accountId }))
        .isLocked,
      false,
    );
  });

  it('a revocation made through one instance holds on the other', async () => {
    const appA = await a.appToken();
    const appB = await b.appToken();
    const u = await signup(a, appA);
    const t = await login(b, appB, u.email, u.password);
    assert.equal((await sdkApis(b, { accessToken: t.jwtAccessToken! }).accounts.getCurrentAccount({})).id, u.accountId);
    const del = await a.request(
      'DELETE',
      `/api/commerce/customer/authtickets?refreshToken=${encodeURIComponent(t.refreshToken!)}`,
      { headers: { authorization: `Bearer ${appA}` } },
    );
    assert.equal(del.status, 204);
    assert.equal(
      (await sdkError(() => sdkApis(b, { accessToken: t.jwtAccessToken! }).accounts.getCurrentAccount({}))).status,
      401,
    );
    assert.equal(
      (await sdkError(() => sdkApis(b, { userClaims: t.accessToken!, appClaims: appB }).accounts.getCurrentAccount({})))
        .status,
      401,
    );
    assert.equal(
      (
        await sdkError(() =>
          sdkApis(b, { accessToken: appB }).tickets.refreshUserAuthTicket({ refreshToken: t.refreshToken! }),
        )
      ).status,
      401,
    );
    // and a password change on B ends the login made on A
    const t2 = await login(a, appA, u.email, u.password);
    await sdkApis(b, { accessToken: await b.appToken(ADMIN) }).accounts.changePassword({
      accountId: u.accountId,
      customerPasswordInfo: { newPassword: 'Changed-passw0rd' },
    });
    assert.equal(
      (await sdkError(() => sdkApis(a, { accessToken: t2.jwtAccessToken! }).accounts.getCurrentAccount({}))).status,
      401,
    );
  });

  it('a rate limit spent through one instance holds on the other', async () => {
    const appA = await a.appToken();
    const appB = await b.appToken();
    const target = `limited-${randomBytes(4).toString('hex')}@example.com`;
    for (let i = 0; i < 4; i++)
      assert.equal((await sdkError(() => login(a, appA, target, 'Wrong-passw0rd'))).status, 401);
    const r = await b.request('POST', '/api/commerce/customer/authtickets', {
      headers: { authorization: `Bearer ${appB}` },
      body: { username: target, password: 'Wrong-passw0rd' },
    });
    assert.equal(r.status, 429);
    assert.equal(r.json.errorCode, 'TOO_MANY_REQUESTS');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    // the counter lives in Redis under this run's prefix
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${prefix}*`);
    await redis.quit();
    assert.ok(
      keys.some((k) => k.includes(target)),
      keys.join(),
    );
  });
});
