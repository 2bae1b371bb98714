import { Algorithm, hash, verify } from '@node-rs/argon2';

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches `stored` (an argon2id PHC string). */
  verify(stored: string, password: string): Promise<boolean>;
  /**
   * Spends the time of a real verify on a throwaway hash, so an unknown user costs what a wrong
   * password costs (no user enumeration by timing).
   */
  decoy(password: string): Promise<false>;
  /** True when `stored` was made with other parameters than the current ones (rehash on login). */
  needsRehash(stored: string): boolean;
}

export async function createPasswordHasher(params: Argon2Params): Promise<PasswordHasher> {
  const opts = { algorithm: Algorithm.Argon2id, ...params };
  const decoyHash = await hash('decoy-password-never-matches', opts);
  const paramTag = `m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}`;
  return {
    hash: (password) => hash(password, opts),
    async verify(stored, password) {
      try {
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
    async decoy(password) {
      await verify(decoyHash, password).catch(() => false);
      return false;
    },
    needsRehash: (stored) => !stored.startsWith('$argon2id$') || !stored.includes(paramTag),
  };
}
