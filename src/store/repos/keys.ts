import { sql, type Selectable } from 'kysely';
import type { Db } from '../db.ts';
import { executor, transaction } from '../transaction.ts';
import type { SigningKeysTable } from '../schema.ts';
import { plainSealer, type Sealer } from '../sealer.ts';

export interface StoredKey {
  kid: string;
  alg: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  createdAt: Date;
  /** signs from then on (published ahead of it) */
  activatesAt: Date;
  /** signs no more from then on */
  retiredAt?: Date | null;
  /** leaves the JWKS then (every token it signed has expired) */
  expiresAt?: Date | null;
}

/** One advisory lock for every change to the key set: first key, rotation, retirement. */
const KEYS_LOCK = 7411001;

/**
 * The signing keys. With SECRETS_KEY set, `private_jwk` holds `{ "sealed": "sa1:…" }` instead of
 * the key (see store/sealer.ts); reads open it, so callers only ever see the JWK.
 */
export function createKeysRepo(root: Db, sealer: Sealer = plainSealer) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  const aad = (kid: string) => `signing_keys:${kid}`;
  const sealJwk = (kid: string, jwk: Record<string, unknown>) => {
    const text = JSON.stringify(jwk);
    const sealed = sealer.seal(text, aad(kid));
    return sealed === text ? text : JSON.stringify({ sealed });
  };
  const openJwk = (kid: string, stored: Record<string, unknown>): Record<string, unknown> =>
    typeof stored.sealed === 'string' ? JSON.parse(sealer.open(stored.sealed, aad(kid))) : stored;
  const fromRow = (r: Selectable<SigningKeysTable>): StoredKey => ({
    kid: r.kid,
    alg: r.alg,
    privateJwk: openJwk(r.kid, r.private_jwk),
    publicJwk: r.public_jwk,
    createdAt: r.created_at,
    activatesAt: r.activates_at,
    retiredAt: r.retired_at,
    expiresAt: r.expires_at,
  });
  const values = (k: StoredKey) => ({
    kid: k.kid,
    alg: k.alg,
    private_jwk: sealJwk(k.kid, k.privateJwk),
    public_jwk: JSON.stringify(k.publicJwk),
    created_at: k.createdAt,
    activates_at: k.activatesAt,
    retired_at: k.retiredAt ?? null,
    expires_at: k.expiresAt ?? null,
  });

  return {
    /** Every key still in the JWKS at `now` (signing, about to sign, or retired but not expired), oldest first. */
    async listPublished(now: Date): Promise<StoredKey[]> {
      const rows = await db()
        .selectFrom('signing_keys')
        .selectAll()
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('activates_at', 'asc')
        .orderBy('created_at', 'asc')
        .execute();
      return rows.map(fromRow);
    },
    /** Every key ever made, without its private part, oldest first. */
    async listAll(): Promise<Omit<StoredKey, 'privateJwk'>[]> {
      const rows = await db()
        .selectFrom('signing_keys')
        .select(['kid', 'alg', 'public_jwk', 'created_at', 'activates_at', 'retired_at', 'expires_at'])
        .orderBy('activates_at', 'asc')
        .orderBy('created_at', 'asc')
        .execute();
      return rows.map((r) => ({
        kid: r.kid,
        alg: r.alg,
        publicJwk: r.public_jwk,
        createdAt: r.created_at,
        activatesAt: r.activates_at,
        retiredAt: r.retired_at,
        expiresAt: r.expires_at,
      }));
    },
    /**
     * Inserts a key made by `make` unless one signs now, under an advisory
     * lock so that instances starting together agree on one key.
     */
    async ensureOne(make: () => Promise<StoredKey>, now: Date): Promise<void> {
      await transaction(root, async () => {
        const trx = db();
        await sql`select pg_advisory_xact_lock(${sql.lit(KEYS_LOCK)})`.execute(trx);
        const existing = await trx
          .selectFrom('signing_keys')
          .select('kid')
          .where('activates_at', '<=', now)
          .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', now)]))
          .executeTakeFirst();
        if (existing) return;
        await trx
          .insertInto('signing_keys')
          .values(values(await make()))
          .execute();
      });
    },
    /**
     * A rotation, under the lock: when `due(newestCreatedAt)` agrees (always, without it), inserts
     * `next` and retires every key still signing at its activation, each leaving the JWKS
     * `keepMinutes` later. Answers the key inserted, or undefined when not due.
     */
    async rotate(
      now: Date,
      next: (signerExists: boolean) => Promise<StoredKey>,
      keepMinutes: number,
      due?: (newestCreatedAt: Date | undefined) => boolean,
    ): Promise<StoredKey | undefined> {
      return transaction(root, async () => {
        const trx = db();
        await sql`select pg_advisory_xact_lock(${sql.lit(KEYS_LOCK)})`.execute(trx);
        if (due) {
          const newest = await trx
            .selectFrom('signing_keys')
            .select('created_at')
            .orderBy('created_at', 'desc')
            .limit(1)
            .executeTakeFirst();
          if (!due(newest?.created_at)) return undefined;
        }
        const signer = await trx
          .selectFrom('signing_keys')
          .select('kid')
          .where('activates_at', '<=', now)
          .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', now)]))
          .executeTakeFirst();
        const k = await next(signer !== undefined);
        const expiresAt = new Date(k.activatesAt.getTime() + keepMinutes * 60_000);
        await trx
          .updateTable('signing_keys')
          .set({ retired_at: k.activatesAt, expires_at: expiresAt })
          .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', k.activatesAt)]))
          .execute();
        await trx.insertInto('signing_keys').values(values(k)).execute();
        return k;
      });
    },
    /**
     * Retires a key at `at` (a key not signing yet never will), leaving the JWKS at `expiresAt` at
     * the latest. Answers 'last' — and changes nothing — when it is the key signing now and no other
     * would, and 'unknown' for a kid that is not published.
     */
    async retire(kid: string, at: Date, expiresAt: Date): Promise<'ok' | 'last' | 'unknown'> {
      return transaction(root, async () => {
        const trx = db();
        await sql`select pg_advisory_xact_lock(${sql.lit(KEYS_LOCK)})`.execute(trx);
        const target = await trx
          .selectFrom('signing_keys')
          .select(['kid', 'activates_at', 'retired_at'])
          .where('kid', '=', kid)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
          .executeTakeFirst();
        if (!target) return 'unknown';
        const signsNow = target.activates_at <= at && (target.retired_at === null || target.retired_at > at);
        if (signsNow) {
          const other = await trx
            .selectFrom('signing_keys')
            .select('kid')
            .where('kid', '<>', kid)
            .where('activates_at', '<=', at)
            .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', at)]))
            .executeTakeFirst();
          if (!other) return 'last';
        }
        if (target.activates_at > at) {
          // A key cancelled before it signs: the keys that were to retire when it came stay on.
          await trx
            .updateTable('signing_keys')
            .set({ retired_at: null, expires_at: null })
            .where('kid', '<>', kid)
            .where('retired_at', '=', target.activates_at)
            .execute();
        }
        await trx
          .updateTable('signing_keys')
          .set({
            retired_at: sql`least(coalesce(retired_at, ${at}::timestamptz), ${at}::timestamptz)`,
            expires_at: sql`least(coalesce(expires_at, ${expiresAt}::timestamptz), ${expiresAt}::timestamptz)`,
          })
          .where('kid', '=', kid)
          .execute();
        return 'ok';
      });
    },
    /** Opens every private key: throws SecretsKeyError when SECRETS_KEY cannot (before the CLI writes one). */
    async checkOpen(): Promise<void> {
      const rows = await db().selectFrom('signing_keys').select(['kid', 'private_jwk']).execute();
      for (const r of rows) openJwk(r.kid, r.private_jwk);
    },
    /** Opens every private key (a wrong SECRETS_KEY stops the start) and rewrites those that need it. */
    async reseal(): Promise<number> {
      const rows = await db().selectFrom('signing_keys').select(['kid', 'private_jwk']).execute();
      let n = 0;
      for (const r of rows) {
        const stored = r.private_jwk;
        const jwk = openJwk(r.kid, stored);
        const current = typeof stored.sealed === 'string' ? stored.sealed : JSON.stringify(stored);
        if (!sealer.needsReseal(current)) continue;
        await db()
          .updateTable('signing_keys')
          .set({ private_jwk: sealJwk(r.kid, jwk) })
          .where('kid', '=', r.kid)
          .execute();
        n++;
      }
      return n;
    },
  };
}
export type KeysRepo = ReturnType<typeof createKeysRepo>;
