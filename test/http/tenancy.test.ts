import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { loadConfig } from '../../src/config/load.ts';
import { KiboError } from '../../src/domain/errors.ts';
import { resolveTenancy } from '../../src/http/plugins/tenancy.ts';
import { useTestServer } from '../helpers/server.ts';
import { OTHER_TENANT_APP, testConfigFile } from '../helpers/config.ts';
import { assertKibo } from '../helpers/kibo.ts';

const config = loadConfig({}, JSON.stringify(testConfigFile()));

function resolve(headers: Record<string, string | string[]>, hostname = 'localhost') {
  return resolveTenancy(config, { headers, hostname } as unknown as FastifyRequest);
}

function rejects(headers: Record<string, string>, hostname: string | undefined, code: string, status: number): void {
  assert.throws(
    () => resolve(headers, hostname),
    (err: unknown) => {
      assert.ok(err instanceof KiboError, String(err));
      assert.equal(err.code, code, err.message);
      assert.equal(err.status, status);
      return true;
    },
  );
}

describe('resolveTenancy', () => {
  it('reads x-vol-tenant / x-vol-site', () => {
    const t = resolve({ 'x-vol-tenant': '1', 'x-vol-site': '2' });
    assert.equal(t.tenant.id, 1);
    assert.equal(t.site.id, 2);
    assert.equal(t.site.customerSet, 'default');
    assert.equal(resolve({ 'x-vol-tenant': ' 2 ', 'x-vol-site': '21' }).site.id, 21);
  });

  it('reads a t{tenant}-s{site}.<anything> host, any case', () => {
    assert.equal(resolve({}, 't1-s2.example.com').site.id, 2);
    const t = resolve({}, 'T1-S3.shop.example');
    assert.equal(t.site.id, 3);
    assert.equal(t.site.customerSet, 'other');
  });

  it('prefers the headers over the host, field by field', () => {
    assert.equal(resolve({ 'x-vol-site': '3' }, 't1-s2.example.com').site.id, 3);
    assert.equal(resolve({ 'x-vol-tenant': '2', 'x-vol-site': '21' }, 't1-s2.example.com').tenant.id, 2);
  });

  it('answers 404 ITEM_NOT_FOUND for an unknown tenant or site', () => {
    rejects({ 'x-vol-tenant': '999999', 'x-vol-site': '1' }, undefined, 'ITEM_NOT_FOUND', 404);
    rejects({ 'x-vol-tenant': '1', 'x-vol-site': '21' }, undefined, 'ITEM_NOT_FOUND', 404); // site of another tenant
    rejects({}, 't7-s1.example.com', 'ITEM_NOT_FOUND', 404);
  });

  it('answers 400 for non-numeric, out-of-range or missing values', () => {
    for (const bad of ['abc', '1.5', '-1', '0', '0x1', '1e3', '99999999999', ' ']) {
      rejects({ 'x-vol-tenant': bad, 'x-vol-site': '1' }, undefined, 'MISSING_OR_INVALID_PARAMETER', 400);
      rejects({ 'x-vol-tenant': '1', 'x-vol-site': bad }, undefined, 'MISSING_OR_INVALID_PARAMETER', 400);
    }
    rejects({}, undefined, 'MISSING_OR_INVALID_PARAMETER', 400);
    rejects({ 'x-vol-tenant': '1' }, undefined, 'MISSING_OR_INVALID_PARAMETER', 400);
    rejects({ 'x-vol-site': '1' }, 'shop.example.com', 'MISSING_OR_INVALID_PARAMETER', 400);
    rejects({}, 'x-t1-s2.example.com', 'MISSING_OR_INVALID_PARAMETER', 400);
  });
});

