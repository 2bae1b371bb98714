import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';

// Random bytes are drawn from the CSPRNG 4 KiB at a time and every byte is handed out once (as
// node:crypto's randomUUID does): one call per 128 tokens, not one per token (docs/performance.md).
const pool = Buffer.alloc(4096);
let used = pool.length;

/** A new opaque token: 256 random bits, base64url. */
export function mintOpaqueToken(): string {
  if (used + 32 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const token = pool.toString('base64url', used, used + 32);
  used += 32;
  return token;
}

/** How opaque tokens are stored and looked up: SHA-256, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time equality of two hex digests of the same algorithm. */
export function digestsEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}
