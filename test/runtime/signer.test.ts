import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSigner } from '../../src/runtime/signer.ts';

const p1363 = { dsaEncoding: 'ieee-p1363' } as const;

describe('ES256 signing thread', () => {
  const signer = createSigner();
  after(() => signer.close());
  const { es256 } = signer;

  it('signs each input with its own key, in batches, and every signature verifies', async () => {
    const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // One round of the event loop: 40 inputs, two keys interleaved → one batch per key.
    const inputs = Array.from({ length: 40 }, (_, i) => ({ input: `header.payload-${i}`, pair: i % 2 ? a : b }));
    const sigs = await Promise.all(inputs.map(({ input, pair }) => es256(input, pair.privateKey)));
    for (const [i, { input, pair }] of inputs.entries()) {
      const sig = Buffer.from(sigs[i], 'base64url');
      assert.equal(sig.length, 64, 'r||s of P-256');
      assert.ok(
        verify('sha256', Buffer.from(input), { key: pair.publicKey, ...p1363 }, sig),
        `input ${i} verifies with its key`,
      );
      const other = pair === a ? b : a;
      assert.ok(
        !verify('sha256', Buffer.from(input), { key: other.publicKey, ...p1363 }, sig),
        `input ${i} does not verify with the other key`,
      );
    }
    // Later rounds reuse the key the thread already holds.
    const again = await es256('header.later', a.privateKey);
    assert.ok(
      verify('sha256', Buffer.from('header.later'), { key: a.publicKey, ...p1363 }, Buffer.from(again, 'base64url')),
    );
  });

  it('keeps a process alive while a signature is owed, and not once it is idle', () => {
    // The thread is unref'd when idle: a process whose work is done exits at once (exit 0), and a
    // pending signature is still delivered (no "unsettled top-level await", exit 13).
    const script = `
      import { generateKeyPairSync } from 'node:crypto';
      import { createSigner } from ${JSON.stringify(new URL('../../src/runtime/signer.ts', import.meta.url).href)};
      const { es256 } = createSigner();
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      console.log((await es256('header.payload', privateKey)).length);`;
    const dir = mkdtempSync(path.join(tmpdir(), 'signer-exit-'));
    const file = path.join(dir, 'sign-once.mjs');
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.signal, null, 'the process exited on its own');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '86', 'a 64-byte signature in base64url');
  });
});