/** node:http, because fetch will not send a Host header of our choosing. */
function get(
  base: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; json: any; text: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request(base + path, { method: 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolvePromise({ status: res.statusCode ?? 0, headers: h, json, text });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tenancy on /api/commerce/customer/authtickets/anonymousshopper', () => {
  const ANON = '/api/commerce/customer/authtickets/anonymousshopper';
  const s = useTestServer();
  let app1: string;
  let app2: string;
  before(async () => {
    app1 = `Bearer ${await s.appToken()}`;
    app2 = `Bearer ${await s.appToken(OTHER_TENANT_APP)}`;
  });

  const siteOf = (r: { json: any }) => decodeJwt(r.json.jwtAccessToken);

  it('takes tenant and site from x-vol-tenant / x-vol-site', async () => {
    const r = await get(s.url, ANON, { authorization: app1, 'x-vol-tenant': '1', 'x-vol-site': '2' });
    assert.equal(r.status, 200, r.text);
    assert.equal(siteOf(r).tenant, 1);
    assert.equal(siteOf(r).site, 2);
  });

  it('takes them from a t1-s2.example.com host', async () => {
    const r = await get(s.url, ANON, { authorization: app1, host: 't1-s2.example.com' });
    assert.equal(r.status, 200, r.text);
    assert.equal(siteOf(r).site, 2);
    const r3 = await get(s.url, ANON, { authorization: app1, host: 't1-s3.example.com:8080' });
    assert.equal(r3.status, 200, r3.text);
    assert.equal(siteOf(r3).site, 3);
    assert.equal(siteOf(r3).customerSet, 'other');
  });

  it('unknown tenant or site → 404 ITEM_NOT_FOUND', async () => {
    assertKibo(
      await get(s.url, ANON, { authorization: app1, 'x-vol-tenant': '999999', 'x-vol-site': '1' }),
      404,
      'ITEM_NOT_FOUND',
    );
    assertKibo(
      await get(s.url, ANON, { authorization: app1, 'x-vol-tenant': '1', 'x-vol-site': '999' }),
      404,
      'ITEM_NOT_FOUND',
    );
    assertKibo(await get(s.url, ANON, { authorization: app1, host: 't5-s5.example.com' }), 404, 'ITEM_NOT_FOUND');
  });

  it('non-numeric → 400, missing → 400', async () => {
    assertKibo(
      await get(s.url, ANON, { authorization: app1, 'x-vol-tenant': 'abc', 'x-vol-site': '1' }),
      400,
      'MISSING_OR_INVALID_PARAMETER',
    );
    assertKibo(
      await get(s.url, ANON, { authorization: app1, 'x-vol-tenant': '1', 'x-vol-site': 'one' }),
      400,
      'MISSING_OR_INVALID_PARAMETER',
    );
    const missing = assertKibo(await get(s.url, ANON, { authorization: app1 }), 400, 'MISSING_OR_INVALID_PARAMETER');
    assert.deepEqual(missing.additionalErrorData, [{ name: 'field', value: 'x-vol-tenant' }]);
  });

  it('an app token of tenant 2 used on tenant 1 → 401; on its own tenant → 200', async () => {
    const wrong = await get(s.url, ANON, { authorization: app2, 'x-vol-tenant': '1', 'x-vol-site': '1' });
    assertKibo(wrong, 401, 'UNAUTHORIZED');
    const claims = await get(s.url, ANON, {
      'x-vol-app-claims': app2.slice(7),
      'x-vol-tenant': '1',
      'x-vol-site': '1',
    });
    assertKibo(claims, 401, 'UNAUTHORIZED');
    const own = await get(s.url, ANON, { authorization: app2, 'x-vol-tenant': '2', 'x-vol-site': '21' });
    assert.equal(own.status, 200, own.text);
    assert.equal(siteOf(own).tenant, 2);
  });

  it('the other x-vol-* headers the SDK sends are accepted and ignored', async () => {
    const r = await get(s.url, ANON, {
      authorization: app1,
      'x-vol-tenant': '1',
      'x-vol-site': '1',
      'x-vol-catalog': '1',
      'x-vol-master-catalog': '1',
      'x-vol-dataview-mode': 'Live',
      'x-vol-version': '1.0',
    });
    assert.equal(r.status, 200, r.text);
  });
});
