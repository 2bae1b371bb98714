import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RateLimitGroup } from '../../src/config/schema.ts';
import { useTestServer } from '../helpers/server.ts';
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
  accountData: [
    'POST /api/commerce/customer/accounts/1/contacts',
    'PUT /api/commerce/customer/accounts/1/contacts',
    'PUT /api/commerce/customer/accounts/1/contacts/1',
    'DELETE /api/commerce/customer/accounts/1/contacts/1',
    'POST /api/commerce/customer/accounts/1/attributes',
    'PUT /api/commerce/customer/accounts/1/attributes/tenant~a',
    'DELETE /api/commerce/customer/accounts/1/attributes/tenant~a',
    'POST /api/commerce/customer/accounts/Bulk',
    'POST /api/commerce/customer/accounts/Change-Passwords',
  ],
  console: ['/console/login', '/console/login/totp'],
};

/** `'PUT /path'` → method and path; a bare path is a POST. */
function route(entry: string): [string, string] {
  const m = /^(GET|POST|PUT|DELETE) (.+)$/.exec(entry);
  return m ? [m[1], m[2]] : ['POST', entry];
}

describe('the routes each rate-limit group covers', () => {
  // Each group allows as many requests per IP as it has routes: one request to each spends it.
  const rule = (n: number) => ({ perIp: n, perAccount: 1000, windowSeconds: 60 });
  const groups = Object.fromEntries(Object.entries(LIMITED).map(([g, urls]) => [g, rule(urls.length)]));
  // Unseeded: the fixture's tokens and shopper would spend the appLogin and signup limits.
  const s = useTestServer({ configFile: testConfigFile({ rateLimits: { enabled: true, ...groups } }), seed: false });

  for (const [group, urls] of Object.entries(LIMITED)) {
    it(`counts every ${group} route against the group's per-IP limit`, async () => {
      for (const entry of urls) {
        const [method, url] = route(entry);
        const r = await s.request(method, url, { body: method === 'DELETE' ? undefined : {} });
        assert.notEqual(r.status, 429, `${entry} answered 429 before the group's limit was spent`);
      }
      // Only if every route above counted is the group's limit spent now.
      const [method, url] = route(urls[0]);
      const refused = await s.request(method, url, { body: {} });
      // The console answers its own HTML error pages; /api answers Kibo JSON.
      if (group === 'console') assert.equal(refused.status, 429);
      else assertKibo(refused, 429, 'TOO_MANY_REQUESTS');
    });
  }
});
