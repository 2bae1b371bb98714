import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { useTestServer } from '../helpers/server.ts';

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

interface Operation {
  parameters?: { in: string; name: string; required?: boolean }[];
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

describe('the OpenAPI document and the /api/docs page', () => {
  const s = useTestServer();
  let doc: any;
  before(async () => {
    const r = await s.request('GET', '/api/docs/openapi.json');
    assert.equal(r.status, 200);
    doc = r.json;
  });

  const operations = (): [string, string, Operation][] =>
    Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m): [string, string, Operation] => [m, path, item[m]]),
    );
  const op = (method: string, path: string): Operation => doc.paths[path][method];
  const headerParams = (o: Operation) => (o.parameters ?? []).filter((p) => p.in === 'header');

  it('shows the project name and version', () => {
    assert.equal(doc.info.title, 'storefront-auth');
    assert.equal(doc.info.version, pkg.version);
  });

  it('names its shared schemas, and every $ref resolves', () => {
    const names = Object.keys(doc.components.schemas);
    for (const name of ['CustomerAuthTicket', 'CustomerAccount', 'KiboError']) assert.ok(names.includes(name), name);
    assert.ok(!names.some((n) => /^def-\d+$/.test(n)), `no generated names: ${names.join(', ')}`);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    assert.ok(refs.length > 10);
    for (const ref of new Set(refs)) {
      const m = /^"\$ref":"#\/components\/schemas\/(.+)"$/.exec(ref);
      assert.ok(m && doc.components.schemas[m[1]], `${ref} resolves`);
    }
    assert.equal(
      op('post', '/api/commerce/customer/authtickets').responses['200'].content!['application/json'].schema!.$ref,
      '#/components/schemas/CustomerAuthTicket',
    );
  });

  it('declares the tenant and site headers on every /api/commerce operation, and on no other', () => {
    for (const [method, path, o] of operations()) {
      const headers = headerParams(o).filter((p) => p.name === 'x-vol-tenant' || p.name === 'x-vol-site');
      if (path.startsWith('/api/commerce/')) {
        assert.deepEqual(
          headers.map((p) => [p.name, p.required]),
          [
            ['x-vol-tenant', true],
            ['x-vol-site', true],
          ],
          `${method} ${path}`,
        );
      } else {
        assert.deepEqual(headers, [], `${method} ${path}`);
      }
    }
  });

  it("declares the bearer credential on each operation as its route's auth asks", () => {
    assert.deepEqual(doc.components.securitySchemes.bearer, {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: doc.components.securitySchemes.bearer.description,
    });
    assert.deepEqual(op('post', '/api/commerce/customer/authtickets').security, [{ bearer: [] }]);
    assert.deepEqual(op('get', '/api/commerce/customer/accounts/current').security, [{ bearer: [] }]);
    assert.deepEqual(op('post', '/api/platform/applications/authtickets/oauth').security, []);
    assert.deepEqual(op('get', '/healthz').security, []);
    for (const [method, path, o] of operations()) assert.ok(Array.isArray(o.security), `${method} ${path}`);
  });

  it('documents error statuses on every operation, in the Kibo error shape', () => {
    for (const [method, path, o] of operations()) {
      const codes = Object.keys(o.responses);
      const client = codes.filter((c) => /^4/.test(c));
      const server = codes.filter((c) => /^5/.test(c));
      assert.ok(client.length > 0 && server.length > 0, `${method} ${path}: ${codes.join(', ')}`);
      for (const c of [...client, ...server])
        assert.equal(
          o.responses[c].content?.['application/json']?.schema?.$ref,
          '#/components/schemas/KiboError',
          `${method} ${path} ${c}`,
        );
    }
  });

  it('names each error status one by one, with the codes it carries', () => {
    for (const [method, path, o] of operations()) {
      const codes = Object.keys(o.responses);
      for (const c of ['400', '500', '503']) assert.ok(codes.includes(c), `${method} ${path} lacks ${c}`);
    }
    const login = op('post', '/api/commerce/customer/authtickets').responses as Record<
      string,
      { description?: string }
    >;
    for (const c of ['401', '403', '423', '429']) assert.ok(login[c], `login lacks ${c}`);
    assert.match(login['401'].description ?? '', /INVALID_CREDENTIALS/);
    assert.match(login['423'].description ?? '', /ACCOUNT_LOCKED/);
    assert.match(login['429'].description ?? '', /TOO_MANY_REQUESTS/);
    const health = Object.keys(op('get', '/healthz').responses);
    assert.ok(!health.includes('401') && !health.includes('423'), `healthz: ${health.join(', ')}`);
  });

  it('works as the page sends it: the declared headers and the bearer are all a call needs', async () => {
    const token = await s.appToken();
    const o = op('get', '/api/commerce/customer/authtickets/anonymousshopper');
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    for (const p of headerParams(o)) headers[p.name] = '1';
    const res = await fetch(`${s.url}/api/commerce/customer/authtickets/anonymousshopper`, { headers });
    assert.equal(res.status, 200);
    assert.ok(((await res.json()) as { accessToken?: string }).accessToken);
  });

  it('GET / redirects to the docs page, which loads the document', async () => {
    const res = await fetch(`${s.url}/`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/api/docs');
    const page = await fetch(`${s.url}/api/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const init = await fetch(`${s.url}/api/docs/static/swagger-initializer.js`);
    assert.equal(init.status, 200);
    assert.match(await init.text(), /openapi\.json|json/);
  });
});
