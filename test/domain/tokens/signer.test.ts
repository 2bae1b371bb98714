import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { es256 } from '../../../src/domain/tokens/signer.ts';

const p1363 = { dsaEncoding: 'ieee-p1363' } as const;

describe('ES256 signing thread', () => {
  it('signs each input with its own key, in batches, and every signature verifies', async () => {
    const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // One round of the event loop: 40 inputs, two keys interleaved → one batch per key.
    const inputs = Array.from({ length: 40 }, (_, i) => ({ input: `header.payload-${i}`, pair: i % 2 ? a : b }));
    const sigs = await Promise.all(inputs.map(({ input, pair }) => es256(input, pair.privateKey)));
    for (const [i, { input, pair }] of inputs.entries()) {
      const sig = Buffer.from(sigs[i], 'base64url');
      assert.equal(sig.length, 64, 'r||s of P-256');
      assert.ok(verify('sha256', Buffer.from(input), { key: pair.publicKey, ...p1363 }, sig), `input ${i} verifies with its key`);
      const other = pair === a ? b : a;
      assert.ok(!verify('sha256', Buffer.from(input), { key: other.publicKey, ...p1363 }, sig), `input ${i} does not verify with the other key`);
    }
    // Later rounds reuse the key the thread already holds.
    const again = await es256('header.later', a.privateKey);
    assert.ok(verify('sha256', Buffer.from('header.later'), { key: a.publicKey, ...p1363 }, Buffer.from(again, 'base64url')));
  });
});
