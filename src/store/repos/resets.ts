import type { Db } from '../db.ts';
import { executor, transaction } from '../transaction.ts';

/** Password reset codes, stored as hashes; consumed by one conditional update. */
export function createResetsRepo(base: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(base);
  return {
    /** Stores a new code for an account and retires every older live one (a new request wins). */
    async replace(r: {
      tokenHash: string;
      tenantId: number;
      accountId: number;
      expiresAt: Date;
      at: Date;
    }): Promise<void> {
      await transaction(base, async () => {
        await db()
          .updateTable('password_resets')
          .set({ consumed_at: r.at })
          .where('account_id', '=', r.accountId)
          .where('consumed_at', 'is', null)
          .execute();
        await db()
          .insertInto('password_resets')
          .values({
            token_hash: r.tokenHash,
            tenant_id: r.tenantId,
            account_id: r.accountId,
            expires_at: r.expiresAt,
            created_at: r.at,
          })
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
