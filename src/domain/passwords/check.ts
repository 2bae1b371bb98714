import type { AccountsRepo, AccountRow } from '../../store/repos/accounts.ts';
import type { Clock } from '../clock.ts';
import type { PasswordCheck } from '../tickets/hooks.ts';
import type { PasswordHasher } from './hasher.ts';

/**
 * Verifies a login password against the stored hash and, on success, upgrades a hash made with
 * older parameters to the current argon2id ones.
 */
export function createPasswordCheck(deps: { hasher: PasswordHasher; accounts: AccountsRepo; clock: Clock }): PasswordCheck {
  const { hasher, accounts, clock } = deps;
  return {
    async verify(account: AccountRow, password: string) {
      const stored = account.password_hash;
      if (!stored || !stored.startsWith('$argon2')) {
        await hasher.decoy(password);
        return false;
      }
      const ok = await hasher.verify(stored, password);
      if (ok && hasher.needsRehash(stored)) await accounts.setPasswordHash(account.id, await hasher.hash(password), clock.now());
      return ok;
    },
  };
}

/** What a new login stores for its password. */
export interface NewLoginSecret {
  passwordHash: string;
  hasExternalPassword: boolean;
  migrationRequired: boolean;
}
