import { scopeOfRow, type AccountsRepo, type AccountRow } from '../../store/repos/accounts.ts';
import type { Clock } from '../clock.ts';
import type { PasswordCheck } from '../login-steps.ts';
import type { PasswordHasher } from './hasher.ts';
import { parseLegacyHash, verifyLegacyHash } from './legacy.ts';

/**
 * Verifies a login password against the stored hash and, on success, upgrades it: an argon2id
 * hash made with older parameters gets the current ones, and an imported legacy hash (bcrypt,
 * PBKDF2-SHA256; see legacy.ts) becomes argon2id, clearing hasExternalPassword/migrationRequired.
 * A failed legacy check also spends a decoy argon2id verify, so a fast legacy hash does not
 * answer faster than a real one.
 */
export function createPasswordCheck(deps: {
  hasher: PasswordHasher;
  accounts: AccountsRepo;
  clock: Clock;
}): PasswordCheck {
  const { hasher, accounts, clock } = deps;
  return {
    async verify(account: AccountRow, password: string) {
      const stored = account.password_hash;
      if (stored?.startsWith('$argon2')) {
        const ok = await hasher.verify(stored, password);
        if (ok && hasher.needsRehash(stored))
          await accounts.setPasswordHash(scopeOfRow(account), account.id, await hasher.hash(password), clock.now());
        return ok;
      }
      const legacy = stored ? parseLegacyHash(stored) : undefined;
      if (legacy) {
        const ok = await verifyLegacyHash(legacy, password);
        if (!ok) return hasher.decoy(password);
        const { passwordHash, ...flags } = await passwordSecret(hasher, password);
        await accounts.setPasswordHash(scopeOfRow(account), account.id, passwordHash, clock.now(), flags);
        return true;
      }
      return hasher.decoy(password);
    },
  };
}

/** What a new login stores for its password. */
export interface NewLoginSecret {
  passwordHash: string;
  hasExternalPassword: boolean;
  migrationRequired: boolean;
}

/** The secret stored for a password the shopper chose (argon2id; nothing left to migrate). */
export async function passwordSecret(hasher: Pick<PasswordHasher, 'hash'>, password: string): Promise<NewLoginSecret> {
  return { passwordHash: await hasher.hash(password), hasExternalPassword: false, migrationRequired: false };
}
