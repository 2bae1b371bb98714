import { sql } from 'kysely';
import type { Db } from '../db.ts';
import { accountIn, type AccountScope } from './accounts.ts';
import { executor, transaction } from '../transaction.ts';

/** Password reset codes, stored as hashes; consumed by one conditional update. */
export function createResetsRepo(root: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  return {
    /**
     * Stores a new code for the account `accountId` in `scope` and retires every older live one (a
     * new request wins); writes nothing for an account outside `scope`.
     */
    async replace(r: {
      tokenHash: string;
      scope: AccountScope;
      accountId: number;
      expiresAt: Date;
      at: Date;
    }): Promise<void> {
      await transaction(root, async () => {
        await db()
          .updateTable('password_resets')
          .set({ consumed_at: r.at })
          .where('tenant_id', '=', r.scope.tenantId)
          .where('account_id', 'in', accountIn(db(), r.scope, r.accountId))
          .where('consumed_at', 'is', null)
          .execute();
        await db()
          .insertInto('password_resets')
          .columns(['account_id', 'token_hash', 'tenant_id', 'expires_at', 'created_at'])
          .expression(
            accountIn(db(), r.scope, r.accountId).select([
              sql<string>`${r.tokenHash}::text`.as('token_hash'),
              sql<number>`${r.scope.tenantId}::integer`.as('tenant_id'),
              sql<Date>`${r.expiresAt}::timestamptz`.as('expires_at'),
              sql<Date>`${r.at}::timestamptz`.as('created_at'),
            ]),
          )
          .execute();
      });
    },

    /** The account a live (unused, unexpired) code was issued for. */
    async findLive(tokenHash: string, now: Date): Promise<{ accountId: number; tenantId: number } | undefined> {
      const r = await db()
        .selectFrom('password_resets')
        .select(['account_id', 'tenant_id'])
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return r && { accountId: r.account_id, tenantId: r.tenant_id };
    },

    /** Retires a live, unexpired code; true for exactly one of concurrent callers. */
    async consume(tokenHash: string, now: Date): Promise<boolean> {
      const r = await db()
        .updateTable('password_resets')
        .set({ consumed_at: now })
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('token_hash')
        .executeTakeFirst();
      return r !== undefined;
    },
  };
}
export type ResetsRepo = ReturnType<typeof createResetsRepo>;
