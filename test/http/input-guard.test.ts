import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer, useTestServer } from '../helpers/server.ts';
import { assertKibo } from '../helpers/kibo.ts';
import { signup } from '../helpers/signup.ts';

const NUL = '\u0000';
const ACCOUNTS = '/api/commerce/customer/accounts';
const TICKETS = '/api/commerce/customer/authtickets';

/** Writes raw bytes to the server and collects everything it answers until it closes the socket. */
function rawExchange(url: string, write: (sock: net.Socket) => void): Promise<{ text: string; closedAfterMs: number }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const sock = net.connect(Number(port), '127.0.0.1');
    let text = '';
    sock.on('data', (d) => (text += d.toString('utf8')));
    sock.on('error', reject);
    sock.on('close', () => resolve({ text, closedAfterMs: Date.now() - t0 }));
    sock.on('connect', () => write(sock));
  });
}

describe('input the database cannot hold, and prototype keys', () => {
  const s = useTestServer({ env: { REQUEST_TIMEOUT_MS: '3000' } });
  let app: Record<string, string>;
  let admin: Record<string, string>;
  let account: Awaited<ReturnType<typeof signup>>;
  before(async () => {
    app = { authorization: `Bearer ${s.storefrontToken}` };
    admin = { authorization: `Bearer ${s.adminToken}` };
    account = await signup(s, await s.appToken(), 'guard');
  });

  const nulCases: {
    label: string;
    method: string;
    path: string;
    who: 'app' | 'admin';
    body?: unknown;
    field: string;
  }[] = [
    {
      label: 'login user name',
      method: 'POST',
      path: TICKETS,
      who: 'app',
      body: { username: `a${NUL}b`, password: 'x' },
      field: 'body.username',
    },
    {
      label: 'login password',
      method: 'POST',
      path: TICKETS,
      who: 'app',
      body: { username: 'someone', password: `pa${NUL}ss` },
      field: 'body.password',
    },
    {
      label: 'sign-up email',
      method: 'POST',
      path: `${ACCOUNTS}/Add-Account-And-Login`,
      who: 'app',
      body: { account: { emailAddress: `x${NUL}@example.com` }, password: 'Passw0rd-long' },
      field: 'body.account.emailAddress',
    },
    {
      label: 'add-account first name',
      method: 'POST',
      path: ACCOUNTS,
      who: 'admin',
      body: { emailAddress: 'nul.first@example.com', firstName: `Ann${NUL}` },
      field: 'body.firstName',
    },
    {
      label: 'update-account last name',
      method: 'PUT',
      path: `${ACCOUNTS}/1`,
      who: 'admin',
      body: { id: 1, emailAddress: 'nul.last@example.com', lastName: `${NUL}` },
      field: 'body.lastName',
    },
    {
      label: 'Reset-Password email',
      method: 'POST',
      path: `${ACCOUNTS}/Reset-Password`,
      who: 'app',
      body: { emailAddress: `who${NUL}@example.com` },
      field: 'body.emailAddress',
    },
    {
      label: 'Update-Forgotten-Password code',
      method: 'POST',
      path: `${ACCOUNTS}/Update-Forgotten-Password`,
      who: 'app',
      body: { userName: 'who', confirmationCode: `c${NUL}`, newPassword: 'Passw0rd-long' },
      field: 'body.confirmationCode',
    },
    {
      label: 'otp/request email',
      method: 'POST',
      path: `${TICKETS}/otp/request`,
      who: 'app',
      body: { email: `o${NUL}@example.com` },
      field: 'body.email',
    },
    {
      label: 'an attribute value deep in the body',
      method: 'POST',
      path: ACCOUNTS,
      who: 'admin',
      body: {
        emailAddress: 'nul.attr@example.com',
        attributes: [{ fullyQualifiedName: 'a', values: ['ok', `b${NUL}`] }],
      },
      field: 'body.attributes.0.values.1',
    },
    {
      label: 'account search q',
      method: 'GET',
      path: `${ACCOUNTS}?q=${encodeURIComponent(`a${NUL}`)}`,
      who: 'admin',
      field: 'querystring.q',
    },
    {
      label: 'account filter',
      method: 'GET',
      path: `${ACCOUNTS}?filter=${encodeURIComponent(`emailAddress eq 'a${NUL}'`)}`,
      who: 'admin',
      field: 'querystring.filter',
    },
    {
      label: 'login state by email',
      method: 'POST',
      path: `${ACCOUNTS}/loginstatebyemailaddress?emailAddress=${encodeURIComponent(`a${NUL}@example.com`)}`,
      who: 'admin',
      field: 'querystring.emailAddress',
    },
    {
      label: 'refresh token in the query',
      method: 'PUT',
      path: `${TICKETS}/refresh?refreshToken=${encodeURIComponent(`r${NUL}`)}`,
      who: 'app',
      field: 'querystring.refreshToken',
    },
    {
      label: 'refresh token in the path',
      method: 'DELETE',
      path: `/api/platform/applications/authtickets/${encodeURIComponent(`r${NUL}t`)}`,
      who: 'app',
      field: 'params.refreshToken',
    },
  ];

  for (const c of nulCases) {
    it(`answers 400 naming the field for a NUL character in the ${c.label}`, async () => {
      const r = await s.request(c.method, c.path, { headers: c.who === 'app' ? app : admin, body: c.body });
      const json = assertKibo(r, 400, 'MISSING_OR_INVALID_PARAMETER');
      assert.deepEqual(json.additionalErrorData, [{ name: 'field', value: c.field }], r.text);
    });
  }

  it('answers 400 for a NUL character in a key of the body, without echoing the key', async () => {
    const r = await s.request('POST', TICKETS, {
      headers: { ...app, 'content-type': 'application/json' },
      raw: JSON.stringify({ username: 'x', password: 'y', [`k${NUL}ey`]: 1 }),
    });
    const json = assertKibo(r, 400, 'MISSING_OR_INVALID_PARAMETER');
    assert.deepEqual(json.additionalErrorData, [{ name: 'field', value: 'body' }]);
    assert.ok(!r.text.includes('k\\u0000ey'), r.text);
  });

  it('still accepts the same requests without the NUL character', async () => {
    const r = await s.request('GET', `${ACCOUNTS}?q=a&filter=${encodeURIComponent("emailAddress eq 'a'")}`, {
      headers: admin,
    });
    assert.equal(r.status, 200, r.text);
  });

  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__defineGetter__']) {
    it(`answers sortBy=${key} with 400 naming sortBy`, async () => {
      for (const sortBy of [key, `${key} desc`]) {
        const r = await s.request('GET', `${ACCOUNTS}?sortBy=${encodeURIComponent(sortBy)}`, { headers: admin });
        const json = assertKibo(r, 400, 'MISSING_OR_INVALID_PARAMETER');
        assert.deepEqual(json.additionalErrorData, [{ name: 'field', value: 'sortBy' }], r.text);
      }
    });

    it(`answers filter=${key} eq x with 400 naming filter`, async () => {
      const r = await s.request('GET', `${ACCOUNTS}?filter=${encodeURIComponent(`${key} eq x`)}`, { headers: admin });
      const json = assertKibo(r, 400, 'MISSING_OR_INVALID_PARAMETER');
      assert.deepEqual(json.additionalErrorData, [{ name: 'field', value: 'filter' }], r.text);
    });
  }

  it('still sorts and filters by real fields', async () => {
    const r = await s.request(
      'GET',
      `${ACCOUNTS}?sortBy=${encodeURIComponent('emailAddress desc')}&filter=${encodeURIComponent(`emailAddress eq '${account.email}'`)}`,
      { headers: admin },
    );
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      r.json.items.map((a: { id: number }) => a.id),
      [account.accountId],
    );
  });

  it('treats __proto__ and constructor in responseFields as unknown names', async () => {
    const r = await s.request('GET', `${ACCOUNTS}/${account.accountId}?responseFields=id,__proto__(x),constructor`, {
      headers: admin,
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { id: account.accountId });
  });

  describe('answers made outside the route handlers', () => {
    const long = 'T'.repeat(501) + 'secret-tail';
    for (const [label, method, path] of [
      ['the app refresh-token DELETE route', 'DELETE', `/api/platform/applications/authtickets/${long}`],
      ['an account id', 'GET', `${ACCOUNTS}/${long}`],
      ['the tenant route', 'GET', `/api/platform/tenants/${long}`],
    ] as const) {
      it(`answers a path parameter over 500 characters on ${label} in Kibo's shape, echoing nothing`, async () => {
        const r = await s.request(method, path, { headers: { ...app, 'x-vol-correlation': 'corr-long-param' } });
        assert.equal(r.status, 414, r.text);
        const json = assertKibo({ ...r, status: 400 }, 400, 'MISSING_OR_INVALID_PARAMETER');
        assert.deepEqual(json.additionalErrorData, [{ name: 'field', value: 'params' }]);
        assert.equal(r.headers.get('x-vol-correlation'), 'corr-long-param');
        assert.ok(!r.text.includes('secret-tail') && !r.text.includes('TTTT'), r.text);
      });
    }

    it("answers a malformed URL in Kibo's shape with the correlation id", async () => {
      const r = await s.request('GET', `${ACCOUNTS}/%E0%A4%A`, { headers: app });
      assertKibo(r, 400, 'MISSING_OR_INVALID_PARAMETER');
      assert.ok(!r.text.includes('%E0'), r.text);
    });

    it('documents the Kibo error answers on every operation of the OpenAPI document', async () => {
      const doc = (await s.request('GET', '/api/docs/openapi.json')).json;
      const missing: string[] = [];
      for (const [path, item] of Object.entries<any>(doc.paths))
        for (const [method, op] of Object.entries<any>(item)) {
          for (const range of ['4XX', '5XX']) {
            const ref = op.responses?.[range]?.content?.['application/json']?.schema?.$ref;
            const schema = ref && doc.components.schemas[ref.split('/').pop()];
            if (schema?.title !== 'KiboError') missing.push(`${method} ${path} ${range}`);
          }
        }
      assert.deepEqual(missing, []);
    });

    it('answers 408 and closes the socket when a body arrives too slowly', async () => {
      let timer: NodeJS.Timeout | undefined;
      const { text, closedAfterMs } = await rawExchange(s.url, (sock) => {
        sock.write(
          `POST ${TICKETS} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-vol-tenant: 1\r\nx-vol-site: 1\r\n` +
            'content-type: application/json\r\ncontent-length: 1000\r\n\r\n{',
        );
        // one byte every 100 ms: the connection never goes idle, the body never completes
        timer = setInterval(() => {
          if (!sock.destroyed) sock.write(' ');
        }, 100);
      });
      clearInterval(timer);
      assert.match(text, /^HTTP\/1\.1 408 /, text);
      assert.match(text, /\r\nx-vol-correlation: \S+\r\n/i, text);
      const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
      assert.equal(body.errorCode, 'MISSING_OR_INVALID_PARAMETER');
      assert.equal(body.applicationName, 'Customer');
      assert.ok(closedAfterMs >= 2900 && closedAfterMs < 15_000, `closed after ${closedAfterMs} ms`);
    });

    it('keeps answering normally', async () => {
      const r = await s.request('GET', '/api/platform/tenants/1', { headers: app });
      assert.equal(r.status, 200, r.text);
    });
  });
});

