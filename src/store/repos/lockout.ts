/**
 * Every lockout statement, and nothing else: the failure-counting rule (`failureCounting`, which the
 * console's operators share), counting a failure (and locking), clearing the count after a correct
 * password, clearing a lockout on a password reset; a login is stamped only on an unlocked account
 * by the login's one write (logins.ts), which uses `unlockedAt` from here. The rule they carry out
 * — when to check, report, admit, and who is exempt — is
 * in domain/lockout/lockout.ts; the counting CASE below and `attemptsAt` there are twins, as are
 * `unlockedAt` and `isLockedAt`: change both together.
 *
 * Each is one statement on the account row, so every instance sharing the database sees the same
 * count and lock.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../db.ts';
import { executor } from '../transaction.ts';
import { theAccount, type AccountRow, type AccountScope } from './accounts.ts';

/**
 * Not locked at `at`: no admin lock, and no lockout running. The SQL twin of `isLockedAt` in
 * domain/lockout/lockout.ts: change both together.
 */
export function unlockedAt(at: Date | Expression<unknown>): Expression<SqlBool> {
  return sql<SqlBool>`(is_locked = false and (locked_until is null or locked_until <= ${at}))`;
}

/**
 * The failure-counting rule as SQL, for any table with `failed_attempts` and `locked_until`
 * (shoppers' accounts here, operators in repos/operators.ts): an expired lock starts a fresh
 * count, a running lock stays as it is, and the attempt that reaches `maxAttempts` locks until
 * `now + lockMinutes`. The twin of `attemptsAt` in domain/lockout/lockout.ts.
 */
export function failureCounting(now: Date, maxAttempts: number, lockMinutes: number) {
  const until = new Date(now.getTime() + lockMinutes * 60_000);
  const expired = sql<boolean>`(locked_until is not null and locked_until <= ${now})`;
  const lockedStill = sql<boolean>`(locked_until is not null and locked_until > ${now})`;
  const next = sql<number>`(case when ${expired} then 1 else failed_attempts + 1 end)`;
  return {
    expired,
    lockedStill,
    /** This attempt locks: no lock running, and the count reaches `maxAttempts`. */
    locksNow: sql<boolean>`(not ${lockedStill} and ${next} >= ${maxAttempts})`,
    set: {
      failed_attempts: next,
      locked_until: sql<Date | null>`case when ${lockedStill} then locked_until when ${next} >= ${maxAttempts} then ${until}::timestamptz else null end`,
    },
  };
}

export function createLockoutStore(root: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  return {
    /**
     * Counts one failed password attempt in a single statement (`failureCounting`), so instances
     * sharing the database agree. Answers the row as it is afterwards, and whether this attempt
     * locked it.
     */
    async recordFailedAttempt(
      scope: AccountScope,
      id: number,
      now: Date,
      maxAttempts: number,
      lockMinutes: number,
    ): Promise<{ row: AccountRow; lockedNow: boolean } | undefined> {
      const rule = failureCounting(now, maxAttempts, lockMinutes);
      const row = await db()
        .updateTable('accounts')
        .set({
          ...rule.set,
          first_failed_at: sql`case when ${rule.expired} then ${now}::timestamptz else coalesce(first_failed_at, ${now}::timestamptz) end`,
          last_locked_at: sql`case when ${rule.locksNow} then ${now}::timestamptz else last_locked_at end`,
        })
        .where(theAccount(scope, id))
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      return { row, lockedNow: row.last_locked_at !== null && row.last_locked_at.getTime() === now.getTime() };
    },

    /**
     * A correct password: clears the failure count, but only while the account is not locked
     * (a lock made meanwhile by parallel failures wins). Undefined when it is locked.
     */
    async clearFailedAttempts(scope: AccountScope, id: number, now: Date): Promise<AccountRow | undefined> {
      return db()
        .updateTable('accounts')
        .set({ failed_attempts: 0, first_failed_at: null, locked_until: null })
        .where(theAccount(scope, id))
        .where(unlockedAt(now))
        .returningAll()
        .executeTakeFirst();
    },

    /** Clears a timed lockout and the failure count (a password reset), leaving an admin lock. */
    async clearLockout(scope: AccountScope, id: number): Promise<void> {
      await db()
        .updateTable('accounts')
        .set({ locked_until: null, failed_attempts: 0, first_failed_at: null })
        .where(theAccount(scope, id))
        .execute();
    },
  };
}
export type LockoutStore = ReturnType<typeof createLockoutStore>;
