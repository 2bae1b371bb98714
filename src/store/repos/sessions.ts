import { sql, type Selectable } from 'kysely';
import type { Db } from '../db.ts';
import { executor } from '../transaction.ts';
import type { SessionsTable } from '../schema.ts';
import { batched } from '../batch.ts';

export type SessionRow = Selectable<SessionsTable>;

/** A new login chain, as stored (not revoked yet); `ends_at` only for a chain with an absolute end. */
export type NewSession = Omit<SessionRow, 'revoked_at' | 'revoke_reason' | 'ends_at' | 'live_until'> & {
  ends_at?: Date | null;
};

export interface TokenPair {
  accessHash: string;
  accessExpiresAt: Date;
  refreshHash: string;
  refreshExpiresAt: Date;
}

/** The token pair that replaces a spent refresh token (hashes only). */
export interface Successor {
  accessHash: string;
  refreshHash: string;
}

/** Where a refresh token may be spent. */
export interface RefreshScope {
  tenantId: number;
  customerSet: string;
  /** the calling app: a chain is refreshed only by the app it was issued to */
  clientId: string;
  /** when given, the token must belong to this account */
  accountId?: number;
}

/**
 * One chain (session and its first token pair) as a JSON record: the rows of a multi-row insert
 * travel as one JSON parameter, since a parameter per value costs far more than the insert itself;
 * dates already ISO text, which is cheapest on the event loop (docs/performance.md).
 */
export function chainRecord(n: NewSession, t: TokenPair) {
  return {
    id: n.id,
    tenant_id: n.tenant_id,
    site_id: n.site_id,
    customer_set: n.customer_set,
    account_id: n.account_id,
    user_id: n.user_id,
    anonymous: n.anonymous,
    client_id: n.client_id,
    impersonated_by: n.impersonated_by,
    cart_id: n.cart_id,
    previous_anonymous_id: n.previous_anonymous_id,
    access_minutes: n.access_minutes,
    refresh_minutes: n.refresh_minutes,
    ends_at: n.ends_at ? n.ends_at.toISOString() : null,
    created_at: n.created_at.toISOString(),
    access_hash: t.accessHash,
    access_expires_at: t.accessExpiresAt.toISOString(),
    refresh_hash: t.refreshHash,
    refresh_expires_at: t.refreshExpiresAt.toISOString(),
  };
}

/** The columns of `chainRecord`, for `json_to_recordset(...) as x(<these>)`. */
export const CHAIN_COLUMNS =
  sql.raw(`id text, tenant_id integer, site_id integer, customer_set text, account_id integer,
  user_id text, anonymous boolean, client_id text, impersonated_by text, cart_id text, previous_anonymous_id text,
  access_minutes integer, refresh_minutes integer, ends_at timestamptz, created_at timestamptz, access_hash text,
  access_expires_at timestamptz, refresh_hash text, refresh_expires_at timestamptz`);

/**
 * The CTEs that store the chains of `from` (a relation with CHAIN_COLUMNS): the session and both
 * kinds of token, in the one statement they are part of, so a chain is never half-written.
 */
export function insertChains(from: string) {
  return sql.raw(`chain_sessions as (
    insert into sessions (id, tenant_id, site_id, customer_set, account_id, user_id, anonymous, client_id, impersonated_by,
      cart_id, previous_anonymous_id, access_minutes, refresh_minutes, ends_at, created_at, live_until)
    select id, tenant_id, site_id, customer_set, account_id, user_id, anonymous, client_id, impersonated_by,
      cart_id, previous_anonymous_id, access_minutes, refresh_minutes, ends_at, created_at,
      greatest(access_expires_at, refresh_expires_at) from ${from}),
  chain_access as (
    insert into access_tokens (token_hash, session_id, expires_at, created_at)
    select access_hash, id, access_expires_at, created_at from ${from}),
  chain_refresh as (
    insert into refresh_tokens (token_hash, session_id, expires_at, created_at)
    select refresh_hash, id, refresh_expires_at, created_at from ${from})`);
}

/**
 * A session is one login chain: every access and refresh token descended from one login. Revoking
 * the session revokes them all. The calls on every ticket's path (create, find, access-token
 * lookup, refresh rotation) are batched: concurrent calls share one statement.
 */
