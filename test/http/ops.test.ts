import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestServer, useTestServer, type TestServer } from '../helpers/server.ts';
import { assertKibo } from '../helpers/kibo.ts';

describe('operations endpoints', () => {
  const s = useTestServer();

  it('/healthz answers 200', async () => {
    const r = await s.request('GET', '/healthz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'ok' });
  });

  it('/readyz answers 200 while the database answers', async () => {
    const r = await s.request('GET', '/readyz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'ok', checks: { database: 'ok' } });
  });

  it('/metrics has http_requests_total per route and process metrics', async () => {
    await s.request('GET', '/healthz');
    await s.request('GET', '/api/platform/tenants/1');
    await s.request('GET', '/no/such/thing');
    const r = await s.request('GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(r.text, /^# TYPE http_requests_total counter$/m);
    assert.match(r.text, /^http_requests_total\{method="GET",route="\/healthz",status_code="200"\} [1-9]\d*$/m);
    // The route label is the route pattern, not the URL (bounded cardinality).
    assert.match(
      r.text,
      /^http_requests_total\{method="GET",route="\/api\/platform\/tenants\/:tenantId",status_code="401"\} 1$/m,
    );
    assert.ok(!r.text.includes('/no/such/thing'), 'unknown URLs do not become label values');
    assert.match(r.text, /^http_request_duration_seconds_bucket\{.*route="\/healthz".*\} \d+$/m);
    assert.match(r.text, /^process_cpu_user_seconds_total \d/m);
    assert.match(r.text, /^process_resident_memory_bytes \d/m);
    assert.match(r.text, /^nodejs_eventloop_lag_seconds \d/m);
  });

  it('/api/docs/openapi.json is an OpenAPI 3 document of our routes', async () => {
    const r = await s.request('GET', '/api/docs/openapi.json');
    assert.equal(r.status, 200);
    assert.match(r.json.openapi, /^3\./);
    const oauth = r.json.paths['/api/platform/applications/authtickets/oauth'];
    assert.ok(oauth?.post, 'lists the oauth route');
    assert.ok(oauth.post.requestBody.content['application/json'].schema.properties.client_id);
    assert.ok(oauth.post.responses['200']);
    assert.ok(r.json.paths['/api/platform/tenants/{tenantId}']?.get);
    assert.ok(r.json.paths['/.well-known/jwks.json']?.get);
    assert.ok(!r.json.paths['/metrics'] && !r.json.paths['/api/docs/openapi.json'], 'hidden routes stay hidden');
  });

  it('/api/docs serves the browsable HTML page', async () => {
    const r = await s.request('GET', '/api/docs');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(r.text, /<html/i);
  });

  it('JWKS keys verify an app token (offline verification, as another service would)', async () => {
    const token = await s.appToken();
    const jwks = createRemoteJWKSet(new URL(`${s.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: 'storefront-auth',
      algorithms: ['ES256'],
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.typ, 'app');
    assert.equal(payload.sub, 'storefront');
    assert.equal(payload.tenant, 1);
    assert.ok(typeof payload.exp === 'number' && payload.exp - Math.floor(Date.now() / 1000) <= 3600);
    const keys = (await s.request('GET', '/.well-known/jwks.json')).json.keys;
    for (const k of keys) assert.ok(!('d' in k), 'no private key material is published');
  });

  it('key rotation: two keys published, new tokens use the new kid, old tokens still verify', async () => {
    const before = (await s.request('GET', '/.well-known/jwks.json')).json.keys;
    assert.equal(before.length, 1);
    const oldToken = await s.appToken();
    const oldKid = decodeProtectedHeader(oldToken).kid;
    assert.equal(oldKid, before[0].kid);

    const newKid = await s.services.keys.rotate();
    const afterKeys = (await s.request('GET', '/.well-known/jwks.json')).json.keys;
    assert.deepEqual(afterKeys.map((k: { kid: string }) => k.kid).sort(), [oldKid, newKid].sort());

    const newToken = await s.appToken();
    assert.equal(decodeProtectedHeader(newToken).kid, newKid);
    const jwks = createRemoteJWKSet(new URL(`${s.url}/.well-known/jwks.json`));
    await jwtVerify(oldToken, jwks);
    await jwtVerify(newToken, jwks);
    // And the server itself still accepts both.
    for (const t of [oldToken, newToken]) {
      const r = await s.request('GET', '/api/platform/tenants/1', { headers: { authorization: `Bearer ${t}` } });
      assert.equal(r.status, 200);
    }
  });
});

describe('/readyz when the database is gone', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    // The store is closed already; close only the HTTP side and the test database.
    await s?.app.close();
    await s?.close().catch(() => {});
  });

  it('answers 503 SERVICE_UNAVAILABLE in the Kibo shape, while /healthz stays 200', async () => {
    assert.equal((await s.request('GET', '/readyz')).status, 200);
    await s.store.close();
    const r = await s.request('GET', '/readyz');
    assertKibo(r, 503, 'SERVICE_UNAVAILABLE');
    assert.equal((await s.request('GET', '/healthz')).status, 200);
  });
});