describe('answers while the server closes', () => {
  it("sheds a request that arrives on a busy connection during shutdown in Kibo's shape", async () => {
    const s = await startTestServer({ env: { REQUEST_TIMEOUT_MS: '5000' } });
    const app = { authorization: `Bearer ${await s.appToken()}` };
    const head = (len: number) =>
      `POST ${TICKETS} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-vol-tenant: 1\r\nx-vol-site: 1\r\n` +
      `authorization: ${app.authorization}\r\ncontent-type: application/json\r\ncontent-length: ${len}\r\n\r\n`;
    const body = JSON.stringify({ username: 'nobody@example.com', password: 'Wrong-passw0rd' });
    let closing: Promise<void> | undefined;
    const { text } = await rawExchange(s.url, (sock) => {
      // The first request is in flight (half its body sent) when the server starts closing; the
      // second arrives on the same connection after that.
      sock.write(head(body.length) + body.slice(0, 5));
      setTimeout(() => {
        closing = s.app.close();
        setTimeout(() => sock.write(body.slice(5) + head(body.length) + body), 100);
      }, 200);
    });
    await closing;
    await s.close();
    const answers = text.split(/(?=HTTP\/1\.1 )/);
    assert.equal(answers.length, 2, text);
    assert.match(answers[0], /^HTTP\/1\.1 401 /, answers[0]);
    assert.match(answers[1], /^HTTP\/1\.1 503 /, answers[1]);
    assert.match(answers[1], /\r\nx-vol-correlation: \S+\r\n/i);
    const shed = JSON.parse(answers[1].slice(answers[1].indexOf('\r\n\r\n') + 4));
    assert.equal(shed.errorCode, 'SERVICE_UNAVAILABLE');
    assert.equal(shed.applicationName, 'Customer');
  });
});
