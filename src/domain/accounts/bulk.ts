import type { AccountRow } from '../../store/repos/accounts.ts';
import type { CallContext } from '../context.ts';
import { KiboError, type ErrorCode } from '../errors.ts';
import type { AccountService, LoginSecretInput } from './service.ts';
import type { PasswordChanger as PasswordChangeService } from '../passwords/change.ts';
import type { AccountInput } from './shape.ts';

/** The slice of the password change the bulk password route uses. */
type PasswordChanger = Pick<PasswordChangeService, 'changePassword'>;

export interface BulkFailure {
  index: number;
  errorCode: ErrorCode;
  message: string;
}

export interface PasswordChangeItem {
  accountId?: number;
  userId?: string | null;
  unlockAccount?: boolean | null;
  passwordInfo?: { oldPassword?: string | null; newPassword?: string | null; externalPassword?: string | null };
}

/**
 * A failure of one item as the caller should see it; anything that is not a request error (a
 * database outage) stops the batch. A unique violation is a taken email or user name.
 */
function itemError(err: unknown): KiboError {
  if (err instanceof KiboError && err.status < 500) return err;
  if ((err as { code?: string })?.code === '23505')
    return new KiboError('VALIDATION_CONFLICT', 'An account with this email address or user name already exists');
  throw err;
}

/**
 * The admin bulk routes: each item is done on its own (its own statements and transaction), so one
 * bad item fails alone and the others stand; the answer says what became of each.
 */
export function createBulkAccounts(deps: { accounts: AccountService; passwords: PasswordChanger }) {
  const { accounts, passwords } = deps;
  return {
    /** POST /accounts/Bulk: the accounts made, in order, and the items that failed, by index. */
    async addAccounts(
      ctx: CallContext,
      items: (LoginSecretInput & { account: AccountInput })[],
    ): Promise<{ created: AccountRow[]; failures: BulkFailure[] }> {
      const created: AccountRow[] = [];
      const failures: BulkFailure[] = [];
      for (const [index, item] of items.entries()) {
        try {
          created.push(
            item.password || item.externalPassword
              ? await accounts.addWithLogin(ctx, item)
              : await accounts.add(ctx, item.account),
          );
        } catch (err) {
          const e = itemError(err);
          failures.push({ index, errorCode: e.code, message: e.message });
        }
      }
      return { created, failures };
    },

    /** POST /accounts/Change-Passwords: one result per item, in order. */
    async changePasswords(
      ctx: CallContext,
      items: PasswordChangeItem[],
    ): Promise<{ accountId: number; succeeded: boolean; errorMessage: string | null }[]> {
      const results = [];
      for (const item of items) {
        const accountId = item.accountId ?? 0;
        try {
          if (!item.accountId)
            throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'accountId is required', { field: 'accountId' });
          if (item.userId) {
            const account = await accounts.get(ctx, item.accountId);
            if (account.user_id !== item.userId)
              throw new KiboError('ITEM_NOT_FOUND', `Account ${item.accountId} has no user ${item.userId}`);
          }
          await passwords.changePassword(ctx, item.accountId, item.passwordInfo ?? {}, {
            unlock: item.unlockAccount === true,
          });
          results.push({ accountId, succeeded: true, errorMessage: null });
        } catch (err) {
          results.push({ accountId, succeeded: false, errorMessage: itemError(err).message });
        }
      }
      return results;
    },
  };
}
export type BulkAccounts = ReturnType<typeof createBulkAccounts>;
