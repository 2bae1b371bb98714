import type { AccountsRepo, AccountRow } from '../../store/repos/accounts.ts';
import type { SessionsRepo } from '../../store/repos/sessions.ts';
import type { Transact } from '../../store/transaction.ts';
import type { Audit } from '../audit/events.ts';
import type { Clock } from '../clock.ts';
import { scopeOf, type CallContext } from '../context.ts';
import { KiboError } from '../errors.ts';
import { attemptsAt, isLockedAt } from '../lockout/lockout.ts';
import { adminScope } from './access.ts';
import { mustFindAccount } from './lookup.ts';

export interface LoginStateDeps {
  accounts: AccountsRepo;
  sessions: SessionsRepo;
  audit: Audit;
  clock: Clock;
  /** Runs writes that belong together as one transaction (store/transaction.ts). */
  transact: Transact;
}

/** Kibo's LoginState, before dates become strings. */
export interface LoginState {
  isLocked: boolean;
  isPasswordChangeRequired: boolean;
  failedLoginAttemptCount: number;
  remainingLoginAttempts: number;
  firstFailedLoginAttemptOn: Date | null;
  lastLockedOn: Date | null;
  lastLoginOn: Date | null;
  lastPasswordChangeOn: Date | null;
  createdOn: Date;
  updatedOn: Date;
}

/** An account's login state as an admin sees and sets it: the state, the admin lock, the forced change. */
export function createLoginStates(deps: LoginStateDeps) {
  const { accounts, sessions, audit, clock, transact } = deps;
  const mustFind = (ctx: CallContext, id: number) => mustFindAccount(accounts, scopeOf(ctx), id);

  function stateOf(ctx: CallContext, row: AccountRow): LoginState {
    const now = clock.now();
    const { failed, remaining } = attemptsAt(row, now, ctx.site.login.lockout.maxAttempts);
    return {
      isLocked: isLockedAt(row, now),
      isPasswordChangeRequired: row.password_change_required,
      failedLoginAttemptCount: failed,
      remainingLoginAttempts: remaining,
      firstFailedLoginAttemptOn: failed > 0 ? row.first_failed_at : null,
      lastLockedOn: row.last_locked_at,
      lastLoginOn: row.last_login_at,
      lastPasswordChangeOn: row.last_password_change_at,
      createdOn: row.created_at,
      updatedOn: row.updated_at,
    };
  }

  return {
    /** @throws ITEM_NOT_FOUND */
    async loginState(
      ctx: CallContext,
      target: { id: number } | { email: string } | { userName: string },
      customerSetCode?: string | null,
    ): Promise<LoginState> {
      const scope = adminScope(ctx, customerSetCode);
      const row =
        'id' in target
          ? await accounts.findById(scope, target.id)
          : 'email' in target
            ? await accounts.findByEmail(scope, target.email)
            : await accounts.findByUserName(scope, target.userName);
      if (!row) throw new KiboError('ITEM_NOT_FOUND', 'Account not found');
      return stateOf(ctx, row);
    },

    /**
     * Set-Login-Locked: locks until unlocked, and a lock ends every session of the account at once
     * (on every instance: each request checks its session in the database); unlocking also ends a
     * lockout. @throws ITEM_NOT_FOUND
     */
    async setLocked(ctx: CallContext, id: number, locked: boolean): Promise<void> {
      const scope = scopeOf(ctx);
      await mustFind(ctx, id);
      await transact(async () => {
        const at = clock.now();
        const row = await accounts.setLocked(scope, id, locked, at, ctx.clientId);
        if (!row) throw new KiboError('ITEM_NOT_FOUND', `Account ${id} not found`);
        const revoked = locked ? await sessions.revokeAccount(scope, id, 'account-locked', at) : 0;
        await audit.record(ctx, locked ? 'account.locked' : 'account.unlocked', id, {
          reason: 'admin',
          fieldPath: 'isLocked',
          newValue: String(locked),
          ...(locked ? { revokedSessions: revoked } : {}),
        });
      });
    },

    /** Set-Password-Change-Required: the next password login must change the password first. @throws ITEM_NOT_FOUND */
    async setPasswordChangeRequired(ctx: CallContext, id: number, required: boolean): Promise<void> {
      await mustFind(ctx, id);
      await transact(async () => {
        const row = await accounts.setPasswordChangeRequired(scopeOf(ctx), id, required, clock.now(), ctx.clientId);
        if (!row) throw new KiboError('ITEM_NOT_FOUND', `Account ${id} not found`);
        await audit.record(ctx, 'password.change_required', id, {
          fieldPath: 'isPasswordChangeRequired',
          newValue: String(required),
        });
      });
    },
  };
}
export type LoginStates = ReturnType<typeof createLoginStates>;
