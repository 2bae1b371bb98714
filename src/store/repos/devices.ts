import type { Db } from '../db.ts';
import { executor } from '../transaction.ts';

/** Known devices per account (keyed hashes of fingerprints) and the account's last 2FA time. */
export function createDevicesRepo(base: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(base);
  return {
    async isKnown(accountId: number, fingerprintHash: string): Promise<boolean> {
      const r = await db()
        .selectFrom('known_devices')
        .select('account_id')
        .where('account_id', '=', accountId)
        .where('fingerprint_hash', '=', fingerprintHash)
        .executeTakeFirst();
      return r !== undefined;
    },

    /** Records a device as known: first seen now, or seen again now. */
    async touch(accountId: number, fingerprintHash: string, at: Date): Promise<void> {
      await db()
        .insertInto('known_devices')
        .values({ account_id: accountId, fingerprint_hash: fingerprintHash, first_seen_at: at, last_seen_at: at })
        .onConflict((oc) => oc.columns(['account_id', 'fingerprint_hash']).doUpdateSet({ last_seen_at: at }))
        .execute();
    },

    /** Sets accounts.last_2fa_at (customerAccount.last2FaDate). */
    async markTwoFactorPassed(accountId: number, at: Date): Promise<void> {
      await db().updateTable('accounts').set({ last_2fa_at: at }).where('id', '=', accountId).execute();
    },
  };
}
export type DevicesRepo = ReturnType<typeof createDevicesRepo>;
