import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';

const pbkdf2Async = promisify(pbkdf2);

/**
 * Password hashes imported from an old platform (`isImport` + `externalPassword`). They are kept as
 * given, checked once at the first successful login, and then replaced by an argon2id hash.
 *
 * Accepted formats:
 * - **bcrypt**: `$2a$`, `$2b$` or `$2y$` + two-digit cost + `$` + 53 characters of bcrypt base64
 *   (`$2b$12$…`), cost 4–17.
 * - **PBKDF2-SHA256, Django style**: `pbkdf2_sha256$<iterations>$<salt>$<hash>` where the salt is
 *   used as its UTF-8 text and the hash is standard base64 (padding optional) of the derived key.
 * - **PBKDF2-SHA256, passlib style**: `$pbkdf2-sha256$<iterations>$<salt>$<hash>` where salt and
 *   hash are passlib's "adapted base64" (`.` for `+`, no padding) of the raw bytes.
 *
 * Iterations are bounded (1,000–5,000,000) so an import cannot plant a hash that stalls logins.
 */
export type LegacyHash =
  { kind: 'bcrypt'; hash: string } | { kind: 'pbkdf2-sha256'; iterations: number; salt: Buffer; key: Buffer };

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const DJANGO = /^pbkdf2_sha256\$(\d{1,8})\$([^$]{1,256})\$([A-Za-z0-9+/]{16,}={0,2})$/;
const PASSLIB = /^\$pbkdf2-sha256\$(\d{1,8})\$([./A-Za-z0-9]{0,344})\$([./A-Za-z0-9]{16,})$/;
const MIN_ITER = 1000;
const MAX_ITER = 5_000_000;
const MAX_BCRYPT_COST = 17;

const ab64 = (s: string) => Buffer.from(s.replaceAll('.', '+'), 'base64');

/** Parses a legacy hash; undefined when the format is not one of the supported ones. */
export function parseLegacyHash(stored: string): LegacyHash | undefined {
  const b = BCRYPT.exec(stored);
  if (b) {
    const cost = Number(b[1]);
    // $2y$ (PHP) is the same algorithm as $2b$.
    return cost >= 4 && cost <= MAX_BCRYPT_COST
      ? { kind: 'bcrypt', hash: stored.replace(/^\$2y\$/, '$2b$') }
      : undefined;
  }
  const d = DJANGO.exec(stored);
  const p = d ? undefined : PASSLIB.exec(stored);
  const m = d ?? p;
  if (!m) return undefined;
  const iterations = Number(m[1]);
  if (iterations < MIN_ITER || iterations > MAX_ITER) return undefined;
  const salt = d ? Buffer.from(m[2], 'utf8') : ab64(m[2]);
  const key = d ? Buffer.from(m[3], 'base64') : ab64(m[3]);
  if (key.length < 16 || key.length > 64) return undefined;
  return { kind: 'pbkdf2-sha256', iterations, salt, key };
}

/** True when `stored` is a supported legacy hash (not argon2id). */
export function isLegacyHash(stored: string): boolean {
  return parseLegacyHash(stored) !== undefined;
}

/** Checks a password against a legacy hash, in constant time for the hash comparison. */
export async function verifyLegacy(stored: string, password: string): Promise<boolean> {
  const h = parseLegacyHash(stored);
  return h ? verifyLegacyHash(h, password) : false;
}

/** Checks a password against an already parsed legacy hash. */
export async function verifyLegacyHash(h: LegacyHash, password: string): Promise<boolean> {
  if (h.kind === 'bcrypt') {
    try {
      return await bcrypt.compare(password, h.hash);
    } catch {
      return false;
    }
  }
  const derived = await pbkdf2Async(password, h.salt, h.iterations, h.key.length, 'sha256');
  return timingSafeEqual(derived, h.key);
}

/**
 * What an import stores: the legacy hash as given, flagged so the account says it still has an
 * external password that needs migrating.
 */
export function importLegacySecret(
  externalPassword: string,
): { passwordHash: string; hasExternalPassword: true; migrationRequired: true } | undefined {
  const trimmed = externalPassword.trim();
  return isLegacyHash(trimmed)
    ? { passwordHash: trimmed, hasExternalPassword: true, migrationRequired: true }
    : undefined;
}
