import type { Selectable } from 'kysely';
import type { Db } from '../db.ts';
import type { SessionsTable } from '../schema.ts';

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
export function createSessionsRepo(db: Db) {
  async function insertTokens(trx: Db, sessionId: string, t: TokenPair, at: Date): Promise<void> {
    await trx.insertInto('access_tokens').values({ token_hash: t.accessHash, session_id: sessionId, expires_at: t.accessExpiresAt, created_at: at }).execute();
    await trx.insertInto('refresh_tokens').values({ token_hash: t.refreshHash, session_id: sessionId, expires_at: t.refreshExpiresAt, created_at: at }).execute();
  }

  return {
    async create(s: NewSession, tokens: TokenPair): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('sessions').values({
          id: s.id, tenant_id: s.tenantId, site_id: s.siteId, customer_set: s.customerSet, account_id: s.accountId,
          user_id: s.userId, anonymous: s.anonymous, client_id: s.clientId, impersonated_by: s.impersonatedBy ?? null,
          cart_id: s.cartId ?? null, previous_anonymous_id: s.previousAnonymousId ?? null,
          access_minutes: s.accessMinutes, refresh_minutes: s.refreshMinutes, created_at: s.createdAt,
        }).execute();
        await insertTokens(trx, s.id, tokens, s.createdAt);
      });
    },

    async find(id: string): Promise<SessionRow | undefined> {
      return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** The session an opaque access token belongs to, with the token's expiry. */
    async findByAccessHash(hash: string): Promise<(SessionRow & { access_expires_at: Date }) | undefined> {
      return db.selectFrom('access_tokens').innerJoin('sessions', 'sessions.id', 'access_tokens.session_id')
        .selectAll('sessions').select('access_tokens.expires_at as access_expires_at')
        .where('access_tokens.token_hash', '=', hash).executeTakeFirst();
    },

    async findRefresh(hash: string): Promise<{ sessionId: string; consumedAt: Date | null; expiresAt: Date; accountId: number | null } | undefined> {
      const r = await db.selectFrom('refresh_tokens').innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .select(['refresh_tokens.session_id', 'refresh_tokens.consumed_at', 'refresh_tokens.expires_at', 'sessions.account_id'])
        .where('refresh_tokens.token_hash', '=', hash).executeTakeFirst();
      return r && { sessionId: r.session_id, consumedAt: r.consumed_at, expiresAt: r.expires_at, accountId: r.account_id };
    },

    /**
     * Retires a live refresh token with one conditional update: of concurrent callers exactly one
     * gets the session id back.
     */
    async consumeRefresh(hash: string, now: Date): Promise<string | undefined> {
      const r = await db.updateTable('refresh_tokens').set({ consumed_at: now })
        .where('token_hash', '=', hash).where('consumed_at', 'is', null).where('expires_at', '>', now)
        .returning('session_id').executeTakeFirst();
      return r?.session_id;
    },

    async addTokens(sessionId: string, t: TokenPair, at: Date): Promise<void> {
      await db.transaction().execute((trx) => insertTokens(trx, sessionId, t, at));
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
