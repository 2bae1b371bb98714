import { sql, type Selectable } from 'kysely';
import type { Db } from '../db.ts';
import type { SessionsTable } from '../schema.ts';
import { batched } from '../batch.ts';

export type SessionRow = Selectable<SessionsTable>;

export interface NewSession {
  id: string;
  tenantId: number;
  siteId: number;
  customerSet: string;
  accountId: number | null;
  userId: string;
  anonymous: boolean;
  clientId: string;
  impersonatedBy?: string | null;
  cartId?: string | null;
  previousAnonymousId?: string | null;
  accessMinutes: number;
  refreshMinutes: number;
  createdAt: Date;
}

export interface TokenPair {
  accessHash: string;
  accessExpiresAt: Date;
  refreshHash: string;
  refreshExpiresAt: Date;
}

/**
 * A session is one login chain: every access and refresh token descended from one login. Revoking
 * the session revokes them all.
 */
export interface RefreshScope {
  tenantId: number;
  customerSet: string;
  /** when given, the token must belong to this account */
  accountId?: number;
}

/**
 * A session is one login chain: every access and refresh token descended from one login. Revoking
 * the session revokes them all. The calls on every ticket's path (create, find, access-token
 * lookup, refresh, new tokens) are batched: concurrent calls share one statement.
 */
export function createSessionsRepo(db: Db) {
  const sessionValues = (s: NewSession) => ({
    id: s.id, tenant_id: s.tenantId, site_id: s.siteId, customer_set: s.customerSet, account_id: s.accountId,
    user_id: s.userId, anonymous: s.anonymous, client_id: s.clientId, impersonated_by: s.impersonatedBy ?? null,
    cart_id: s.cartId ?? null, previous_anonymous_id: s.previousAnonymousId ?? null,
    access_minutes: s.accessMinutes, refresh_minutes: s.refreshMinutes, created_at: s.createdAt,
  });
  const accessValues = (sessionId: string, t: TokenPair, at: Date) => ({ token_hash: t.accessHash, session_id: sessionId, expires_at: t.accessExpiresAt, created_at: at });
  const refreshValues = (sessionId: string, t: TokenPair, at: Date) => ({ token_hash: t.refreshHash, session_id: sessionId, expires_at: t.refreshExpiresAt, created_at: at });

  // One statement inserts the sessions and both kinds of token: atomic without a transaction.
  const create = batched(async (items: readonly { s: NewSession; t: TokenPair }[]) => {
    await db
      .with('s', (q) => q.insertInto('sessions').values(items.map((i) => sessionValues(i.s))))
      .with('a', (q) => q.insertInto('access_tokens').values(items.map((i) => accessValues(i.s.id, i.t, i.s.createdAt))))
      .insertInto('refresh_tokens').values(items.map((i) => refreshValues(i.s.id, i.t, i.s.createdAt)))
      .execute();
    return items.map(() => undefined);
  });

  const addTokens = batched(async (items: readonly { sessionId: string; t: TokenPair; at: Date }[]) => {
    await db
      .with('a', (q) => q.insertInto('access_tokens').values(items.map((i) => accessValues(i.sessionId, i.t, i.at))))
      .insertInto('refresh_tokens').values(items.map((i) => refreshValues(i.sessionId, i.t, i.at)))
      .execute();
    return items.map(() => undefined);
  });

  const find = batched(async (ids: readonly string[]) => {
    const rows = await db.selectFrom('sessions').selectAll().where('id', 'in', [...new Set(ids)]).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id));
  });

  const findByAccessHash = batched(async (hashes: readonly string[]) => {
    const rows = await db.selectFrom('access_tokens').innerJoin('sessions', 'sessions.id', 'access_tokens.session_id')
      .selectAll('sessions').select(['access_tokens.expires_at as access_expires_at', 'access_tokens.token_hash as access_hash'])
      .where('access_tokens.token_hash', 'in', [...new Set(hashes)]).execute();
    const byHash = new Map(rows.map(({ access_hash, ...row }) => [access_hash, row]));
    return hashes.map((h) => byHash.get(h));
  });

  /**
   * Retires live refresh tokens with one conditional update: a token is spent only if it is unused,
   * unexpired, its chain is live and in the caller's scope. Of concurrent callers with the same
   * token the database updates the row once, and exactly one caller receives it.
   */
  const consume = batched(async (items: readonly { hash: string; scope: RefreshScope; now: Date }[]) => {
    const now = new Date(Math.max(...items.map((i) => i.now.getTime())));
    const wanted = sql.join(items.map((i) => sql`(${i.hash}::text, ${i.scope.tenantId}::integer, ${i.scope.customerSet}::text, ${i.scope.accountId ?? null}::integer)`));
    const { rows } = await sql<SessionRow & { token_hash: string }>`
      update refresh_tokens r set consumed_at = ${now}
      from sessions s, (values ${wanted}) as q(hash, tenant_id, customer_set, account_id)
      where r.token_hash = q.hash and s.id = r.session_id
        and s.tenant_id = q.tenant_id and s.customer_set = q.customer_set
        and (q.account_id is null or s.account_id = q.account_id)
        and r.consumed_at is null and r.expires_at > ${now} and s.revoked_at is null
      returning r.token_hash, s.*`.execute(db);
    const won = new Map(rows.map(({ token_hash, ...session }) => [token_hash, session as SessionRow]));
    return items.map((i) => {
      const session = won.get(i.hash);
      won.delete(i.hash); // the same token twice in one batch: only the first caller gets the chain
      return session;
    });
  });

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
    async findRefresh(hash: string): Promise<{ sessionId: string; consumedAt: Date | null; expiresAt: Date; accountId: number | null; tenantId: number; customerSet: string; revokedAt: Date | null } | undefined> {
      const r = await db.selectFrom('refresh_tokens').innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .select(['refresh_tokens.session_id', 'refresh_tokens.consumed_at', 'refresh_tokens.expires_at', 'sessions.account_id', 'sessions.tenant_id', 'sessions.customer_set', 'sessions.revoked_at'])
        .where('refresh_tokens.token_hash', '=', hash).executeTakeFirst();
      return r && {
        sessionId: r.session_id, consumedAt: r.consumed_at, expiresAt: r.expires_at, accountId: r.account_id,
        tenantId: r.tenant_id, customerSet: r.customer_set, revokedAt: r.revoked_at,
      };
    },

    /** Spends a refresh token if it may be used in `scope`; answers its live chain, or undefined. */
    consumeRefresh(hash: string, scope: RefreshScope, now: Date): Promise<SessionRow | undefined> {
      return consume({ hash, scope, now });
    },

    async addTokens(sessionId: string, t: TokenPair, at: Date): Promise<void> {
      await addTokens({ sessionId, t, at });
    },

    async revoke(id: string, reason: string, at: Date): Promise<void> {
      await db.updateTable('sessions').set({ revoked_at: at, revoke_reason: reason }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    },

    /** Revokes every live session of an account except `keep` (the caller's own). */
    async revokeAccount(accountId: number, reason: string, at: Date, keep?: string): Promise<number> {
      let q = db.updateTable('sessions').set({ revoked_at: at, revoke_reason: reason })
        .where('account_id', '=', accountId).where('revoked_at', 'is', null);
      if (keep) q = q.where('id', '!=', keep);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}
export type SessionsRepo = ReturnType<typeof createSessionsRepo>;