export function createSessionsRepo(root: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  const create = batched(async (items: readonly { s: NewSession; t: TokenPair }[]) => {
    const rows = JSON.stringify(items.map(({ s: n, t }) => chainRecord(n, t)));
    await sql`
      with j as (select * from json_to_recordset(${rows}::json) as x(${CHAIN_COLUMNS})),
      ${insertChains('j')}
      select 1`.execute(db());
    return items.map(() => undefined);
  });

  const find = batched(async (ids: readonly string[]) => {
    const rows = await db()
      .selectFrom('sessions')
      .selectAll()
      .where('id', 'in', [...new Set(ids)])
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id));
  });

  const findByAccessHash = batched(async (hashes: readonly string[]) => {
    const rows = await db()
      .selectFrom('access_tokens')
      .innerJoin('sessions', 'sessions.id', 'access_tokens.session_id')
      .selectAll('sessions')
      .select(['access_tokens.expires_at as access_expires_at', 'access_tokens.token_hash as access_hash'])
      .where('access_tokens.token_hash', 'in', [...new Set(hashes)])
      .execute();
    const byHash = new Map(rows.map(({ access_hash, ...row }) => [access_hash, row]));
    return hashes.map((h) => byHash.get(h));
  });

  /**
   * Rotates refresh tokens with one statement: a token is spent only if it is unused, unexpired,
   * its chain is live, before its absolute end, issued to the calling app and in the caller's scope,
   * and in the same statement the caller's successor pair is stored on that chain, its expiries taken
   * from the chain's lifetimes and never past the chain's end. Of concurrent
   * callers with the same token the database updates the row once, and exactly one caller receives
   * the chain; nobody else's successor is stored. No moment exists where the old token is spent
   * and the new one not yet stored.
   */
  const rotate = batched(
    async (items: readonly { hash: string; scope: RefreshScope; now: Date; next: Successor }[]) => {
      // Each row carries its caller's index: with one token sent twice, PostgreSQL updates the row once
      // through one matching caller's row, and that caller, and no other, receives the chain.
      const rows = JSON.stringify(
        items.map((i, n) => ({
          caller: n,
          now: i.now.toISOString(),
          hash: i.hash,
          tenant_id: i.scope.tenantId,
          customer_set: i.scope.customerSet,
          client_id: i.scope.clientId,
          account_id: i.scope.accountId ?? null,
          access_hash: i.next.accessHash,
          refresh_hash: i.next.refreshHash,
        })),
      );
      // Each token is looked up by its key inside a lateral subquery fenced with `offset 0`, and the
      // update finds its rows by `= any(array)`, so the plan is key lookups whatever the planner
      // believes of the tables' sizes. (PGlite never analyses its tables: without statistics the
      // planner guessed that few sessions are unrevoked and hash-joined a scan of all of them.)
      const { rows: won } = await sql<SessionRow & { caller: number }>`
      with q as (
        select * from json_to_recordset(${rows}::json) as x(
          caller integer, now timestamptz, hash text, tenant_id integer, customer_set text, client_id text, account_id integer,
          access_hash text, refresh_hash text)),
      m as materialized (
        select q.caller, q.now, q.access_hash, q.refresh_hash, k.*
        from q cross join lateral (
          select r.token_hash as spent, s.*
          from refresh_tokens r join sessions s on s.id = r.session_id
          where r.token_hash = q.hash and r.consumed_at is null and r.expires_at > q.now
            and s.tenant_id = q.tenant_id and s.customer_set = q.customer_set
            and (q.account_id is null or s.account_id = q.account_id) and s.revoked_at is null
            and s.client_id = q.client_id and (s.ends_at is null or s.ends_at > q.now)
          offset 0) k),
      c as (
        update refresh_tokens r set consumed_at = m.now
        from m
        where r.token_hash = any (array(select spent from m)) and r.token_hash = m.spent and r.consumed_at is null
        returning m.*),
      a as (
        insert into access_tokens (token_hash, session_id, expires_at, created_at)
        select access_hash, id, least(now + make_interval(mins => access_minutes), ends_at), now from c),
      n as (
        insert into refresh_tokens (token_hash, session_id, expires_at, created_at)
        select refresh_hash, id, least(now + make_interval(mins => refresh_minutes), ends_at), now from c),
      e as (
        update sessions s
        set live_until = greatest(s.live_until, least(c.now + make_interval(mins => greatest(c.access_minutes, c.refresh_minutes)), c.ends_at))
        from c where s.id = c.id)
      select caller, id, tenant_id, site_id, customer_set, account_id, user_id, anonymous, client_id, impersonated_by, cart_id,
        previous_anonymous_id, access_minutes, refresh_minutes, ends_at, created_at, revoked_at, revoke_reason, live_until
        from c`.execute(db());
      const byCaller = new Map(won.map(({ caller, ...session }) => [caller, session as SessionRow]));
      return items.map((_, n) => byCaller.get(n));
    },
  );

  return {
    async create(s: NewSession, tokens: TokenPair): Promise<void> {
      await create({ s, t: tokens });
    },

    find(id: string): Promise<SessionRow | undefined> {
      return find(id);
    },

    /** The session an opaque access token belongs to, with the token's expiry. */
    findByAccessHash(hash: string): Promise<(SessionRow & { access_expires_at: Date }) | undefined> {
      return findByAccessHash(hash);
    },

    /** What is known of a refresh token (to explain why it cannot be used). */
    async findRefresh(hash: string): Promise<
      | {
          sessionId: string;
          consumedAt: Date | null;
          expiresAt: Date;
          accountId: number | null;
          tenantId: number;
          customerSet: string;
          clientId: string;
          impersonatedBy: string | null;
          endsAt: Date | null;
          revokedAt: Date | null;
        }
      | undefined
    > {
      const r = await db()
        .selectFrom('refresh_tokens')
        .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .select([
          'refresh_tokens.session_id',
          'refresh_tokens.consumed_at',
          'refresh_tokens.expires_at',
          'sessions.account_id',
          'sessions.tenant_id',
          'sessions.customer_set',
          'sessions.client_id',
          'sessions.impersonated_by',
          'sessions.ends_at',
          'sessions.revoked_at',
        ])
        .where('refresh_tokens.token_hash', '=', hash)
        .executeTakeFirst();
      return (
        r && {
          sessionId: r.session_id,
          consumedAt: r.consumed_at,
          expiresAt: r.expires_at,
          accountId: r.account_id,
          tenantId: r.tenant_id,
          customerSet: r.customer_set,
          clientId: r.client_id,
          impersonatedBy: r.impersonated_by,
          endsAt: r.ends_at,
          revokedAt: r.revoked_at,
        }
      );
    },

    /**
     * Spends a refresh token if it may be used in `scope` (by that app) and stores `next` on its chain,
     * expiring `now` + the chain's lifetimes but never past its end; answers the live chain, or
     * undefined (nothing written).
     */
    rotateRefresh(hash: string, scope: RefreshScope, now: Date, next: Successor): Promise<SessionRow | undefined> {
      return rotate({ hash, scope, now, next });
    },

    async revoke(id: string, reason: string, at: Date): Promise<void> {
      await db()
        .updateTable('sessions')
        .set({ revoked_at: at, revoke_reason: reason })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    },

    /** Revokes one live session, only if it is the account's: false when it is not (or already ended). */
    async revokeOfAccount(
      scope: { tenantId: number; customerSet: string },
      accountId: number,
      id: string,
      reason: string,
      at: Date,
    ): Promise<boolean> {
      const r = await db()
        .updateTable('sessions')
        .set({ revoked_at: at, revoke_reason: reason })
        .where('id', '=', id)
        .where('tenant_id', '=', scope.tenantId)
        .where('customer_set', '=', scope.customerSet)
        .where('account_id', '=', accountId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Revokes every live session of the account `accountId` in `scope` except `keep` (the caller's own). */
    async revokeAccount(
      scope: { tenantId: number; customerSet: string },
      accountId: number,
      reason: string,
      at: Date,
      keep?: string,
    ): Promise<number> {
      let q = db()
        .updateTable('sessions')
        .set({ revoked_at: at, revoke_reason: reason })
        .where('tenant_id', '=', scope.tenantId)
        .where('customer_set', '=', scope.customerSet)
        .where('account_id', '=', accountId)
        .where('revoked_at', 'is', null);
      if (keep) q = q.where('id', '!=', keep);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}
export type SessionsRepo = ReturnType<typeof createSessionsRepo>;
