import type { AccountRow } from '../../store/repos/accounts.ts';
import { KiboError } from '../errors.ts';

/**
 * A deactivated account (`isActive: false`, Update-Account) keeps no login: deactivating it ends
 * every session (accounts/service.ts), and no login — password, second factor or one-time code —
 * completes for it until it is activated again. The refusal comes only after the secret proved
 * right, so a guesser learns nothing of the account's state; no code is mailed to it.
 *
 * Nobody acts as it either: an impersonation ticket (the API's impersonatecart and the console) and
 * a reset mail (the console's, and Reset-Password, which mails nothing and answers alike) are
 * refused for it. A lockout or an admin lock is another matter: support unlocks and mails a reset
 * to get a shopper out of one, so a locked, active account is served as any other.
 */
export const isActive = (account: Pick<AccountRow, 'profile'>): boolean => account.profile.isActive !== false;

/** What is refused for a deactivated account, each with the end of its message. */
const REFUSED = {
  login: '',
  impersonation: ': it cannot be impersonated until it is activated again',
  'reset-mail': ': no reset mail is sent to it until it is activated again',
} as const;

/** @throws FORBIDDEN when the account is deactivated, with a message naming what is refused */
export function assertActive(account: Pick<AccountRow, 'profile'>, refused: keyof typeof REFUSED = 'login'): void {
  if (!isActive(account)) throw new KiboError('FORBIDDEN', `The account is deactivated${REFUSED[refused]}`);
}
