import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { APIAuthClient } from '@kibocommerce/sdk-authentication';
import { useTestServer, STOREFRONT, ADMIN } from '../helpers/server.ts';

describe('application authentication', () => {
  const s = useTestServer();

  it('issues an app token to the official APIAuthClient', async () => {
    const client = new APIAuthClient(
      { clientId: STOREFRONT.clientId, sharedSecret: STOREFRONT.clientSecret, authHost: s.url, apiHost: '' } as any,
      fetch,
    );
    const token = await client.getAccessToken();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const tenant = await s.request('GET', '/api/platform/tenants/1', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(tenant.status, 200);
    assert.equal(tenant.json.domain, 't1.localhost');
    assert.deepEqual(
      tenant.json.sites.map((x: { id: number }) => x.id),
      [1, 2, 3],
    );
  });

  it('answers the same INVALID_CREDENTIALS for an unknown client and a wrong secret', async () => {
    const unknown = await s.request('POST', '/api/platform/applications/authtickets/oauth', {
      body: { client_id: 'nope', client_secret: 'x', grant_type: 'client_credentials' },
    });
    const wrong = await s.request('POST', '/api/platform/applications/authtickets/oauth', {
      body: { client_id: STOREFRONT.clientId, client_secret: 'x', grant_type: 'client_credentials' },
    });
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown.json, wrong.json);
    assert.equal(wrong.json.errorCode, 'INVALID_CREDENTIALS');
  });

  it('authenticates with applicationId/sharedSecret, refreshes with rotation and revokes', async () => {
    const t = await s.request('POST', '/api/platform/applications/authtickets', {
      body: { applicationId: ADMIN.clientId, sharedSecret: ADMIN.clientSecret },
    });
    assert.equal(t.status, 200);
    assert.ok(Date.parse(t.json.accessTokenExpiration) > Date.now());
    const r1 = await s.request('PUT', '/api/platform/applications/authtickets/refresh-ticket', {
      body: { refreshToken: t.json.refreshToken },
    });
    assert.equal(r1.status, 200);
    assert.notEqual(r1.json.refreshToken, t.json.refreshToken);
    const reuse = await s.request('PUT', '/api/platform/applications/authtickets/refresh-ticket', {
      body: { refreshToken: t.json.refreshToken },
    });
    assert.equal(reuse.status, 401);
    const del = await s.request('DELETE', `/api/platform/applications/authtickets/${r1.json.refreshToken}`);
    assert.equal(del.status, 204);
    const after = await s.request('PUT', '/api/platform/applications/authtickets/refresh-ticket', {
      body: { refreshToken: r1.json.refreshToken },
    });
    assert.equal(after.status, 401);
  });

  it('accepts form-encoded oauth requests and the refresh_token grant', async () => {
    const form = await s.request('POST', '/api/platform/applications/authtickets/oauth', {
      raw: new URLSearchParams({
        client_id: STOREFRONT.clientId,
        client_secret: STOREFRONT.clientSecret,
        grant_type: 'client_credentials',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 200);
    assert.equal(form.json.token_type, 'bearer');
    const r = await s.request('POST', '/api/platform/applications/authtickets/oauth', {
      body: { grant_type: 'refresh_token', refresh_token: form.json.refresh_token },
    });
    assert.equal(r.status, 200);
    assert.ok(r.json.access_token);
  });

  it('hides another tenant from an app and refuses the tenant route without a token', async () => {
    const token = await s.appToken();
    const other = await s.request('GET', '/api/platform/tenants/2', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(other.status, 404);
    const none = await s.request('GET', '/api/platform/tenants/1');
    assert.equal(none.status, 401);
    assert.equal(none.json.errorCode, 'UNAUTHORIZED');
  });
});
