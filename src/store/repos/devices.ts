import type { Db } from '../db.ts';
import { executor } from '../transaction.ts';
import { accountIn, type AccountScope } from './accounts.ts';

/**
 * Known devices per account (keyed hashes of fingerprints; a login makes its device known in its
 * one write, logins.ts) and the account's last 2FA time. Every statement names the account's
 * tenant and customer set.
 */
export function createDevicesRepo(root: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  return {
    async isKnown(scope: AccountScope, accountId: number, fingerprintHash: string): Promise<boolean> {
      const r = await db()
        .selectFrom('known_devices')
        .select('account_id')
        .where('account_id', 'in', accountIn(db(), scope, accountId))
        .where('fingerprint_hash', '=', fingerprintHash)
        .executeTakeFirst();
      return r !== undefined;
    },

    /** The account's known devices, most recently seen first (the support console's account page). */
    list: (scope: AccountScope, accountId: number, limit: number) =>
      db()
        .selectFrom('known_devices')
        .select(['fingerprint_hash', 'first_seen_at', 'last_seen_at'])
        .where('account_id', 'in', accountIn(db(), scope, accountId))
        .orderBy('last_seen_at', 'desc')
        .limit(limit)
        .execute(),

    /** Sets accounts.last_2fa_at (customerAccount.last2FaDate). */
    async markTwoFactorPassed(scope: AccountScope, accountId: number, at: Date): Promise<void> {
      await db()
        .updateTable('accounts')
        .set({ last_2fa_at: at })
        .where('id', 'in', accountIn(db(), scope, accountId))
        .execute();
    },
  };
}
export type DevicesRepo = ReturnType<typeof createDevicesRepo>;
