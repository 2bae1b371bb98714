import type { AccountRow, AccountScope, AccountsRepo } from '../../store/repos/accounts.ts';
import { KiboError } from '../errors.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A plausible email address: something@domain.tld, no spaces. */
export function isEmailAddress(s: string): boolean {
  return EMAIL.test(s);
}

/** The account `id` in `scope`. @throws ITEM_NOT_FOUND */
export async function mustFindAccount(accounts: AccountsRepo, scope: AccountScope, id: number): Promise<AccountRow> {
  const row = await accounts.findById(scope, id);
  if (!row) throw new KiboError('ITEM_NOT_FOUND', `Account ${id} not found`);
  return row;
}
