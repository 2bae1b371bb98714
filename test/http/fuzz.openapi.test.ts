import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ADMIN, STOREFRONT, useTestServer } from '../helpers/server.ts';
import { signup } from '../helpers/signup.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Property-based fuzzing over our own OpenAPI document: fast-check draws requests for every
 * documented operation — valid and invalid bodies, queries, path parameters and headers, with
 * and without credentials — and every answer must be < 500, JSON, within 5 s, of a status the
 * operation documents (exactly: the document names each error status), with a body that validates against the
 * documented schema of that status. Seeded: FUZZ_SEED reproduces a run (the seed is printed);
 * FUZZ_RUNS sets the count (default 3000); FUZZ_BUDGET_MS (60 s) ends the run early on a slow machine.
 */

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
/** The drawing stops early past this (a slow, shared machine), so the file stays inside the runner's timeout. */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 60_000);
const HANG_MS = 5000;
const CONCURRENCY = 4;

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  params: { name: string; in: string; schema?: Schema; required?: boolean }[];
  body?: Schema;
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  /** JSON pointer of the operation in the document, for ajv references. */
  pointer: string;
}
interface FuzzRequest {
  op: number;
  url: string;
  headers: Record<string, string>;
  body?: string;
  trimmed: boolean;
}

/** encodeURIComponent that first replaces lone surrogates (which it cannot encode) with U+FFFD. */
const encode = (s: string) =>
  encodeURIComponent(s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));

const pointerPart = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

function operationsOf(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {}))
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      ops.push({
        method: method.toUpperCase(),
        path,
        params: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema,
        responses: op.responses ?? {},
        pointer: `#/paths/${pointerPart(path)}/${method}`,
      });
    }
  return ops;
}

