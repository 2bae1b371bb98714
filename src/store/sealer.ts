import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Encryption at rest of private keys and server secrets (SECRETS_KEY): AES-256-GCM, a fresh 96-bit
 * nonce per value, the row's name as associated data (a sealed value copied to another row does
 * not open). A sealed value reads `sa1:<key id>:<base64url(nonce | tag | ciphertext)>`; the key id
 * (the first 8 bytes of the key's SHA-256, hex) tells which key sealed it, so a changed key is
 * detected instead of failing as garbage.
 */
export interface Sealer {
  /** Seals `plain` with the current key; unchanged when no key is set. */
  seal(plain: string, name: string): string;
  /** The plain text of a stored value, sealed or not. @throws SecretsKeyError when no key given can open it */
  open(stored: string, name: string): string;
  /** True when the stored value should be written again: plain with a key set, or sealed with the previous key. */
  needsReseal(stored: string): boolean;
}

/** A sealed value that the configured SECRETS_KEY (or its absence) cannot open: the start must stop. */
export class SecretsKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsKeyError';
  }
}

const PREFIX = 'sa1:';
export const isSealed = (stored: string): boolean => stored.startsWith(PREFIX);
export const keyIdOf = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 16);

/** `key`: SECRETS_KEY (32 bytes); `previous`: SECRETS_KEY_PREVIOUS, accepted for reading only. */
export function createSealer(opts: { key?: Buffer; previous?: Buffer } = {}): Sealer {
  const keys = new Map<string, Buffer>();
  const current = opts.key && { id: keyIdOf(opts.key), key: opts.key };
  if (opts.previous) keys.set(keyIdOf(opts.previous), opts.previous);
  if (current) keys.set(current.id, current.key);

  const idOf = (stored: string) => stored.slice(PREFIX.length, stored.indexOf(':', PREFIX.length));
  return {
    seal(plain, name) {
      if (!current) return plain;
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, nonce);
      cipher.setAAD(Buffer.from(name, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${PREFIX}${current.id}:${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(stored, name) {
      if (!isSealed(stored)) return stored;
      const id = idOf(stored);
      const key = keys.get(id);
      if (!key) {
        throw new SecretsKeyError(
          current
            ? `Stored secrets are encrypted with another SECRETS_KEY (key id ${id}); set SECRETS_KEY to that key, or SECRETS_KEY_PREVIOUS to it while changing keys`
            : `Stored secrets are encrypted (key id ${id}) but SECRETS_KEY is not set`,
        );
      }
      const raw = Buffer.from(stored.slice(PREFIX.length + id.length + 1), 'base64url');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(name, 'utf8'));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretsKeyError(`The stored secret "${name}" does not decrypt with SECRETS_KEY (damaged or moved)`);
      }
    },
    needsReseal(stored) {
      if (!current) return false;
      return !isSealed(stored) || idOf(stored) !== current.id;
    },
  };
}

/** No SECRETS_KEY: values are stored as they are (and sealed ones refuse to open). */
export const plainSealer: Sealer = createSealer();

/** The sealer of a configuration's SECRETS_KEY / SECRETS_KEY_PREVIOUS (hex). */
export function sealerFrom(config: { secretsKey?: string; secretsKeyPrevious?: string }): Sealer {
  const buf = (hex?: string) => (hex ? Buffer.from(hex, 'hex') : undefined);
  return createSealer({ key: buf(config.secretsKey), previous: buf(config.secretsKeyPrevious) });
}
