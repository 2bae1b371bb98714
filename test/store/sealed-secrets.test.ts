import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/load.ts';
import { createServices } from '../../src/services.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { createSecretsRepo } from '../../src/store/repos/secrets.ts';
import { createSealer, SecretsKeyError } from '../../src/store/sealer.ts';
import type { Store } from '../../src/store/db.ts';
import { freshStore } from '../helpers/db.ts';
import { testConfigFile } from '../helpers/config.ts';
import { TestClock } from '../helpers/clock.ts';

const silent = { info: () => {}, error: () => {} };

describe('SECRETS_KEY: private keys and server secrets encrypted at rest', () => {
  let store: Store;
  let drop: () => Promise<void>;
  const clock = new TestClock();
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const start = async (env: Record<string, string>) => {
    const config = loadConfig({ LOG_LEVEL: 'silent', ...env }, JSON.stringify(testConfigFile()));
    const services = await createServices({ config, store, clock, logger: silent });
    await services.hasher.close();
    return services;
  };
  const rawKeys = async () => store.db.selectFrom('signing_keys').select(['kid', 'private_jwk']).execute();
  const rawSecrets = async () => store.db.selectFrom('server_secrets').select(['name', 'value']).execute();

  before(async () => {
    ({ store, drop } = await freshStore());
    await migrateToLatest(store.db);
  });
  after(async () => {
    await store.close();
    await drop();
  });

  it('without SECRETS_KEY rows are plain; with it the start encrypts them, and everything still works', async () => {
    const plain = await start({});
    const secret = await createSecretsRepo(store.db).getOrCreate('test-secret', () => 'v-1', clock.now());
    assert.equal(secret, 'v-1');
    const kid = plain.keys.signer().kid;
    assert.equal(typeof (await rawKeys())[0].private_jwk.d, 'string', 'a plain private JWK');

    const sealed = await start({ SECRETS_KEY: keyA.toString('base64') });
    assert.equal(sealed.keys.signer().kid, kid, 'the same key, read through the encryption');
    for (const r of await rawKeys()) {
      assert.equal(r.private_jwk.d, undefined, 'no private key material in the row');
      assert.match(String(r.private_jwk.sealed), /^sa1:[0-9a-f]{16}:/);
    }
    for (const r of await rawSecrets()) assert.match(r.value, /^sa1:[0-9a-f]{16}:/);
    const token = await sealed.jwt.sign(
      { typ: 'app', sub: 'storefront', tenant: 1, behaviors: [] },
      new Date(Date.now() + 60_000),
    );
    assert.equal((await plain.jwt.verify(token)).sub, 'storefront');
    const sealer = createSealer({ key: keyA });
    assert.equal(
      await createSecretsRepo(store.db, sealer).getOrCreate('test-secret', () => 'other', clock.now()),
      'v-1',
    );
    const rotated = await sealed.keys.admin.rotate({ publishAheadMinutes: 0 });
    const row = (await rawKeys()).find((r) => r.kid === rotated.kid)!;
    assert.match(String(row.private_jwk.sealed), /^sa1:/, 'new keys are written encrypted');
  });

  it('a missing or wrong key stops the start with one clear message', async () => {
    await assert.rejects(start({}), (err: Error) => {
      assert.ok(err instanceof SecretsKeyError);
      assert.match(err.message, /^Stored secrets are encrypted \(key id [0-9a-f]{16}\) but SECRETS_KEY is not set$/);
      return true;
    });
    await assert.rejects(start({ SECRETS_KEY: keyB.toString('hex') }), (err: Error) => {
      assert.ok(err instanceof SecretsKeyError);
      assert.match(err.message, /encrypted with another SECRETS_KEY \(key id [0-9a-f]{16}\)/);
      return true;
    });
  });

  it('SECRETS_KEY_PREVIOUS opens the rows while the start encrypts them again under the new key', async () => {
    const idOf = (v: string) => v.split(':')[1];
    const before = (await rawSecrets())[0].value;
    await start({ SECRETS_KEY: keyB.toString('hex'), SECRETS_KEY_PREVIOUS: keyA.toString('hex') });
    const after = (await rawSecrets())[0].value;
    assert.notEqual(idOf(after), idOf(before));
    // the old key is no longer needed
    const s = await start({ SECRETS_KEY: keyB.toString('base64url') });
    assert.ok(s.keys.signer().kid);
    await assert.rejects(start({ SECRETS_KEY: keyA.toString('hex') }), SecretsKeyError);
  });

  it('a sealed value moved to another row does not open (the row name is bound to it)', () => {
    const sealer = createSealer({ key: keyA });
    const v = sealer.seal('secret', 'server_secrets:a');
    assert.equal(sealer.open(v, 'server_secrets:a'), 'secret');
    assert.throws(() => sealer.open(v, 'server_secrets:b'), SecretsKeyError);
  });
});
