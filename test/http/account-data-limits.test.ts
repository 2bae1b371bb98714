import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, useTestServer } from '../helpers/server.ts';
import { testConfigFile } from '../helpers/config.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { signup } from '../helpers/signup.ts';
import { assertKibo } from '../helpers/kibo.ts';

const contact = { email: 'home@example.com', types: [{ name: 'Billing', isPrimary: false }] };

describe('rate limits of the account data routes', () => {
  const file = testConfigFile();
  const s = useTestServer({
    configFile: {
      ...file,
      rateLimits: { ...file.rateLimits, accountData: { perIp: 1000, perAccount: 3, windowSeconds: 60 } },
    },
  });

  it('limits contact and attribute writes per account, not reads, with a Kibo 429 and Retry-After', async () => {
    const a = await signup(s, s.storefrontToken, 'limited');
    const b = await signup(s, s.storefrontToken, 'unlimited');
    const api = sdkApis(s, { accessToken: a.ticket.jwtAccessToken! }).accounts;
    for (let i = 0; i < 3; i++) await api.addAccountContact({ accountId: a.accountId, customerContact: contact });
    const limited = await sdkError(() => api.addAccountContact({ accountId: a.accountId, customerContact: contact }));
    assert.equal(limited.status, 429);
    assert.equal(limited.errorCode, 'TOO_MANY_REQUESTS');
    const raw = await s.request('DELETE', `/api/commerce/customer/accounts/${a.accountId}/attributes/tenant~x`, {
      headers: { authorization: `Bearer ${a.ticket.jwtAccessToken}` },
    });
    assertKibo(raw, 429, 'TOO_MANY_REQUESTS');
    assert.ok(Number(raw.headers.get('retry-after')) >= 1);
    // reads are not limited, and another account has its own count
    assert.equal((await api.getAccountContacts({ accountId: a.accountId })).totalCount, 3);
    const other = sdkApis(s, { accessToken: b.ticket.jwtAccessToken! }).accounts;
    assert.ok((await other.addAccountContact({ accountId: b.accountId, customerContact: contact })).id);
    // the bulk routes are in the group too (per IP; they name no single account)
    const admin = sdkApis(s, { accessToken: await s.appToken(ADMIN) }).accounts;
    const r = await admin.changePasswords({
      accountPasswordInfoCollection: {
        items: [{ accountId: b.accountId, passwordInfo: { newPassword: 'Another-passw0rd' } }],
      },
    });
    assert.equal(r.items?.[0].succeeded, true);
  });
});
