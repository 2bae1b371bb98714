import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { useTestServer, STOREFRONT } from '../helpers/server.ts';
import { testConfigFile } from '../helpers/config.ts';
import { newShopper } from '../helpers/sdk.ts';

/** A throw-away CA and a certificate it signed for localhost, made by the machine's openssl. */
function makeCertificates(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=storefront-auth test CA',
  );
  run('req', ...ec, '-keyout', 'key.pem', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'cert.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
  return {
    ca: path.join(dir, 'ca.pem'),
    cert: readFileSync(path.join(dir, 'cert.pem')),
    key: readFileSync(path.join(dir, 'key.pem')),
  };
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('HTTPS: the official client configured as Kibo documents it (TLS_CERT_FILE / TLS_KEY_FILE)', () => {
  let dir: string;
  let ca: string;
  let host: string;
  // Unseeded: the fixture's signup would call over HTTPS, and this process does not trust the
  // test CA (only the client it spawns is given it).
  useTestServer(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sa-tls-'));
    const certs = makeCertificates(dir);
    ca = certs.ca;
    const port = await freePort();
    host = `localhost:${port}`;
    const configFile = testConfigFile();
    // The client reaches the API at https://{tenant.domain}, as it learns it from GET /platform/tenants/1.
    configFile.tenants[0].domain = host;
    return { configFile, tls: { cert: certs.cert, key: certs.key }, port, seed: false };
  });
  // Registered after the fixture's, so this runs once the server has closed.
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs up, logs in, refreshes and reads the current account over https://{authHost} and {tenant.domain}', async () => {
    const u = newShopper('tls');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--dns-result-order=ipv4first', 'test/helpers/tls-sdk-client.ts'],
      {
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: ca,
          AUTH_HOST: host,
          CLIENT_ID: STOREFRONT.clientId,
          CLIENT_SECRET: STOREFRONT.clientSecret,
          EMAIL: u.email,
          PASSWORD: u.password,
        },
        timeout: 60_000,
      },
    );
    const out = JSON.parse(stdout);
    assert.ok(out.signupId > 0);
    assert.equal(out.loginId, out.signupId);
    assert.equal(out.refreshedDiffers, true);
    assert.equal(out.currentEmail, u.email);
  });

  it('speaks HTTP/2 to clients that offer it', async () => {
    const session = http2.connect(`https://${host}`, { ca: readFileSync(ca) });
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ':path': '/healthz' });
        let status = 0;
        let body = '';
        req.on('response', (h) => (status = Number(h[':status'])));
        req.setEncoding('utf8');
        req.on('data', (c) => (body += c));
        req.on('end', () => resolve({ status, body }));
        req.on('error', reject);
      });
      assert.equal(status, 200);
      assert.ok(body.length > 0);
    } finally {
      session.close();
    }
  });

  it('refuses a client that does not trust the certificate', async () => {
    await assert.rejects(fetch(`https://${host}/healthz`), /fetch failed/);
  });
});
