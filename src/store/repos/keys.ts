import { sql } from 'kysely';
import type { Db } from '../db.ts';

export interface StoredKey {
  kid: string;
  alg: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  createdAt: Date;
}

export function createKeysRepo(db: Db) {
  return {
    async listActive(): Promise<StoredKey[]> {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .where('retired_at', 'is', null)
        .orderBy('created_at', 'asc')
        .execute();
      return rows.map((r) => ({
        kid: r.kid,
        alg: r.alg,
        privateJwk: r.private_jwk,
        publicJwk: r.public_jwk,
        createdAt: r.created_at,
      }));
    },
    /**
     * Inserts a key made by `make` unless an active one exists, under an advisory lock so that
     * instances starting together agree on one key.
     */
    async ensureOne(make: () => Promise<StoredKey>): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(7411001)`.execute(trx);
        const existing = await trx
          .selectFrom('signing_keys')
          .select('kid')
          .where('retired_at', 'is', null)
          .executeTakeFirst();
        if (existing) return;
        const k = await make();
        await trx
          .insertInto('signing_keys')
          .values({
            kid: k.kid,
            alg: k.alg,
            private_jwk: JSON.stringify(k.privateJwk),
            public_jwk: JSON.stringify(k.publicJwk),
            created_at: k.createdAt,
          })
          .execute();
      });
    },
    async insert(k: StoredKey): Promise<void> {
      await db
        .insertInto('signing_keys')
        .values({
          kid: k.kid,
          alg: k.alg,
          private_jwk: JSON.stringify(k.privateJwk),
          public_jwk: JSON.stringify(k.publicJwk),
          created_at: k.createdAt,
        })
        .execute();
    },
    async retire(kid: string, at: Date): Promise<void> {
      await db.updateTable('signing_keys').set({ retired_at: at }).where('kid', '=', kid).execute();
    },
  };
}
export type KeysRepo = ReturnType<typeof createKeysRepo>;
