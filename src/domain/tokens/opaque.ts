import { createHash, timingSafeEqual } from 'node:crypto';
import { randomBase64url } from './random-pool.ts';

/** A new opaque token: 256 random bits, base64url. */
export function mintOpaqueToken(): string {
  return randomBase64url(32);
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
