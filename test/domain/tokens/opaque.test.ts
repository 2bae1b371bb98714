import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { digestsEqual, hashToken, mintOpaqueToken } from '../../../src/domain/tokens/opaque.ts';

describe('opaque tokens', () => {
  it('are 256 random bits, base64url, never repeated across refills of the random pool', () => {
    // 1,000 tokens take 32,000 bytes: the 4 KiB pool is refilled several times on the way.
    const tokens = Array.from({ length: 1000 }, () => mintOpaqueToken());
    for (const t of tokens) {
      assert.match(t, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(t, 'base64url').length, 32);
    }
    assert.equal(new Set(tokens).size, tokens.length);
    // No byte run is handed out twice: consecutive tokens share no 8-byte window.
    const bytes = tokens.map((t) => Buffer.from(t, 'base64url').toString('hex'));
    const windows = new Set<string>();
    for (const b of bytes) for (let i = 0; i + 16 <= b.length; i += 16) windows.add(b.slice(i, i + 16));
    assert.equal(windows.size, bytes.length * 4);
  });

  it('are stored as SHA-256 hex, compared in constant time', () => {
    const t = mintOpaqueToken();
    assert.match(hashToken(t), /^[0-9a-f]{64}$/);
    assert.ok(digestsEqual(hashToken(t), hashToken(t)));
    assert.ok(!digestsEqual(hashToken(t), hashToken(mintOpaqueToken())));
    assert.ok(!digestsEqual('', ''));
  });
});
