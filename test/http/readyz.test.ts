import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startSmtpInbox, type SmtpInbox } from '../helpers/smtp.ts';
import net from 'node:net';

/** A loopback port nothing listens on (bound, read, released). */
function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('/readyz reports the database, and Redis and SMTP when configured', () => {
  const servers: TestServer[] = [];
  const inboxes: SmtpInbox[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(inboxes.map((i) => i.close().catch(() => {})));
  });
  const server = async (env: Record<string, string> = {}) => {
    const s = await startTestServer({ env });
    servers.push(s);
    return s;
  };

  it('checks only the database when neither Redis nor SMTP is configured', async () => {
    const s = await server();
    const r = await s.request('GET', '/readyz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'ok', checks: { database: 'ok' } });
  });

  it('is ok with the real Redis and an answering SMTP server', async () => {
    const inbox = await startSmtpInbox();
    inboxes.push(inbox);
    const s = await server({ REDIS_URL: 'redis://127.0.0.1:6379', SMTP_URL: inbox.url });
    const r = await s.request('GET', '/readyz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'ok', checks: { database: 'ok', redis: 'ok', smtp: 'ok' } });

    // The SMTP answer is reused for a few seconds: probes do not open a mail connection each time.
    await inbox.close();
    const cached = await s.request('GET', '/readyz');
    assert.deepEqual(cached.json, { status: 'ok', checks: { database: 'ok', redis: 'ok', smtp: 'ok' } });
  });

  it('is degraded, and still ready (200), when Redis and SMTP do not answer', async () => {
    const deadSmtp = await deadPort();
    const deadRedis = await deadPort();
    const s = await server({
      REDIS_URL: `redis://127.0.0.1:${deadRedis}`,
      SMTP_URL: `smtp://127.0.0.1:${deadSmtp}`,
    });
    const started = Date.now();
    const r = await s.request('GET', '/readyz');
    assert.equal(r.status, 200, 'the database alone decides readiness');
    assert.deepEqual(r.json, { status: 'degraded', checks: { database: 'ok', redis: 'down', smtp: 'down' } });
    assert.ok(Date.now() - started < 5000, 'a dead dependency costs at most the check timeout');
    assert.ok(
      s.logs.some((l) => l.includes('readiness: degraded')),
      'a degraded check is logged',
    );
  });

  it('is unavailable (503, Kibo-shaped) when the database does not answer', async () => {
    const s = await server();
    await s.store.close(); // the database is gone (closing it twice is harmless)
    const r = await s.request('GET', '/readyz');
    assert.equal(r.status, 503);
    assert.equal(r.json.errorCode, 'SERVICE_UNAVAILABLE');
    assert.deepEqual(r.json.additionalErrorData, [{ name: 'database', value: 'down' }]);
  });
});
