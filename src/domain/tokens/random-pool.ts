import { randomFillSync } from 'node:crypto';

// Random bytes are drawn from the CSPRNG 4 KiB at a time and every byte is handed out once, as
// node:crypto's randomUUID does: a randomBytes call costs ~3.5 µs whatever its size, a copy from
// the pool ~0.1 µs (docs/performance.md).
const pool = Buffer.alloc(4096);
let used = pool.length;

/** Where the next `n` (≤ 4096) unused random bytes lie in the pool; they are spent by this call. */
function take(n: number): number {
  if (used + n > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const at = used;
  used += n;
  return at;
}

/** `n` fresh random bytes written into `target` at `offset`. */
export function randomInto(target: Buffer, offset: number, n: number): void {
  const at = take(n);
  pool.copy(target, offset, at, at + n);
}

/** `n` fresh random bytes as base64url. */
export function randomBase64url(n: number): string {
  const at = take(n);
  return pool.toString('base64url', at, at + n);
}

/** `n` fresh random bytes as lower-case hex. */
export function randomHex(n: number): string {
  const at = take(n);
  return pool.toString('hex', at, at + n);
}
