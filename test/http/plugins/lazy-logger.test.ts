import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { lazyChildLoggerFactory } from '../../../src/http/plugins/lazy-logger.ts';
import { loggerOptions } from '../../../src/http/plugins/logging.ts';

/** A Fastify app with the service's logger options and the lazy child factory; lines captured. */
async function appAt(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const app = Fastify({
    logger: loggerOptions(level, stream),
    childLoggerFactory: lazyChildLoggerFactory,
    genReqId: () => 'req-42',
  });
  app.get('/quiet', async () => ({ ok: true }));
  app.get('/warns', async (req) => {
    req.log.warn({ body: { password: 'hunter2' } }, 'something odd');
    return { ok: true };
  });
  app.get('/child', async (req) => {
    req.log.child({ part: 'inner' }).error('from a grandchild');
    return { ok: true };
  });
  app.get('/level', async (req) => ({ level: req.log.level }));
  await app.ready();
  return { app, lines };
}

describe('lazy request loggers', () => {
  it('write the same lines pino children would: request id bound, redaction applied', async () => {
    const { app, lines } = await appAt('info');
    await app.inject({ method: 'GET', url: '/warns?refreshToken=abc' });
    const incoming = lines.find((l) => l.msg === 'incoming request');
    assert.equal(incoming?.reqId, 'req-42');
    assert.deepEqual((incoming?.req as { url: string }).url, '/warns?refreshToken=[REDACTED]');
    const odd = lines.find((l) => l.msg === 'something odd');
    assert.equal(odd?.reqId, 'req-42');
    assert.equal(odd?.level, 40);
    assert.deepEqual(odd?.body, { password: '[REDACTED]' });
    assert.ok(lines.some((l) => l.msg === 'request completed' && l.reqId === 'req-42'));
    await app.close();
  });

  it('write nothing below the level, and still write what is at or above it', async () => {
    const { app, lines } = await appAt('warn');
    await app.inject({ method: 'GET', url: '/quiet' });
    assert.equal(lines.length, 0, 'no request lines at warn');
    await app.inject({ method: 'GET', url: '/warns' });
    assert.equal(lines.length, 1);
    assert.equal(lines[0].msg, 'something odd');
    assert.equal(lines[0].reqId, 'req-42');
    await app.inject({ method: 'GET', url: '/child' });
    assert.equal(lines.length, 2);
    assert.equal(lines[1].reqId, 'req-42');
    assert.equal(lines[1].part, 'inner');
    const level = await app.inject({ method: 'GET', url: '/level' });
    assert.equal(level.json().level, 'warn');
    await app.close();
  });
});
