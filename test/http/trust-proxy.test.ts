import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer, type TestServer, ADMIN } from '../helpers/server.ts';
import { signup } from '../helpers/signup.ts';
import { assertKiboShape } from '../helpers/kibo.ts';

/** The IP the audit log recorded for the newest failed login of an account. */
async function failedLoginIp(s: TestServer, forwardedFor: string): Promise<string> {
  const appToken = await s.appToken();
  const u = await signup(s, appToken, 'proxy');
  const r = await s.request('POST', '/api/commerce/customer/authtickets', {
    body: { username: u.email, password: 'wrong-password-1' },
    headers: { authorization: `Bearer ${appToken}`, 'x-forwarded-for': forwardedFor },
  });
  assert.equal(r.status, 401);
  const adminToken = await s.appToken(ADMIN);
  const log = await s.request(
    'GET',
    `/api/commerce/customer/accounts/${u.accountId}/AuditLog/Entries?filter=description%20eq%20login.failed`,
    {
      headers: { authorization: `Bearer ${adminToken}` },
    },
  );
  assert.equal(log.status, 200);
  return log.json.items[0].ipAddress;
}

describe('TRUST_PROXY decides who the client is', () => {
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('ignores X-Forwarded-For by default, so a client cannot choose its own IP', async () => {
    const s = await startTestServer();
    servers.push(s);
    assert.match(await failedLoginIp(s, '203.0.113.9'), /127\.0\.0\.1$/);
  });

  it('believes X-Forwarded-For from a trusted proxy (TRUST_PROXY=loopback)', async () => {
    const s = await startTestServer({ env: { TRUST_PROXY: 'loopback' } });
    servers.push(s);
    assert.equal(await failedLoginIp(s, '203.0.113.9'), '203.0.113.9');
  });
});

describe('HTTP that Node cannot parse, on a real socket', () => {
  let s: TestServer;
  after(async () => {
    await s?.close();
  });

  it('answers a Kibo-shaped JSON 400 and closes the connection', async () => {
    s = await startTestServer();
    const { port, hostname } = new URL(s.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () =>
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n'),
      );
      let data = '';
      socket.on('data', (d) => {
        data += d.toString('utf8');
      });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    const [head, body] = raw.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 400 /);
    assert.match(head, /content-type: application\/json/i);
    const json = JSON.parse(body);
    assertKiboShape(json);
    assert.equal(json.errorCode, 'MISSING_OR_INVALID_PARAMETER');
  });
});
