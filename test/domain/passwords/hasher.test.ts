import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Algorithm, hash as hashOnLibuv } from '@node-rs/argon2';
import { createPasswordHasher, HashThreadStopped } from '../../../src/domain/passwords/hasher.ts';
import { createHashPool } from '../../../src/runtime/hash-pool.ts';

const cheap = { algorithm: Algorithm.Argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 };

describe('the password hasher', () => {
  it('verifies on its threads, answers false for a malformed hash, and decoys without matching', async () => {
    const hasher = await createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }, createHashPool(1));
    try {
      const stored = await hasher.hash('Secret-pw-9');
      assert.equal(await hasher.verify(stored, 'Secret-pw-9'), true);
      assert.equal(await hasher.verify(stored, 'Secret-pw-8'), false);
      assert.equal(await hasher.verify('$argon2id$garbage', 'Secret-pw-9'), false);
      assert.equal(await hasher.decoy('decoy-password-never-matches'), false);
      assert.equal(hasher.needsRehash(stored), false);
      assert.equal(hasher.needsRehash(stored.replace('m=1024', 'm=2048')), true);
    } finally {
      await hasher.close();
    }
  });

  it('fails a verify whose thread stops instead of answering "wrong password" (which would count towards a lockout)', async () => {
    const hasher = await createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }, createHashPool(1));
    const slowHash = await hashOnLibuv('pw', { ...cheap, memoryCost: 65536, timeCost: 3 });
    const verifying = hasher.verify(slowHash, 'pw');
    const decoying = hasher.decoy('pw');
    await hasher.close();
    await assert.rejects(verifying, HashThreadStopped);
    await assert.rejects(decoying, HashThreadStopped);
  });
});
