import type { AccountRow } from '../../store/repos/accounts.ts';
import { KiboError } from '../errors.ts';

/**
 * A deactivated account (`isActive: false`, Update-Account) keeps no login: deactivating it ends
 * every session (accounts/service.ts), and no login — password, second factor or one-time code —
 * completes for it until it is activated again. The refusal comes only after the secret proved
 * right, so a guesser learns nothing of the account's state; no code is mailed to it.
 */
export const isActive = (account: Pick<AccountRow, 'profile'>): boolean => account.profile.isActive !== false;

/** @throws FORBIDDEN when the account is deactivated */
export function assertActive(account: Pick<AccountRow, 'profile'>): void {
  if (!isActive(account)) throw new KiboError('FORBIDDEN', 'The account is deactivated');
}
