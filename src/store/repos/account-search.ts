import { sql } from 'kysely';
import type { Db } from '../db.ts';
import type { AccountRow, AccountScope } from './accounts.ts';

/** `%`, `_` and `\` taken literally in a LIKE pattern. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Finding accounts for the support console, and what its account page counts. SQL only. */
export function createAccountSearchRepo(db: Db) {
  const live = (scope: AccountScope, accountId: number, now: Date) =>
    db
      .selectFrom('sessions')
      .where('tenant_id', '=', scope.tenantId)
      .where('customer_set', '=', scope.customerSet)
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('live_until', 'is', null), eb('live_until', '>', now)]))
      .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]));
  return {
    /**
     * Accounts of `tenantId` in `customerSets` whose id is `q`, or whose email, user name, first
     * or last name (or both) contain it, case-insensitively; all of them for an empty `q`.
     */
    async search(q: {
      tenantId: number;
      customerSets: readonly string[];
      text: string;
      offset: number;
      limit: number;
    }): Promise<{ total: number; rows: AccountRow[] }> {
      const text = q.text.trim().toLowerCase();
      const pattern = `%${likeEscape(text)}%`;
      const id = /^\d{1,9}$/.test(text) ? Number(text) : undefined;
      let base = db
        .selectFrom('accounts')
        .where('tenant_id', '=', q.tenantId)
        .where('customer_set', 'in', q.customerSets.length ? [...q.customerSets] : ['']);
      if (text)
        base = base.where((eb) =>
          eb.or([
            ...(id !== undefined ? [eb('id', '=', id)] : []),
            eb('email_norm', 'like', pattern),
            eb('user_name_norm', 'like', pattern),
            eb(sql<string>`lower(concat_ws(' ', profile->>'firstName', profile->>'lastName'))`, 'like', pattern),
          ]),
        );
      const count = await base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
      const rows = await base.selectAll().orderBy('id').offset(q.offset).limit(q.limit).execute();
      return { total: Number(count.n), rows };
    },

    /** Sessions of the account that are neither revoked nor past their end. */
    async liveSessions(scope: AccountScope, accountId: number, now: Date): Promise<number> {
      const r = await live(scope, accountId, now)
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    /** Those sessions themselves, newest first, at most `limit` (the account page lists them). */
    liveSessionList: (scope: AccountScope, accountId: number, now: Date, limit: number) =>
      live(scope, accountId, now)
        .select(['id', 'client_id', 'impersonated_by', 'cart_id', 'created_at', 'live_until', 'ends_at'])
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .execute(),
  };
}
export type AccountSearchRepo = ReturnType<typeof createAccountSearchRepo>;
