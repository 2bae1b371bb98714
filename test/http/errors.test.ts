import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { KiboError } from '../../src/domain/errors.ts';
import { kiboClientErrorHandler, toKiboError } from '../../src/http/plugins/errors.ts';
import { buildApp } from '../../src/app.ts';
import { freshStore } from '../helpers/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { useTestServer } from '../helpers/server.ts';
import { assertKibo, assertKiboShape } from '../helpers/kibo.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('toKiboError', () => {
  it('passes KiboErrors through untouched', () => {
    const e = new KiboError('FORBIDDEN', 'nope', { behavior: 'x' });
    assert.equal(toKiboError(e), e);
  });

  it('maps PostgreSQL unique violations by constraint name to VALIDATION_CONFLICT', () => {
    const email = toKiboError(
      Object.assign(new Error('duplicate key value violates unique constraint "accounts_email_unique"'), {
        code: '23505',
        constraint: 'accounts_email_unique',
      }),
    );
    assert.equal(email?.code, 'VALIDATION_CONFLICT');
    assert.equal(email?.status, 409);
    assert.match(email!.message, /email/);
    const user = toKiboError(
      Object.assign(new Error('dup'), { code: '23505', constraint: 'accounts_user_name_unique' }),
    );
    assert.match(user!.message, /user name/);
    const other = toKiboError(
      Object.assign(new Error('duplicate key … "secret_internal_name"'), {
        code: '23505',
        constraint: 'secret_internal_name',
      }),
    );
    assert.equal(other?.code, 'VALIDATION_CONFLICT');
    assert.ok(!other!.message.includes('secret_internal_name'), 'unknown constraint names are not leaked');
  });

  it('maps a unique violation raised by the real database (PGlite or PostgreSQL)', async () => {
    const { store, drop } = await freshStore();
    try {
      await migrateToLatest(store.db);
      const insert = (userId: string) =>
        sql`insert into accounts (tenant_id, customer_set, user_id, email, email_norm, created_at, updated_at)
        values (1, 'default', ${userId}, 'Dup@Example.com', 'dup@example.com', now(), now())`.execute(store.db);
      await insert('u1');
      const err = await insert('u2').then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err, 'the second insert must fail');
      const k = toKiboError(err);
      assert.equal(k?.code, 'VALIDATION_CONFLICT');
      assert.match(k!.message, /email/);
    } finally {
      await store.close();
      await drop();
    }
  });

  it('turns validation failures into 400 naming the field', () => {
    const missing = toKiboError(
      Object.assign(new Error('body must have required property'), {
        validation: [
          {
            instancePath: '',
            keyword: 'required',
            params: { missingProperty: 'password' },
            message: "must have required property 'password'",
          },
        ],
        validationContext: 'body',
      }),
    );
    assert.equal(missing?.status, 400);
    assert.equal(missing?.code, 'MISSING_OR_INVALID_PARAMETER');
    assert.deepEqual(missing?.data, [{ name: 'field', value: 'body.password' }]);
    assert.match(missing!.message, /body\.password/);
    const nested = toKiboError(
      Object.assign(new Error('x'), {
        validation: [{ instancePath: '/account/emailAddress', keyword: 'type', params: {}, message: 'must be string' }],
        validationContext: 'body',
      }),
    );
    assert.deepEqual(nested?.data, [{ name: 'field', value: 'body.account.emailAddress' }]);
    assert.match(nested!.message, /must be string/);
  });

  it('maps Fastify framework codes', () => {
    const cases: [string, number, string][] = [
      ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'MISSING_OR_INVALID_PARAMETER'],
      ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'MISSING_OR_INVALID_PARAMETER'],
      ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'PAYLOAD_TOO_LARGE'],
      ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['FST_ERR_BAD_URL', 400, 'MISSING_OR_INVALID_PARAMETER'],
    ];
    for (const [fst, status, code] of cases) {
      const k = toKiboError(Object.assign(new Error(`internal text of ${fst}`), { code: fst, statusCode: status }));
      assert.equal(k?.status, status, fst);
      assert.equal(k?.code, code, fst);
      assert.ok(!k!.message.includes('internal text'), `${fst}: our own message, not Fastify's`);
    }
  });

  it('maps other 4xx by status and leaves 5xx and unknown errors to the handler (INTERNAL_ERROR)', () => {
    assert.equal(toKiboError(Object.assign(new Error('x'), { statusCode: 429 }))?.code, 'TOO_MANY_REQUESTS');
    assert.equal(toKiboError(Object.assign(new Error('x'), { statusCode: 404 }))?.code, 'ITEM_NOT_FOUND');
    assert.equal(toKiboError(Object.assign(new Error('x'), { statusCode: 418 }))?.code, 'MISSING_OR_INVALID_PARAMETER');
    assert.equal(toKiboError(new Error('connection refused at 10.0.0.5')), undefined);
    assert.equal(toKiboError(Object.assign(new Error('x'), { statusCode: 502 })), undefined);
    assert.equal(toKiboError('a string'), undefined);
    assert.equal(toKiboError(undefined), undefined);
    assert.equal(toKiboError(null), undefined);
  });
});