/** Strings that have broken servers: NUL, prototype keys, long, odd Unicode, injection. */
const nastyString = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}\u0000${b}`),
  },
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    "'; drop table accounts; --",
    '%00',
    '../../etc/passwd',
    '\uD800',
    '\uFFFF',
    '😀'.repeat(20),
    '0',
    '-1',
    '1e309',
    '99999999999999999999',
    'true',
    'null',
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer({ min: 101, max: 700 }).map((n) => 'x'.repeat(n)),
);

const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1e300),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom('__proto__', 'constructor')), fc.string(), {
    maxKeys: 2,
  }),
);

/** Values a schema accepts (mostly: formats and patterns are approximated), with a few known ones mixed in. */
function validOf(schema: Schema | undefined, doc: any, known: string[], depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return fc.constant(undefined);
  if (schema.$ref) return validOf(resolveRef(doc, schema.$ref), doc, known, depth);
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts) return fc.oneof(...alts.map((s: Schema) => validOf(s, doc, known, depth)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : ['string'];
  const one = (type: string): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 100_000, 2 ** 31 - 1) });
      case 'number':
        return fc.double({ min: -1e6, max: 1e6, noNaN: true });
      case 'array':
        return fc.array(validOf(schema.items, doc, known, depth + 1), { maxLength: 3 });
      case 'object': {
        const props = schema.properties ?? {};
        const required = new Set<string>(schema.required ?? []);
        return fc.record(
          Object.fromEntries(Object.entries<Schema>(props).map(([k, s]) => [k, validOf(s, doc, known, depth + 1)])),
          { requiredKeys: Object.keys(props).filter((k) => required.has(k) || depth === 0) },
        );
      }
      default: {
        if (schema.format === 'date-time')
          return fc
            .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
            .map((d) => d.toISOString());
        if (schema.format === 'email') return fc.emailAddress();
        const max = Math.min(schema.maxLength ?? 30, 30);
        const min = Math.min(schema.minLength ?? 0, max);
        return fc.oneof(
          { weight: 6, arbitrary: fc.string({ minLength: min, maxLength: max }) },
          { weight: 4, arbitrary: fc.constantFrom(...known) },
          { weight: 1, arbitrary: nastyString.filter((x) => x.length >= min && x.length <= (schema.maxLength ?? 700)) },
        );
      }
    }
  };
  const arb = fc.oneof(...types.map(one));
  return schema.nullable ? fc.option(arb, { nil: null, freq: 8 }) : arb;
}

function resolveRef(doc: any, ref: string): Schema {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((o: any, k) => o?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
}

/** The valid body with one field (at the top or one level down) replaced by junk or removed. */
function mutate(body: unknown, pick: number, junk: unknown, remove: boolean): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return junk;
  const keys = Object.keys(body);
  if (keys.length === 0) return { [String(junk).slice(0, 20)]: junk };
  const key = keys[pick % keys.length];
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  if (remove) delete copy[key];
  else copy[key] = junk;
  return copy;
}

function requestsFor(
  ops: Operation[],
  doc: any,
  known: string[],
  credentials: Record<string, Record<string, string>>,
): fc.Arbitrary<FuzzRequest> {
  const tenancy = fc.oneof(
    { weight: 8, arbitrary: fc.constant({ 'x-vol-tenant': '1', 'x-vol-site': '1' }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Record<string, string>>(
        {},
        { 'x-vol-tenant': '1', 'x-vol-site': '3' },
        { 'x-vol-tenant': '2', 'x-vol-site': '21' },
        { 'x-vol-tenant': '999', 'x-vol-site': '1' },
        { 'x-vol-tenant': 'abc', 'x-vol-site': '-1' },
        { host: 't1-s2.example.com' },
      ),
    },
  );
  const creds = fc.constantFrom(...Object.keys(credentials));
  return fc.integer({ min: 0, max: ops.length - 1 }).chain((i) => {
    const op = ops[i];
    const pathParams = op.params.filter((p) => p.in === 'path');
    const queryParams = op.params.filter((p) => p.in === 'query');
    const paramValue = (s: Schema | undefined) =>
      fc.oneof({ weight: 4, arbitrary: validOf(s, doc, known).map(String) }, { weight: 1, arbitrary: nastyString });
    // An empty, '.' or '..' segment addresses another route (the collection, after trailing-slash and
    // dot-segment normalisation), not this operation: path values are never those.
    const segment = (s: Schema | undefined) => paramValue(s).filter((v) => v !== '' && v !== '.' && v !== '..');
    const path = fc
      .tuple(...pathParams.map((p) => segment(p.schema)))
      .map((values) => pathParams.reduce((url, p, k) => url.replace(`{${p.name}}`, encode(values[k])), op.path));
    const query = fc
      .tuple(
        ...queryParams.map((p) =>
          fc.option(
            p.name === 'responseFields' ? fc.constantFrom('id', 'accessToken,userId', 'a((b') : paramValue(p.schema),
            {
              freq: 2,
            },
          ),
        ),
      )
      .map((values) => {
        const q = new URLSearchParams();
        queryParams.forEach((p, k) => {
          if (values[k] !== null) q.append(p.name, values[k] as string);
        });
        return q;
      });
    const validBody = validOf(op.body, doc, known);
    const body: fc.Arbitrary<{ text?: string; type?: string }> = op.body
      ? fc.oneof(
          { weight: 5, arbitrary: validBody.map((v) => ({ text: JSON.stringify(v), type: 'application/json' })) },
          {
            weight: 3,
            arbitrary: fc.tuple(validBody, fc.nat(), junkValue, fc.boolean()).map(([v, pick, junk, remove]) => ({
              text: JSON.stringify(mutate(v, pick, junk, remove)),
              type: 'application/json',
            })),
          },
          {
            weight: 1,
            arbitrary: junkValue.map((v) => ({ text: JSON.stringify(v) ?? 'null', type: 'application/json' })),
          },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              { text: '{"a": [1, 2', type: 'application/json' },
              { text: '', type: 'application/json' },
              { text: '{"__proto__": {"x": 1}}', type: 'application/json' },
              { text: '['.repeat(500) + ']'.repeat(500), type: 'application/json' },
              { text: 'a=1&b=2', type: 'application/x-www-form-urlencoded' },
              { text: '<a/>', type: 'application/xml' },
              { text: 'plain', type: undefined },
            ),
          },
        )
      : fc.constant({});
    return fc.tuple(path, query, body, creds, tenancy).map(([url, q, b, who, ten]) => {
      const qs = q.toString();
      const headers: Record<string, string> = { ...ten, ...credentials[who] };
      if (b.type) headers['content-type'] = b.type;
      return { op: i, url: qs ? `${url}?${qs}` : url, headers, body: b.text, trimmed: q.has('responseFields') };
    });
  });
}

describe(`fuzzing every documented operation (FUZZ_SEED=${SEED})`, () => {
  const s = useTestServer();
  let ops: Operation[];
  let doc: any;
  const validators = new Map<string, ValidateFunction>();
  const credentials: Record<string, Record<string, string>> = {};
  const known: string[] = ['default', 'other', 'client_credentials', STOREFRONT.clientId, STOREFRONT.clientSecret];

  before(async () => {
    console.log(`# fuzz seed: FUZZ_SEED=${SEED} (runs: ${RUNS})`);
    doc = (await s.request('GET', '/api/docs/openapi.json')).json;
    ops = operationsOf(doc);
    const storefront = await s.appToken(STOREFRONT);
    const admin = await s.appToken(ADMIN);
    const u = await signup(s, storefront, 'fuzz');
    const anon = await s.request('GET', '/api/commerce/customer/authtickets/anonymousshopper', {
      headers: { authorization: `Bearer ${storefront}` },
    });
    known.push(u.email, u.password, u.userName, String(u.accountId), u.ticket.refreshToken!, u.ticket.userId!);
    Object.assign(credentials, {
      none: {},
      storefront: { authorization: `Bearer ${storefront}` },
      admin: { authorization: `Bearer ${admin}` },
      shopperJwt: { authorization: `Bearer ${u.ticket.jwtAccessToken}` },
      userClaims: { 'x-vol-app-claims': storefront, 'x-vol-user-claims': u.ticket.accessToken! },
      anonymous: { authorization: `Bearer ${anon.json.jwtAccessToken}` },
      garbage: { authorization: 'Bearer a.b.c', 'x-vol-user-claims': 'x' },
      basic: { authorization: 'Basic Zm9vOmJhcg==' },
    });
  });

  let ajv: Ajv | undefined;
  /** The validator of the schema at `pointer` in the document (ajv over the whole document, so references resolve). */
  function validatorFor(pointer: string): ValidateFunction {
    let v = validators.get(pointer);
    if (!v) {
      ajv ??= addFormats(new Ajv({ strict: false, allErrors: false })).addSchema(doc, 'openapi');
      v = ajv.compile({ $ref: `openapi${pointer}` });
      validators.set(pointer, v);
    }
    return v;
  }

  it(`answers every drawn request within ${HANG_MS / 1000} s, < 500, as documented`, async () => {
    const requests = fc.sample(requestsFor(ops, doc, known, credentials), { numRuns: RUNS, seed: SEED });
    const failures: string[] = [];
    const seenOps = new Set<number>();
    let next = 0;
    const deadline = Date.now() + BUDGET_MS;
    async function worker() {
      while (next < requests.length && Date.now() < deadline) {
        const n = next++;
        const r = requests[n];
        const op = ops[r.op];
        seenOps.add(r.op);
        const label = `#${n} ${op.method} ${r.url.slice(0, 200)} ${JSON.stringify(r.headers).slice(0, 200)} body=${(r.body ?? '').slice(0, 200)}`;
        const problems: string[] = [];
        let status: number;
        let text: string;
        let type: string;
        try {
          const res = await fetch(s.url + r.url, {
            method: op.method,
            headers: r.headers,
            body: op.method === 'GET' ? undefined : r.body,
            signal: AbortSignal.timeout(HANG_MS),
          });
          status = res.status;
          type = res.headers.get('content-type') ?? '';
          text = await res.text();
          if (!res.headers.get('x-vol-correlation')) problems.push('no x-vol-correlation');
        } catch (err) {
          failures.push(`${label}\n    no answer: ${(err as Error).name} ${(err as Error).message}`);
          continue;
        }
        if (status >= 500) problems.push(`status ${status}`);
        let json: unknown;
        if (text !== '') {
          if (!/^application\/json/.test(type)) problems.push(`content-type ${type}`);
          try {
            json = JSON.parse(text);
          } catch {
            problems.push('body is not JSON');
          }
        }
        const key = op.responses[String(status)] ? String(status) : undefined;
        if (!key) problems.push(`status ${status} is not documented (${Object.keys(op.responses).join(', ')})`);
        else {
          const schema = op.responses[key].content?.['application/json']?.schema;
          // responseFields trims a successful answer on purpose, so only its untrimmed answers must fit the schema.
          const trimmedAway = r.trimmed && status < 300;
          if (schema && text !== '' && json !== undefined && !trimmedAway) {
            const v = validatorFor(`${op.pointer}/responses/${key}/content/application~1json/schema`);
            if (!v(json))
              problems.push(`body does not match the ${key} schema: ${JSON.stringify(v.errors?.slice(0, 2))}`);
          } else if (!schema && text !== '' && text !== 'null' && status < 300) {
            // A route declaring Type.Null() is documented without content and sends `null`.
            problems.push(`a ${status} body where the document declares none`);
          }
        }
        if (problems.length) failures.push(`${label}\n    ${problems.join('; ')} — ${status} ${text.slice(0, 300)}`);
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(`# fuzz: ${next} of ${requests.length} requests over ${seenOps.size} of ${ops.length} operations`);
    assert.ok(next >= Math.min(requests.length, 300), `only ${next} requests within ${BUDGET_MS} ms`);
    assert.ok(seenOps.size === ops.length, 'every operation was drawn');
    assert.deepEqual(
      failures.slice(0, 20),
      [],
      `${failures.length} of ${next} requests failed; reproduce with FUZZ_SEED=${SEED}`,
    );
  });

  it('the server still works normally afterwards', async () => {
    const r = await s.request('GET', '/readyz');
    assert.equal(r.status, 200, r.text);
  });
});
