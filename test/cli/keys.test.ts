import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCliTarget, type CliTarget } from '../helpers/cli.ts';

describe(`admin CLI: keys and migrate (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'embedded, through the admin socket'})`, () => {
  let t: CliTarget;
  before(async () => {
    t = await startCliTarget();
  });
  after(async () => {
    await t?.close();
  });

  it('rotate publishes a key an hour before it signs; retire refuses the only signer', async () => {
    const active = t.s.services.keys.signer().kid;
    const rotated = await t.cli('--json', 'keys', 'rotate');
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal(rotated.json.state, 'next');
    assert.ok(!rotated.stdout.includes('"d"'), 'no private key material');
    const ahead = Date.parse(rotated.json.activatesAt) - Date.parse(rotated.json.createdAt);
    assert.equal(ahead, 60 * 60_000, 'keys.publishAheadMinutes (default 60)');
    // The service reads the key set every minute.
    t.s.clock.advance(61_000);
    const jwks = (await t.s.request('GET', '/.well-known/jwks.json')).json.keys.map((k: { kid: string }) => k.kid);
    assert.ok(jwks.includes(rotated.json.kid), 'published');
    assert.equal(t.s.services.keys.signer().kid, active, 'the old key still signs');

    const listed = await t.cli('--json', 'keys', 'list');
    assert.deepEqual(
      listed.json.map((k: { kid: string; state: string }) => [k.kid, k.state]),
      [
        [active, 'active'],
        [rotated.json.kid, 'next'],
      ],
    );
    const last = await t.cli('keys', 'retire', active);
    assert.equal(last.code, 1);
    assert.match(last.stderr, /^storefront-auth: Key .* is the only key that signs; rotate first/);
  });

  it('migrate --check exits 0 on a current schema', async () => {
    const c = await t.cli('--json', 'migrate', '--check');
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(c.json.pending, []);
    assert.ok(c.json.applied.includes('0009_key_rotation'));
  });
});
