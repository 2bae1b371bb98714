import { Algorithm, type Options } from '@node-rs/argon2';

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * True when `password` matches `stored` (an argon2id PHC string); false for a malformed hash.
   * @throws HashThreadStopped — a fault of the service, which must not count as a wrong password
   */
  verify(stored: string, password: string): Promise<boolean>;
  /**
   * Spends the time of a real verify on a throwaway hash, so an unknown user costs what a wrong
   * password costs (no user enumeration by timing).
   */
  decoy(password: string): Promise<false>;
  /** True when `stored` was made with other parameters than the current ones (rehash on login). */
  needsRehash(stored: string): boolean;
  /** Stops the hashing threads (idle ones never hold the process open). */
  close(): Promise<void>;
}

/** Where argon2id runs (src/runtime/hash-pool.ts: threads of the service's own). */
export interface HashPool {
  hash(password: string, options: Options): Promise<string>;
  /** Rejects on a malformed stored hash, and with HashThreadStopped when its thread stops. */
  verify(stored: string, password: string): Promise<boolean>;
  /** Stops the threads; work still owed is rejected. */
  close(): Promise<void>;
}

/** The thread doing a job stopped before answering: a fault of the service, not of the input. */
export class HashThreadStopped extends Error {}

/** argon2id at `params` on `pool`; the hasher owns the pool and closes it. */
export async function createPasswordHasher(params: Argon2Params, pool: HashPool): Promise<PasswordHasher> {
  const opts = { algorithm: Algorithm.Argon2id, ...params };
  const decoyHash = await pool.hash('decoy-password-never-matches', opts);
  const paramTag = `m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}`;
  return {
    hash: (password) => pool.hash(password, opts),
    async verify(stored, password) {
      try {
        return await pool.verify(stored, password);
      } catch (err) {
        if (err instanceof HashThreadStopped) throw err;
        return false;
      }
    },
    async decoy(password) {
      await pool.verify(decoyHash, password);
      return false;
    },
    needsRehash: (stored) => !stored.startsWith('$argon2id$') || !stored.includes(paramTag),
    close: () => pool.close(),
  };
}
