import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RateLimitGroup } from '../../src/config/schema.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testConfigFile } from '../helpers/config.ts';
import { assertKibo } from '../helpers/kibo.ts';

/** Every route CONTRACT §8 limits, by the group whose limits it shares. */
const LIMITED: Record<RateLimitGroup, string[]> = {
  login: ['/api/commerce/customer/authtickets'],
  codes: [
    '/api/commerce/customer/authtickets/2fa/request',
    '/api/commerce/customer/authtickets/2fa/auth',
    '/api/commerce/customer/authtickets/otp/request',
    '/api/commerce/customer/authtickets/otp/auth',
  ],
  reset: [
    '/api/commerce/customer/accounts/Reset-Password',
    '/api/commerce/customer/accounts/Update-Forgotten-Password',
  ],
  signup: ['/api/commerce/customer/accounts/Add-Account-And-Login'],
  appLogin: ['/api/platform/applications/authtickets/oauth', '/api/platform/applications/authtickets'],
};

describe('the routes each rate-limit group covers', () => {
  // Each group allows as many requests per IP as it has routes: one request to each spends it.
  const rule = (n: number) => ({ perIp: n, perAccount: 1000, windowSeconds: 60 });
  const groups = Object.fromEntries(Object.entries(LIMITED).map(([g, urls]) => [g, rule(urls.length)]));
  // Not useTestServer: its seeded tokens and shopper would spend the appLogin and signup limits.
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ configFile: testConfigFile({ rateLimits: { enabled: true, ...groups } }) });
  });
  after(() => s?.close());

  for (const [group, urls] of Object.entries(LIMITED)) {
    it(`counts every ${group} route against the group's per-IP limit`, async () => {
      for (const url of urls) {
        const r = await s.request('POST', url, { body: {} });
        assert.notEqual(r.status, 429, `${url} answered 429 before the group's limit was spent`);
      }
      // Only if every route above counted is the group's limit spent now.
      assertKibo(await s.request('POST', urls[0], { body: {} }), 429, 'TOO_MANY_REQUESTS');
    });
  }
});
