import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { SignJWT, generateKeyPair } from 'jose';
import { useTestServer, STOREFRONT, ADMIN } from '../helpers/server.ts';
import { assertKiboShape } from '../helpers/kibo.ts';

/**
 * "Fuzz every route": every operation of our own OpenAPI document (so routes added later are
 * covered without touching this file) gets junk path parameters, junk bodies, junk tenancy and
 * junk credentials, with and without a valid app token. Whatever the answer, it must be < 500,
 * JSON, and Kibo-shaped when it is an error.
 */

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: string }[];
  bodySchema?: Schema;
}
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  items?: Schema;
}
interface Probe {
  label: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

const JUNK_PARAMS = ['junk', '0', '-1', '99999999999999999999', encodeURIComponent(`'";<x>%00`), 'A'.repeat(300)];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty'];
const HUGE = JSON.stringify({ blob: 'x'.repeat(70 * 1024) });

/** A value of the wrong JSON type for a schema (strings get numbers, arrays, objects...). */
function wrongValues(schema: Schema | undefined): unknown[] {
  const types = new Set<string>(
    [schema?.type ?? [], schema?.anyOf?.map((s) => s.type ?? []) ?? []].flat(2) as string[],
  );
  const all: unknown[] = [
    12345,
    -1.5,
    'a string',
    true,
    [],
    [1, 'two', {}],
    { nested: { deep: [null] } },
    null,
    'x'.repeat(5000),
  ];
  return all.filter((v) => {
    const t =
      v === null
        ? 'null'
        : Array.isArray(v)
          ? 'array'
          : typeof v === 'number'
            ? Number.isInteger(v)
              ? 'integer'
              : 'number'
            : typeof v;
    if (t === 'integer' && types.has('number')) return false;
    return !types.has(t) && !(t === 'string' && types.has('string'));
  });
}

function isInteger(schema: Schema | undefined): boolean {
  return [schema?.type, ...(schema?.anyOf?.map((x) => x.type) ?? [])].flat().includes('integer');
}

function bodiesFor(op: Operation): { label: string; text: string }[] {
  const out = [
    { label: 'malformed JSON', text: '{"a": [1, 2' },
    { label: 'JSON array', text: '[1,2,3]' },
    { label: 'JSON string', text: '"just a string"' },
    { label: 'JSON number', text: '42' },
    { label: 'JSON null', text: 'null' },
    { label: 'deeply nested', text: '['.repeat(2000) + ']'.repeat(2000) },
    { label: 'prototype pollution', text: '{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"x": 1}}}' },
  ];
  const props = op.bodySchema?.properties ?? {};
  const names = Object.keys(props);
  // Every field wrong at once, and each field wrong on its own (the rest of the body sensible).
  for (const [i, v] of [12345, ['arr'], { o: 1 }, true, null].entries()) {
    out.push({
      label: `all fields ${JSON.stringify(v)}`,
      text: JSON.stringify(Object.fromEntries(names.map((n) => [n, v]))),
    });
    if (i === 0 && names.length === 0)
      out.push({ label: 'unexpected fields', text: JSON.stringify({ username: 1, password: [], x: {} }) });
  }
  for (const n of names) {
    for (const v of wrongValues(props[n]).slice(0, 3))
      out.push({ label: `${n}=${JSON.stringify(v).slice(0, 20)}`, text: JSON.stringify({ [n]: v }) });
    // The right type out of every database column's range.
    if (isInteger(props[n]))
      for (const v of [99999999999, -99999999999]) out.push({ label: `${n}=${v}`, text: JSON.stringify({ [n]: v }) });
  }
  return out;
}

function opsFrom(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      const bodySchema = op.requestBody?.content?.['application/json']?.schema;
      ops.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], bodySchema });
    }
  }
  return ops;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** node:http rather than fetch, which refuses a GET with a body and normalizes some headers. */
