import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db.ts';

/** Rows one statement removed, per table. */
export type Pruned = Record<string, number>;

/** Deletes up to `limit` rows of `table` matching `where`, found by index; one statement. */
async function deleteSome(db: Db, table: string, where: RawBuilder<unknown>, limit: number): Promise<number> {
  // ctid: every table the same way, whatever its key; a row updated meanwhile (a device seen
  // again) has a new ctid and is left alone.
  const r = await sql`
    delete from ${sql.table(table)} where ctid = any (array(select ctid from ${sql.table(table)} where ${where} limit ${limit}))`.execute(
    db,
  );
  return Number(r.numAffectedRows ?? 0);
}

/**
 * The SQL of pruning (the rules are in domain/lifecycle). Each call is one bounded statement that
 * finds its rows by index and answers how many it removed per table.
 */
export function createPruneRepo(db: Db) {
  /** Chains matching `where` (at most `limit`), with every token they issued, spent ones included. */
  async function sessionsWhere(where: RawBuilder<unknown>, limit: number): Promise<Pruned> {
    const { rows } = await sql<{ s: string; a: string; r: string }>`
      with d as (delete from sessions where id in (select id from sessions where ${where} limit ${limit}) returning id),
      a as (delete from access_tokens where session_id in (select id from d) returning 1),
      r as (delete from refresh_tokens where session_id in (select id from d) returning 1)
      select (select count(*) from d) s, (select count(*) from a) a, (select count(*) from r) r`.execute(db);
    const row = rows[0];
    return { sessions: Number(row.s), access_tokens: Number(row.a), refresh_tokens: Number(row.r) };
  }

  return {
    /** Chains past the expiry of everything they issued. */
    endedSessions: (now: Date, limit: number) => sessionsWhere(sql`live_until <= ${now}`, limit),
    /** Revoked chains: none of their tokens can be used again. */
    revokedSessions: (limit: number) => sessionsWhere(sql`revoked_at is not null`, limit),

    /** Guest chains past their end (revoked or not), with their spent tokens. */
    async endedGuestChains(now: Date, limit: number): Promise<Pruned> {
      const { rows } = await sql<{ c: string; t: string }>`
        with d as (delete from guest_chains where id in (select id from guest_chains where ends_at <= ${now} limit ${limit}) returning id),
        t as (delete from guest_spent_tokens where chain_id in (select id from d) returning 1)
        select (select count(*) from d) c, (select count(*) from t) t`.execute(db);
      return { guest_chains: Number(rows[0].c), guest_spent_tokens: Number(rows[0].t) };
    },

    appRefreshTokens: (now: Date, limit: number) =>
      deleteSome(db, 'app_refresh_tokens', sql`expires_at <= ${now}`, limit),
    /** 2FA / OTP codes, and with them the pending 2FA logins they hold. */
    codes: (now: Date, limit: number) => deleteSome(db, 'verification_codes', sql`expires_at <= ${now}`, limit),
    codeSends: (before: Date, limit: number) => deleteSome(db, 'code_sends', sql`sent_at <= ${before}`, limit),
    resets: (now: Date, limit: number) => deleteSome(db, 'password_resets', sql`expires_at <= ${now}`, limit),
    devices: (before: Date, limit: number) => deleteSome(db, 'known_devices', sql`last_seen_at <= ${before}`, limit),
    auditEvents: (before: Date, limit: number) => deleteSome(db, 'auth_events', sql`created_at <= ${before}`, limit),
    /** Server secrets named `prefix…` made before `before` (retired guest-token keys). */
    secrets: (prefix: string, before: Date, limit: number) =>
      deleteSome(db, 'server_secrets', sql`name like ${`${prefix}%`} and created_at <= ${before}`, limit),
  };
}
export type PruneRepo = ReturnType<typeof createPruneRepo>;

/** Runs `fn` holding the pruning advisory lock, or answers undefined when another instance holds it. */
export async function withPruneLock<T>(
  db: Db,
  kind: 'pglite' | 'postgres',
  fn: (db: Db) => Promise<T>,
): Promise<T | undefined> {
  const key = 0x5afe_0014; // this service's pruning lock
  const locked = async (conn: Db) => {
    const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${key}) as ok`.execute(conn);
    if (!rows[0]?.ok) return undefined;
    try {
      return await fn(conn);
    } finally {
      await sql`select pg_advisory_unlock(${key})`.execute(conn);
    }
  };
  // A session-level lock belongs to one connection: on PostgreSQL the pass holds one pool client.
  // PGlite is one session; holding its only connection would stop every request during the pass.
  if (kind === 'pglite') return locked(db);
  return db.connection().execute((conn) => locked(conn));
}

/** Gives PGlite's freed pages back for reuse (it never runs autovacuum), table by table. */
export async function vacuum(db: Db, tables: readonly string[]): Promise<void> {
  for (const t of tables) await sql`vacuum ${sql.table(t)}`.execute(db);
}
