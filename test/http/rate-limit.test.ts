import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RateLimitGroup, RateLimitRule } from '../../src/config/schema.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testConfigFile } from '../helpers/config.ts';
import { newShopper, sdkApis, sdkError } from '../helpers/sdk.ts';
import { assertKibo } from '../helpers/kibo.ts';
import { signup } from '../helpers/signup.ts';

const roomy: RateLimitRule = { perIp: 1000, perAccount: 1000, windowSeconds: 60 };
const limits = (over: Partial<Record<RateLimitGroup, Partial<RateLimitRule>>>) => ({
  login: roomy,
  signup: roomy,
  codes: roomy,
  reset: roomy,
  appLogin: roomy,
  ...over,
});

describe('rate limits per client IP and per account', () => {
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  async function server(over: Parameters<typeof limits>[0], enabled = true) {
    const s = await startTestServer({ configFile: testConfigFile({ rateLimits: { enabled, ...limits(over) } }) });
    servers.push(s);
    return { s, appToken: await s.appToken() };
  }
  const loginRaw = (s: TestServer, appToken: string, username: string, password = 'Wrong-passw0rd') =>
    s.request('POST', '/api/commerce/customer/authtickets', {
      headers: { authorization: `Bearer ${appToken}` },
      body: { username, password },
    });

  it('limits logins per target account, then per client IP, with a Kibo 429 and Retry-After', async () => {
    const { s, appToken } = await server({ login: { perIp: 6, perAccount: 3, windowSeconds: 60 } });
    const a = await signup(s, appToken);
    assert.equal((await loginRaw(s, appToken, a.email)).status, 401);
    assert.equal((await loginRaw(s, appToken, a.email.toUpperCase())).status, 401);
    assert.equal((await loginRaw(s, appToken, a.email, a.password)).status, 200);
    // the 4th attempt on that account, even with the right password
    const limited = await loginRaw(s, appToken, a.email, a.password);
    assertKibo(limited, 429, 'TOO_MANY_REQUESTS');
    const retry = Number(limited.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    // the SDK sees the same
    const e = await sdkError(() =>
      sdkApis(s, { accessToken: appToken }).tickets.createUserAuthTicket({
        customerUserAuthInfo: { username: a.email, password: a.password },
      }),
    );
    assert.equal(e.status, 429);
    assert.equal(e.errorCode, 'TOO_MANY_REQUESTS');
    // another account from the same IP still gets through, until the IP's own limit (6) is spent
    assert.equal((await loginRaw(s, appToken, 'someone-else@example.com')).status, 401);
    const ipLimited = await loginRaw(s, appToken, 'third@example.com');
    assertKibo(ipLimited, 429, 'TOO_MANY_REQUESTS');
    assert.ok(ipLimited.headers.get('retry-after'));
  });

  it('limits Reset-Password per account and sign-ups per IP', async () => {
    const { s, appToken } = await server({
      reset: { perIp: 100, perAccount: 2, windowSeconds: 60 },
      signup: { perIp: 2, perAccount: 100, windowSeconds: 60 },
    });
    const accounts = sdkApis(s, { accessToken: appToken }).accounts;
    for (let i = 0; i < 2; i++)
      await accounts.resetPassword({ customerResetPasswordInfo: { emailAddress: 'x@example.com' } });
    assert.equal(
      (await sdkError(() => accounts.resetPassword({ customerResetPasswordInfo: { emailAddress: 'X@example.com' } })))
        .status,
      429,
    );
    await accounts.resetPassword({ customerResetPasswordInfo: { emailAddress: 'y@example.com' } });
    assert.equal(
      (
        await sdkError(() =>
          accounts.updateForgottenPassword({
            confirmationInfo: { userName: 'x@example.com', confirmationCode: 'c', newPassword: 'New-passw0rd' },
          }),
        )
      ).status,
      429,
    );
    await signup(s, appToken);
    await signup(s, appToken);
    const u = newShopper();
    const e = await sdkError(() =>
      accounts.addAccountAndLogin({
        customerAccountAndAuthInfo: { account: { emailAddress: u.email }, password: u.password },
      }),
    );
    assert.equal(e.status, 429);
  });

  it('limits the code routes per IP, whatever they answer', async () => {
    const { s, appToken } = await server({ codes: { perIp: 2, perAccount: 100, windowSeconds: 60 } });
    const otp = () =>
      s.request('POST', '/api/commerce/customer/authtickets/otp/request', {
        headers: { authorization: `Bearer ${appToken}` },
        body: { email: 'a@example.com' },
      });
    const first = await otp();
    assert.notEqual(first.status, 429);
    assert.notEqual((await otp()).status, 429);
    assertKibo(await otp(), 429, 'TOO_MANY_REQUESTS');
    const auth = await s.request('POST', '/api/commerce/customer/authtickets/2fa/auth', {
      headers: { authorization: `Bearer ${appToken}` },
      body: { userId: 'u', otpCode: '123456' },
    });
    assert.equal(auth.status, 429);
  });

  it('forgets the count when the window has passed', async () => {
    const { s, appToken } = await server({ login: { perIp: 100, perAccount: 1, windowSeconds: 1 } });
    assert.equal((await loginRaw(s, appToken, 'w@example.com')).status, 401);
    assert.equal((await loginRaw(s, appToken, 'w@example.com')).status, 429);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await loginRaw(s, appToken, 'w@example.com')).status, 401);
  });

  it('can be turned off', async () => {
    const { s, appToken } = await server({ login: { perIp: 1, perAccount: 1, windowSeconds: 60 } }, false);
    for (let i = 0; i < 3; i++) assert.equal((await loginRaw(s, appToken, 'off@example.com')).status, 401);
  });
});
