import { scopeOfRow, type AccountsRepo, type AccountRow } from '../../store/repos/accounts.ts';
import type { SessionsRepo } from '../../store/repos/sessions.ts';
import type { Transact } from '../../store/transaction.ts';
import { MANAGE } from '../../config/schema.ts';
import type { Audit } from '../audit/events.ts';
import type { Clock } from '../clock.ts';
import { scopeOf, type CallContext } from '../context.ts';
import { KiboError, assertThat } from '../errors.ts';
import type { Lockout } from '../lockout/lockout.ts';
import type { PasswordCheck } from '../login-steps.ts';
import { mustFindAccount } from '../accounts/lookup.ts';
import type { PasswordHasher } from './hasher.ts';
import { passwordSecret, type NewLoginSecret } from './check.ts';
import { assertPasswordPolicy } from './policy.ts';

export interface PasswordChange {
  oldPassword?: string | null;
  newPassword?: string | null;
  externalPassword?: string | null;
}

/**
 * Stores a new password and ends every other login of the account (call it inside a
 * transaction); answers how many logins it ended. Shared by the change and the reset.
 */
export function passwordStorer(deps: { accounts: AccountsRepo; sessions: SessionsRepo; clock: Clock }) {
  const { accounts, sessions, clock } = deps;
  return async function storePassword(
    account: AccountRow,
    secret: NewLoginSecret,
    reason: string,
    keepSessionId?: string,
  ): Promise<number> {
    const at = clock.now();
    const scope = scopeOfRow(account);
    await accounts.setPasswordHash(scope, account.id, secret.passwordHash, at, {
      hasExternalPassword: secret.hasExternalPassword,
      migrationRequired: secret.migrationRequired,
      passwordChanged: true,
    });
    return sessions.revokeAccount(scope, account.id, reason, at, keepSessionId);
  };
}

export interface PasswordChangeDeps {
  accounts: AccountsRepo;
  sessions: SessionsRepo;
  audit: Audit;
  lockout: Lockout;
  passwords: PasswordCheck;
  hasher: PasswordHasher;
  clock: Clock;
  /** Runs writes that belong together as one transaction (store/transaction.ts). */
  transact: Transact;
  /** Turns an imported legacy hash into what is stored (domain/passwords/legacy.ts). */
  importSecret?(externalPassword: string): NewLoginSecret | undefined;
}

/** Change-Password (CONTRACT §6). */
export function createPasswordChange(deps: PasswordChangeDeps) {
  const { accounts, audit, lockout, passwords, hasher, clock, transact } = deps;
  const storePassword = passwordStorer(deps);

  return {
    /**
     * Change-Password, by the shopper for their own account or by an app that knows the old password
     * (old password required, failures count toward the lockout), or by an app with
     * customer:manage-accounts (old password optional; may unlock, or store an imported hash as
     * externalPassword). Revokes every other login of the account, keeping the caller's own.
     * @throws FORBIDDEN | ITEM_NOT_FOUND | INVALID_CREDENTIALS | ACCOUNT_LOCKED | MISSING_OR_INVALID_PARAMETER
     */
    async changePassword(
      ctx: CallContext,
      id: number,
      change: PasswordChange,
      opts: { unlock?: boolean } = {},
    ): Promise<void> {
      const own = ctx.shopper && !ctx.shopper.anonymous && ctx.shopper.accountId === id ? ctx.shopper : undefined;
      const admin = ctx.behaviors.includes(MANAGE);
      // A shopper token names whose password may change; without one, the old password is the proof
      // (a shopper told PASSWORD_CHANGE_REQUIRED has no ticket yet), counted by the lockout.
      if (ctx.shopper && !own && !admin)
        throw new KiboError('FORBIDDEN', 'A shopper may change only their own password', { behavior: MANAGE });
      if (opts.unlock && !admin)
        throw new KiboError('FORBIDDEN', `unlockAccount needs the behavior ${MANAGE}`, { behavior: MANAGE });
      const account = await mustFindAccount(accounts, scopeOf(ctx), id);
      if (!admin)
        assertThat(change.oldPassword, 'MISSING_OR_INVALID_PARAMETER', 'oldPassword is required', {
          field: 'oldPassword',
        });
      if (change.oldPassword) {
        // An admin is exempt from the lock, not from the count.
        await lockout.check(account, ctx, { exempt: admin });
        const ok = await passwords.verify(account, change.oldPassword);
        await lockout.report(account, ok, ctx, { exempt: admin });
        if (!ok) {
          await audit.record(ctx, 'login.failed', id, { reason: 'wrong-old-password' });
          throw new KiboError('INVALID_CREDENTIALS', 'The old password is wrong');
        }
      }
      let secret: NewLoginSecret;
      if (change.newPassword) {
        assertPasswordPolicy(change.newPassword, ctx.site.login.password);
        secret = await passwordSecret(hasher, change.newPassword);
      } else if (change.externalPassword && admin) {
        const imported = deps.importSecret?.(change.externalPassword);
        if (!imported)
          throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'externalPassword is not a supported password hash', {
            field: 'externalPassword',
          });
        secret = imported;
      } else {
        throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'newPassword is required', { field: 'newPassword' });
      }
      // The new password, the revocation of every other login and the unlock hold together.
      await transact(async () => {
        const revoked = await storePassword(account, secret, 'password-changed', own?.sessionId);
        if (opts.unlock) await accounts.setLocked(scopeOfRow(account), id, false, clock.now(), ctx.clientId);
        await audit.record(ctx, 'password.changed', id, {
          by: own && !admin ? 'shopper' : 'app',
          revokedSessions: revoked,
          ...(opts.unlock ? { unlocked: true } : {}),
        });
      });
    },
  };
}
export type PasswordChanger = ReturnType<typeof createPasswordChange>;