describe('errors on the wire', () => {
  const s = useTestServer();
  const OAUTH = '/api/platform/applications/authtickets/oauth';

  it('bad JSON → 400', async () => {
    const r = await s.request('POST', OAUTH, {
      raw: '{"client_id": ',
      headers: { 'content-type': 'application/json' },
    });
    assertKibo(r, 400, 'MISSING_OR_INVALID_PARAMETER');
    assert.ok(!r.text.includes('Unexpected end'), 'the parser’s message is not echoed');
  });

  it('empty JSON body → 400', async () => {
    assertKibo(
      await s.request('POST', OAUTH, { raw: '', headers: { 'content-type': 'application/json' } }),
      400,
      'MISSING_OR_INVALID_PARAMETER',
    );
  });

  it('wrong-typed field → 400 naming the field', async () => {
    const r = await s.request('POST', '/api/platform/applications/authtickets', {
      body: { applicationId: 5, sharedSecret: 'x' },
    });
    const body = assertKibo(r, 400, 'MISSING_OR_INVALID_PARAMETER');
    assert.deepEqual(body.additionalErrorData, [{ name: 'field', value: 'body.applicationId' }]);
  });

  it('missing field → 400 naming the field', async () => {
    const r = await s.request('POST', '/api/platform/applications/authtickets', {
      body: { applicationId: 'storefront' },
    });
    const body = assertKibo(r, 400, 'MISSING_OR_INVALID_PARAMETER');
    assert.deepEqual(body.additionalErrorData, [{ name: 'field', value: 'body.sharedSecret' }]);
  });

  it('body over 64 KiB → 413 PAYLOAD_TOO_LARGE', async () => {
    const r = await s.request('POST', OAUTH, {
      body: { client_id: 'x'.repeat(65 * 1024), client_secret: 'y', grant_type: 'client_credentials' },
    });
    assertKibo(r, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a body just under the limit is parsed (and then validated)', async () => {
    const r = await s.request('POST', OAUTH, {
      body: { client_id: 'x'.repeat(60 * 1024), client_secret: 'y', grant_type: 'client_credentials' },
    });
    assertKibo(r, 400, 'MISSING_OR_INVALID_PARAMETER');
  });

  it('unknown route → 404 ITEM_NOT_FOUND', async () => {
    assertKibo(await s.request('GET', '/api/no/such/route'), 404, 'ITEM_NOT_FOUND');
    assertKibo(await s.request('POST', '/nothing-here', { body: {} }), 404, 'ITEM_NOT_FOUND');
  });

  it('wrong method → 405 with Allow', async () => {
    const tenant = await s.request('DELETE', '/api/platform/tenants/1');
    assertKibo(tenant, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(tenant.headers.get('allow'), 'GET');
    // `.../authtickets/oauth` is also matched by `DELETE .../authtickets/:refreshToken`.
    const r = await s.request('GET', OAUTH);
    assertKibo(r, 405, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(r.headers.get('allow')?.split(/,\s*/).sort(), ['DELETE', 'POST']);
  });

  it('unsupported content type → 415', async () => {
    const r = await s.request('POST', OAUTH, {
      raw: '<client_id>x</client_id>',
      headers: { 'content-type': 'application/xml' },
    });
    assertKibo(r, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('echoes a sane x-vol-correlation and generates one otherwise', async () => {
    const echoed = await s.request('GET', '/api/no/such/route', { headers: { 'x-vol-correlation': 'req-42.abc:1' } });
    assert.equal(echoed.headers.get('x-vol-correlation'), 'req-42.abc:1');
    const made = await s.request('GET', '/api/no/such/route');
    assert.match(made.headers.get('x-vol-correlation') ?? '', UUID);
    const other = await s.request('GET', '/api/no/such/route');
    assert.notEqual(other.headers.get('x-vol-correlation'), made.headers.get('x-vol-correlation'));
    // A value that could smuggle text into logs or headers is replaced, not echoed.
    const unsafe = await s.request('GET', '/healthz', { headers: { 'x-vol-correlation': 'a b <script>' } });
    assert.match(unsafe.headers.get('x-vol-correlation') ?? '', UUID);
    const big = await s.request('POST', OAUTH, {
      raw: 'x'.repeat(70 * 1024),
      headers: { 'content-type': 'application/json', 'x-vol-correlation': 'big-1' },
    });
    assert.equal(big.status, 413);
    assert.equal(big.headers.get('x-vol-correlation'), 'big-1');
  });
});

describe('errors thrown by handlers', () => {
  let app: FastifyInstance;
  const logs: string[] = [];
  // The second app below runs over the fixture's services, so it closes before they do.
  const s = useTestServer({ seed: false, beforeClose: () => app?.close() });
  before(async () => {
    // A second app over the same services, with routes that fail in known ways (the test
    // server's own app is already listening and takes no new routes).
    app = await buildApp({
      services: s.services,
      logStream: new Writable({
        write(c, _e, cb) {
          logs.push(String(c));
          cb();
        },
      }),
    });
    app.get('/test/boom', async () => {
      throw new Error('db password is hunter2 at /srv/secret.ts:12');
    });
    app.get('/test/limited', async () => {
      throw new KiboError('TOO_MANY_REQUESTS', 'slow down', {}, 30);
    });
    app.get('/test/conflict', async () => {
      throw Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'accounts_user_name_unique' });
    });
    app.get('/test/kibo', async () => {
      throw new KiboError('ACCOUNT_LOCKED', 'locked', { remainingMinutes: 12 });
    });
    await app.ready();
  });
  const inject = async (url: string) => {
    const r = await app.inject({ method: 'GET', url });
    return {
      status: r.statusCode,
      headers: new Headers(r.headers as Record<string, string>),
      json: r.json(),
      text: r.body,
    };
  };

  it('an unexpected error → 500 INTERNAL_ERROR, detail logged but not leaked', async () => {
    const r = await inject('/test/boom');
    const body = assertKibo(r, 500, 'INTERNAL_ERROR');
    assert.ok(!r.text.includes('hunter2') && !r.text.includes('secret.ts') && !r.text.includes('stack'));
    assert.deepEqual(body.additionalErrorData, []);
    assert.ok(
      logs.some((l) => l.includes('"level":50') && l.includes('hunter2')),
      'the detail goes to the log for operators',
    );
  });

  it('TOO_MANY_REQUESTS carries Retry-After', async () => {
    const r = await inject('/test/limited');
    assertKibo(r, 429, 'TOO_MANY_REQUESTS');
    assert.equal(r.headers.get('retry-after'), '30');
  });

  it('a unique violation from a handler → 409 VALIDATION_CONFLICT', async () => {
    const body = assertKibo(await inject('/test/conflict'), 409, 'VALIDATION_CONFLICT');
    assert.match(body.message, /user name/);
  });

  it('a KiboError keeps its status, message and data', async () => {
    const body = assertKibo(await inject('/test/kibo'), 423, 'ACCOUNT_LOCKED');
    assert.equal(body.message, 'locked');
    assert.deepEqual(body.additionalErrorData, [{ name: 'remainingMinutes', value: '12' }]);
  });
});

describe('kiboClientErrorHandler (requests Node cannot parse)', () => {
  function fakeSocket() {
    const written: string[] = [];
    const socket = {
      destroyed: false,
      writable: true,
      write: (s: string) => {
        written.push(s);
        return true;
      },
      destroy: () => {
        socket.destroyed = true;
      },
    };
    return { socket, written };
  }
  const parse = (raw: string) => {
    const [head, body] = raw.split('\r\n\r\n');
    return { statusLine: head.split('\r\n')[0], head, json: JSON.parse(body), body };
  };

  it('answers malformed HTTP with a Kibo-shaped 400 and closes the connection', () => {
    const { socket, written } = fakeSocket();
    kiboClientErrorHandler(Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_METHOD' }), socket as never);
    const r = parse(written.join(''));
    assert.equal(r.statusLine, 'HTTP/1.1 400 Bad Request');
    assert.match(r.head, /Content-Type: application\/json/i);
    assert.match(r.head, new RegExp(`Content-Length: ${Buffer.byteLength(r.body)}\\r`));
    assert.match(r.head, /x-vol-correlation: [0-9a-f-]{36}/);
    assertKiboShape(r.json);
    assert.equal(r.json.errorCode, 'MISSING_OR_INVALID_PARAMETER');
    assert.ok(socket.destroyed);
  });

  it('uses 431 for oversized headers and 408 for timeouts', () => {
    for (const [code, status] of [
      ['HPE_HEADER_OVERFLOW', '431'],
      ['ERR_HTTP_REQUEST_TIMEOUT', '408'],
    ]) {
      const { socket, written } = fakeSocket();
      kiboClientErrorHandler(Object.assign(new Error('x'), { code }), socket as never);
      assert.match(parse(written.join('')).statusLine, new RegExp(`^HTTP/1.1 ${status} `));
    }
  });

  it('writes nothing to a reset or destroyed connection', () => {
    const reset = fakeSocket();
    kiboClientErrorHandler(Object.assign(new Error('x'), { code: 'ECONNRESET' }), reset.socket as never);
    assert.deepEqual(reset.written, []);
    const gone = fakeSocket();
    gone.socket.destroyed = true;
    kiboClientErrorHandler(Object.assign(new Error('x'), { code: 'HPE_INVALID_METHOD' }), gone.socket as never);
    assert.deepEqual(gone.written, []);
  });
});
