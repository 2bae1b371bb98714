import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testConfigFile } from '../helpers/config.ts';
import { createDatabase } from '../helpers/db.ts';
import { TestClock } from '../helpers/clock.ts';
import { KEY_RELOAD_MS } from '../../src/domain/tokens/keys.ts';

// Two services over one PostgreSQL database (wherever the suite runs, as multi-instance.test.ts).
const PG = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

const kids = async (s: TestServer) =>
  ((await s.request('GET', '/.well-known/jwks.json')).json.keys as { kid: string }[]).map((k) => k.kid);
const tenantCall = (s: TestServer, token: string) =>
  s.request('GET', '/api/platform/tenants/1', { headers: { authorization: `Bearer ${token}` } });

describe('signing-key rotation across two instances on one PostgreSQL', () => {
  let a: TestServer;
  let b: TestServer;
  let drop: () => Promise<void>;
  const clock = new TestClock();
  // Tokens live at most 60 minutes here (app tokens; shopper tokens capped to the same).
  const configFile = testConfigFile({ keys: { rotateDays: 30, publishAheadMinutes: 10 } });
  configFile.tenants = configFile.tenants.map((t) => ({ ...t, tokens: { maxAccessMinutes: 60, accessMinutes: 60 } }));
  before(async () => {
    const db = await createDatabase(PG);
    drop = db.drop;
    a = await startTestServer({ databaseUrl: db.url, configFile, clock });
    b = await startTestServer({ databaseUrl: db.url, configFile, clock });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it('a key rotated on one is published by both before it signs; its tokens verify on the other', async () => {
    const oldKid = a.services.keys.signer().kid;
    assert.equal(b.services.keys.signer().kid, oldKid, 'both started on one key');
    const before = await a.appToken();

    const next = await a.services.keys.admin.rotate();
    assert.equal(next.state, 'next');
    assert.deepEqual((await kids(a)).sort(), [oldKid, next.kid].sort(), 'published at once where it was made');
    // Within KEY_RELOAD_MS the other instance reads the key set again: it publishes the key too,
    // still well before it signs (publishAheadMinutes: 10).
    clock.advance(KEY_RELOAD_MS);
    assert.deepEqual((await kids(b)).sort(), [oldKid, next.kid].sort());
    for (const s of [a, b]) {
      const t = await s.appToken();
      assert.equal(decodeProtectedHeader(t).kid, oldKid, 'the new key signs nothing yet');
    }

    clock.advanceMinutes(10);
    const signedByNew = await a.appToken();
    assert.equal(decodeProtectedHeader(signedByNew).kid, next.kid, 'it signs once its time has come');
    assert.equal(decodeProtectedHeader(await b.appToken()).kid, next.kid, 'on both instances');
    assert.equal((await tenantCall(b, signedByNew)).status, 200, 'a token of the new key verifies on the other');
    assert.equal((await tenantCall(b, before)).status, 200, 'a token of the retired key still verifies');
    await jwtVerify(signedByNew, createLocalJWKSet((await b.request('GET', '/.well-known/jwks.json')).json), {
      currentDate: clock.now(),
    });

    // The retired key stays published until every token it signed has expired (60 minutes after
    // it retired; it is now one minute past that).
    clock.advanceMinutes(58);
    assert.ok((await kids(b)).includes(oldKid));
    clock.advanceMinutes(2);
    assert.deepEqual(await kids(a), [next.kid]);
    assert.deepEqual(await kids(b), [next.kid]);
    const states = new Map((await a.services.keys.admin.list()).map((k) => [k.kid, k.state]));
    assert.equal(states.get(oldKid), 'expired');
    assert.equal(states.get(next.kid), 'active');
  });

  it('a key made on one instance verifies on the other at once (unknown kid → read again)', async () => {
    const kid = await a.services.keys.rotate(); // at once: an emergency rotation
    const t = await a.appToken();
    assert.equal(decodeProtectedHeader(t).kid, kid);
    assert.equal((await tenantCall(b, t)).status, 200);
  });

  it('scheduled rotation: due after keys.rotateDays, made once however many instances look', async () => {
    const count = async () => (await a.services.keys.admin.list()).length;
    const n = await count();
    assert.equal(await a.services.keys.admin.rotateIfDue(), undefined, 'not due yet');
    clock.advance(30 * 86_400_000);
    const made = await Promise.all([a.services.keys.admin.rotateIfDue(), b.services.keys.admin.rotateIfDue()]);
    assert.equal(made.filter(Boolean).length, 1, 'one of the two made it');
    assert.equal(await count(), n + 1);
    const k = made.find(Boolean)!;
    assert.equal(Date.parse(k.activatesAt) - Date.parse(k.createdAt), 10 * 60_000, 'published ahead');
    assert.equal(await a.services.keys.admin.rotateIfDue(), undefined);
  });

  it('retire: never the only signer; a retired key dropped at once stops verifying on both instances', async () => {
    const leaked = a.services.keys.signer().kid;
    const leakedToken = await a.appToken();
    // The emergency: a new key at once, then the leaked one out of the JWKS.
    const fresh = await a.services.keys.rotate();
    await assert.rejects(a.services.keys.admin.retire(fresh), /only key that signs; rotate first/);
    const dropped = await a.services.keys.admin.retire(leaked, { dropNow: true });
    assert.equal(dropped.state, 'expired');
    clock.advance(KEY_RELOAD_MS);
    assert.ok(!(await kids(b)).includes(leaked), 'gone from the other instance within KEY_RELOAD_MS');
    assert.equal((await tenantCall(b, leakedToken)).status, 401, "the leaked key's tokens stop verifying");
    assert.equal(decodeProtectedHeader(await b.appToken()).kid, fresh);

    // A key published ahead and retired before its time never signs.
    const pending = await a.services.keys.admin.rotate();
    const cancelled = await a.services.keys.admin.retire(pending.kid);
    assert.equal(cancelled.state, 'retired');
    clock.advanceMinutes(11);
    assert.equal(decodeProtectedHeader(await a.appToken()).kid, fresh);
  });
});