function send(base: string, p: Probe): Promise<{ status: number; headers: Headers; text: string }> {
  return new Promise((resolve, reject) => {
    // An explicit length: Node sends GET/DELETE bodies unframed otherwise.
    const headers =
      p.body === undefined ? p.headers : { ...p.headers, 'content-length': String(Buffer.byteLength(p.body)) };
    const req = http.request(base + p.url, { method: p.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(p.body);
  });
}

function fill(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, value);
}

describe('every route survives junk', () => {
  const s = useTestServer();
  let ops: Operation[];
  const auth: Record<string, Record<string, string>> = {};

  before(async () => {
    const doc = await s.request('GET', '/api/docs/openapi.json');
    assert.equal(doc.status, 200);
    ops = opsFrom(doc.json);
    const storefront = await s.appToken(STOREFRONT);
    const admin = await s.appToken(ADMIN);
    const { sign } = s.services.jwt;
    const kid = s.services.keys.signer().kid;
    const past = new Date(Date.now() - 60_000);
    const expiredApp = await sign({ typ: 'app', sub: STOREFRONT.clientId, tenant: 1, behaviors: [] }, past);
    // A well-formed shopper JWT for a session that never existed.
    const ghostShopper = await sign(
      {
        typ: 'shopper',
        sub: 'ghost',
        sid: 'no-such-session',
        tenant: 1,
        site: 1,
        customerSet: 'default',
        accountId: 424242,
        anonymous: false,
        app: STOREFRONT.clientId,
      },
      new Date(Date.now() + 600_000),
    );
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({
      typ: 'app',
      sub: ADMIN.clientId,
      tenant: 1,
      behaviors: ['customer:manage-accounts'],
    })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer('storefront-auth')
      .setExpirationTime('1h')
      .sign(privateKey);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const algNone = `${b64({ alg: 'none', kid })}.${b64({ typ: 'app', sub: ADMIN.clientId, tenant: 1, behaviors: [] })}.x`;
    Object.assign(auth, {
      none: {},
      storefront: { authorization: `Bearer ${storefront}` },
      admin: { authorization: `Bearer ${admin}` },
      appClaims: { 'x-vol-app-claims': storefront, 'x-vol-user-claims': 'garbage-user-claims' },
      ghostShopper: { authorization: `Bearer ${ghostShopper}` },
      ghostUserClaims: { authorization: `Bearer ${storefront}`, 'x-vol-user-claims': ghostShopper },
      'Bearer x.y.z': { authorization: 'Bearer x.y.z' },
      'Basic abc': { authorization: 'Basic abc' },
      'Bearer (empty)': { authorization: 'Bearer ' },
      expired: { authorization: `Bearer ${expiredApp}` },
      forged: { authorization: `Bearer ${forged}` },
      'alg none': { authorization: `Bearer ${algNone}` },
      'junk app claims': { 'x-vol-app-claims': 'a.b.c' },
    });
  });
  after(async () => {
    agent.destroy();
  });

  it('the OpenAPI document lists the routes to fuzz', () => {
    const names = ops.map((o) => `${o.method} ${o.path}`);
    assert.ok(names.includes('POST /api/platform/applications/authtickets/oauth'), names.join('\n'));
    assert.ok(names.includes('GET /api/platform/tenants/{tenantId}'));
    assert.ok(ops.length >= 8);
  });

  it('answers < 500, JSON, Kibo-shaped errors for every route × junk', async () => {
    const probes: Probe[] = [];
    const tenancy = { 'x-vol-tenant': '1', 'x-vol-site': '1' };
    for (const op of ops) {
      const hasBody = op.method !== 'GET';
      const queryNames = op.params.filter((p) => p.in === 'query').map((p) => p.name);
      const junkQuery = queryNames
        .map((n) => `${encodeURIComponent(n)}=${encodeURIComponent('~!@#$%^&*()')}&${encodeURIComponent(n)}=2`)
        .join('&');
      const urls = JUNK_PARAMS.map((p) => fill(op.path, p));
      const base = urls[0];
      const add = (label: string, url: string, headers: Record<string, string>, body?: string) => {
        probes.push({ label: `${op.method} ${op.path} [${label}]`, method: op.method, url, headers, body });
      };
      // Junk path parameters and query values, with a valid app and with none.
      for (const url of urls) {
        add(`path ${url.slice(0, 60)}`, url, { ...tenancy, ...auth.storefront });
        add(`path ${url.slice(0, 60)} admin`, url, { ...tenancy, ...auth.admin });
      }
      if (junkQuery) {
        add('junk query', `${base}?${junkQuery}`, { ...tenancy, ...auth.admin });
        add(
          'out-of-range query',
          `${base}?${queryNames.map((n) => `${encodeURIComponent(n)}=99999999999`).join('&')}`,
          { ...tenancy, ...auth.admin },
        );
        add('empty query', `${base}?${queryNames.map((n) => `${n}=`).join('&')}`, { ...tenancy, ...auth.storefront });
      }
      add('junk responseFields', `${base}?responseFields=${encodeURIComponent('a((,)b,,(')}`, {
        ...tenancy,
        ...auth.storefront,
      });
      // Tenancy: bad, unknown, missing; and a Host header naming an unknown tenant.
      for (const [label, h] of Object.entries<Record<string, string>>({
        'tenant abc': { 'x-vol-tenant': 'abc', 'x-vol-site': '1' },
        'tenant 999999': { 'x-vol-tenant': '999999', 'x-vol-site': '1' },
        'site abc': { 'x-vol-tenant': '1', 'x-vol-site': 'abc' },
        'site 999999': { 'x-vol-tenant': '1', 'x-vol-site': '999999' },
        'tenant 2 with tenant-1 app': { 'x-vol-tenant': '2', 'x-vol-site': '21' },
        'no tenancy': {},
        'huge tenant': { 'x-vol-tenant': '9'.repeat(400), 'x-vol-site': '-0' },
        'host t77-s88': { host: 't77-s88.example.com' },
      })) {
        add(label, base, { ...h, ...auth.storefront });
        add(`${label}, no app`, base, h);
      }
      // Garbage credentials.
      for (const [label, h] of Object.entries(auth)) add(`auth ${label}`, base, { ...tenancy, ...h });
      if (hasBody) {
        for (const who of ['none', 'storefront', 'admin', 'ghostShopper']) {
          const h = { ...tenancy, ...auth[who], 'content-type': 'application/json' };
          // Without a usable app every well-formed body stops at 401, so those callers get only
          // the bodies that fail before authentication (parsing, size, content type).
          const full = who === 'storefront' || who === 'admin';
          for (const b of full ? bodiesFor(op) : bodiesFor(op).slice(0, 1))
            add(`${who} body ${b.label}`, base, h, b.text);
          add(`${who} empty body`, base, h, '');
          add(`${who} huge body`, base, h, HUGE);
          add(
            `${who} form body`,
            base,
            { ...h, 'content-type': 'application/x-www-form-urlencoded' },
            'a=1&a=2&client_id[]=x',
          );
          add(`${who} xml body`, base, { ...h, 'content-type': 'application/xml' }, '<a/>');
          add(`${who} no content type`, base, { ...tenancy, ...auth[who] }, 'raw');
        }
      } else {
        add(
          'GET with a JSON body',
          base,
          { ...tenancy, ...auth.storefront, 'content-type': 'application/json' },
          '{"x":',
        );
      }
    }

    const failures: string[] = [];
    let i = 0;
    async function worker() {
      while (i < probes.length) {
        const p = probes[i++];
        try {
          const res = await send(s.url, p);
          const text = res.text;
          const type = res.headers.get('content-type') ?? '';
          const problems: string[] = [];
          if (res.status >= 500) problems.push(`status ${res.status}`);
          if (text !== '' && !/^application\/json/.test(type)) problems.push(`content-type ${type}`);
          if (text === '' && res.status !== 204) problems.push('empty body');
          if (!res.headers.get('x-vol-correlation')) problems.push('no x-vol-correlation');
          if (res.status >= 400) {
            try {
              assertKiboShape(JSON.parse(text), text);
            } catch (err) {
              problems.push(`not Kibo-shaped: ${(err as Error).message.split('\n')[0]}`);
            }
          }
          if (problems.length) failures.push(`${p.label}: ${problems.join('; ')} — ${text.slice(0, 200)}`);
        } catch (err) {
          failures.push(`${p.label}: request failed: ${(err as Error).message}`);
        }
      }
    }
    await Promise.all(Array.from({ length: 16 }, worker));
    console.log(`# fuzz: ${probes.length} probes over ${ops.length} operations`);
    assert.ok(probes.length > 300, `only ${probes.length} probes`);
    assert.deepEqual(failures, [], `${failures.length} of ${probes.length} probes failed`);
  });

  it('answers NUL bytes, prototype keys and over-long parameters on every route with Kibo 4xx errors', async () => {
    const tenancy = { 'x-vol-tenant': '1', 'x-vol-site': '1' };
    const headers = { ...tenancy, ...auth.admin };
    // Each probe: what it sends, and the status it must get (undefined: any 4xx, or a success).
    const probes: (Probe & { expect?: number; field?: string })[] = [];
    for (const op of ops) {
      const base = fill(op.path, '1');
      const pathNames = op.params.filter((p) => p.in === 'path').map((p) => p.name);
      const queryNames = op.params.filter((p) => p.in === 'query').map((p) => p.name);
      const add = (label: string, url: string, extra: { body?: string; expect?: number; field?: string } = {}) =>
        probes.push({
          label: `${op.method} ${op.path} [${label}]`,
          method: op.method,
          url,
          headers: extra.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
          ...extra,
        });
      if (pathNames.length) {
        // Account and contact ids are matched by the router as digits: a NUL there names no route of
        // this operation, and the unknown-path route refuses the NUL in the path (`params.*`).
        const first = op.params.find((p) => p.in === 'path');
        const digitsOnly =
          op.path.startsWith('/api/commerce/customer/accounts/{') &&
          (first as { schema?: { type?: string } } | undefined)?.schema?.type === 'integer';
        add('NUL path parameter', fill(op.path, 'a%00b'), {
          expect: 400,
          field: digitsOnly ? 'params.*' : `params.${pathNames[0]}`,
        });
        add('path parameter of 501 characters', fill(op.path, 'p'.repeat(501)), { expect: 414, field: 'params' });
        add('path parameter of 5000 characters', fill(op.path, 'p'.repeat(5000)), { expect: 414, field: 'params' });
        for (const key of PROTO_KEYS) add(`path parameter ${key}`, fill(op.path, key));
      }
      for (const n of queryNames) {
        add(`NUL in ${n}`, `${base}?${n}=a%00b`, { expect: 400, field: `querystring.${n}` });
        for (const key of PROTO_KEYS) add(`${n}=${key}`, `${base}?${n}=${key}`);
      }
      for (const key of PROTO_KEYS) add(`query name ${key}`, `${base}?${key}=1&${key}[x]=2`);
      if (op.method === 'GET') continue;
      const props = Object.keys(op.bodySchema?.properties ?? {});
      for (const n of props)
        add(`NUL in body ${n}`, base, { body: JSON.stringify({ [n]: 'a\u0000b' }), expect: 400, field: `body.${n}` });
      add('NUL in a nested value', base, {
        body: JSON.stringify({ [props[0] ?? 'x']: { deep: ['ok', '\u0000'] } }),
        expect: 400,
      });
      for (const key of PROTO_KEYS) {
        add(`body key ${key}`, base, { body: `{"${key}": {"polluted": true}}` });
        if (props[0]) add(`body ${props[0]}=${key}`, base, { body: JSON.stringify({ [props[0]]: key }) });
      }
    }

    const failures: string[] = [];
    let i = 0;
    async function worker() {
      while (i < probes.length) {
        const p = probes[i++];
        try {
          const res = await send(s.url, p);
          const problems: string[] = [];
          if (res.status >= 500) problems.push(`status ${res.status}`);
          if (p.expect !== undefined && res.status !== p.expect) problems.push(`status ${res.status}, not ${p.expect}`);
          if (!res.headers.get('x-vol-correlation')) problems.push('no x-vol-correlation');
          if (res.text !== '' && !/^application\/json/.test(res.headers.get('content-type') ?? ''))
            problems.push(`content-type ${res.headers.get('content-type')}`);
          if (res.text.includes('ppppp')) problems.push('echoes the URL');
          if (res.status >= 400) {
            try {
              const json = JSON.parse(res.text);
              assertKiboShape(json, res.text);
              if (p.expect === 400 && json.errorCode !== 'MISSING_OR_INVALID_PARAMETER')
                problems.push(`errorCode ${json.errorCode}`);
              const field = json.additionalErrorData.find((d: { name: string }) => d.name === 'field')?.value;
              if (p.field && field !== p.field) problems.push(`field ${field}, not ${p.field}`);
            } catch (err) {
              problems.push(`not Kibo-shaped: ${(err as Error).message.split('\n')[0]}`);
            }
          }
          if (problems.length) failures.push(`${p.label}: ${problems.join('; ')} — ${res.text.slice(0, 200)}`);
        } catch (err) {
          failures.push(`${p.label}: request failed: ${(err as Error).message}`);
        }
      }
    }
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.ok(probes.length > 100, `only ${probes.length} probes`);
    assert.deepEqual(failures, [], `${failures.length} of ${probes.length} probes failed`);
  });

  it('still works normally afterwards', async () => {
    const r = await s.request('GET', '/api/platform/tenants/1', {
      headers: { authorization: `Bearer ${await s.appToken()}` },
    });
    assert.equal(r.status, 200);
    const ready = await s.request('GET', '/readyz');
    assert.equal(ready.status, 200);
  });
});
