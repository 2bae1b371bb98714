/**
 * Lockout, the whole rule: an account is checked before its password (or one-time code) is
 * verified, the outcome is reported after, and a finished login is admitted only while the account
 * is unlocked — a lock set meanwhile (parallel failures, an admin) wins the race. An app with
 * customer:manage-accounts changing a password is exempt. Its SQL, one statement per step, is in
 * store/repos/lockout.ts (admitting: store/repos/logins.ts, the login's one write): `attemptsAt`
 * here twins the counting CASE there (`failureCounting`), `isLockedAt` twins `unlockedAt`; change
 * both together. Console operators are locked out by the same rule: domain/operators/console-login.ts
 * uses `isLockedAt`, repos/operators.ts `failureCounting`.
 */
import { scopeOfRow, type AccountRow } from '../../store/repos/accounts.ts';
import type { LockoutStore } from '../../store/repos/lockout.ts';
import type { LoginRows, LoginWrite } from '../../store/repos/logins.ts';
import type { Audit } from '../audit/events.ts';
import type { Clock } from '../clock.ts';
import { scopeOf, type CallContext } from '../context.ts';
import { KiboError } from '../errors.ts';
import type { LoginGuard } from '../login-steps.ts';
import { assertActive } from '../accounts/active.ts';

/** Whether an account is locked at `now`: by an admin (Set-Login-Locked) or by too many failures. */
export function isLockedAt(row: Pick<AccountRow, 'is_locked' | 'locked_until'>, now: Date): boolean {
  return row.is_locked || (row.locked_until !== null && row.locked_until > now);
}

/**
 * Failed attempts still counting toward a lock at `now` (a lock that has run out starts afresh),
 * and how many remain before the next lock.
 */
export function attemptsAt(row: Pick<AccountRow, 'failed_attempts' | 'locked_until'>, now: Date, maxAttempts: number) {
  const expired = row.locked_until !== null && row.locked_until <= now;
  const failed = expired ? 0 : row.failed_attempts;
  return { failed, remaining: Math.max(0, maxAttempts - failed) };
}

/** An account id no account has (ids start at 1). */
const NO_ACCOUNT = 0;

export interface LockoutDeps {
  store: LockoutStore;
  /** a completed login's one write statement, which admits it only while unlocked */
  logins: LoginWrite;
  audit: Audit;
  clock: Clock;
}

/**
 * `exempt`: the caller is an app with customer:manage-accounts (an admin password change). It is
 * not stopped by a lock, and its outcome is still counted.
 */
export interface LockoutOptions {
  exempt?: boolean;
}

/**
 * Lockout, Sentinel-style: `check` before a password is verified, `report` after, `admit` when the
 * login completes. Counters live in the account row and change by single atomic statements, so
 * every instance on the database sees the same count and lock. Times come from the injected clock
 * (tests move it), not the database's.
 */
export function createLockout(deps: LockoutDeps) {
  const { store, logins, audit, clock } = deps;

  async function locked(account: AccountRow, ctx: CallContext, reason: string): Promise<never> {
    await audit.record(ctx, 'login.locked', account.id, { reason });
    throw new KiboError(
      'ACCOUNT_LOCKED',
      account.is_locked
        ? 'The account is locked; an administrator must unlock it'
        : 'The account is locked after too many failed attempts; try again later',
    );
  }

  const lockout = {
    /** @throws ACCOUNT_LOCKED while the account is locked (unless `exempt`) */
    async check(account: AccountRow, ctx: CallContext, opts: LockoutOptions = {}): Promise<void> {
      if (opts.exempt) return;
      if (isLockedAt(account, clock.now()))
        await locked(account, ctx, account.is_locked ? 'admin-lock' : 'too-many-attempts');
    },

    /**
     * Reports a verify outcome. A failure counts (and may lock); a success clears the count unless
     * a lock was set meanwhile. Answers the account as it is now.
     * @throws ACCOUNT_LOCKED when a correct password meets a lock made by parallel failures (unless `exempt`)
     */
    async report(account: AccountRow, ok: boolean, ctx: CallContext, opts: LockoutOptions = {}): Promise<AccountRow> {
      const now = clock.now();
      if (ok) {
        // Nothing to clear: no statement. A lock made meanwhile still stops the login, when the
        // login is admitted (store.recordLogin only stamps an unlocked account).
        if (account.failed_attempts === 0 && account.first_failed_at === null && account.locked_until === null)
          return account;
        const fresh = await store.clearFailedAttempts(scopeOfRow(account), account.id, now);
        if (fresh) return fresh;
        if (!opts.exempt) return locked(account, ctx, 'locked-meanwhile');
        await audit.record(ctx, 'login.locked', account.id, { reason: 'locked-meanwhile' });
        return account;
      }
      const { maxAttempts, lockMinutes } = ctx.site.login.lockout;
      const r = await store.recordFailedAttempt(scopeOfRow(account), account.id, now, maxAttempts, lockMinutes);
      if (r?.lockedNow)
        await audit.record(ctx, 'account.locked', account.id, {
          reason: 'too-many-attempts',
          lockMinutes,
          failedAttempts: r.row.failed_attempts,
        });
      return r?.row ?? account;
    },

    /**
     * An attempt that named no account runs the failure-counting statement too, on an id no
     * account has (ids start at 1): an unknown user then costs what a wrong password does.
     */
    async reportUnknown(ctx: CallContext): Promise<void> {
      const { maxAttempts, lockMinutes } = ctx.site.login.lockout;
      await store.recordFailedAttempt(scopeOf(ctx), NO_ACCOUNT, clock.now(), maxAttempts, lockMinutes);
    },

    /**
     * Records a completed login with everything it writes (`rows`: its chain, device and event), in
     * one statement and only on an unlocked account: a lock made while the secret was being checked
     * (parallel failures, an admin) stops the login before any token is stored.
     * Answers the account as it is now.
     * @throws ACCOUNT_LOCKED when a lock won the race
     */
    async admit(account: AccountRow, ctx: CallContext, rows: LoginRows): Promise<AccountRow> {
      const fresh = await logins({ ...rows, scope: scopeOfRow(account), accountId: account.id, at: clock.now() });
      if (!fresh) {
        await audit.record(ctx, 'login.locked', account.id, { reason: 'locked-meanwhile' });
        // (or deactivated meanwhile: the statement admits neither, and a rare race needs no second read)
        throw new KiboError('ACCOUNT_LOCKED', 'The account is locked');
      }
      return fresh;
    },

    /** A password reset ends a lockout and the failure count; an admin lock stays. */
    async release(account: AccountRow): Promise<void> {
      await store.clearLockout(scopeOfRow(account), account.id);
    },
  };
  return lockout;
}
export type Lockout = ReturnType<typeof createLockout>;

/**
 * The login guard of the ticket and code-login services: lockout before the secret is checked,
 * counting after it, and for password logins — only once the password proved right, so a guesser
 * learns nothing — the forced password change.
 */
export function createLoginGuard(
  lockout: Lockout,
  opts: { passwordLogin: boolean } = { passwordLogin: true },
): LoginGuard {
  return {
    beforeVerify: (account, ctx) => lockout.check(account, ctx),
    afterUnknown: (ctx) => lockout.reportUnknown(ctx),
    async afterVerify(account, ok, ctx) {
      const fresh = await lockout.report(account, ok, ctx);
      if (ok) assertActive(fresh);
      // A forced change concerns the password; a passwordless (OTP) login is not held up by it.
      if (ok && opts.passwordLogin && fresh.password_change_required) {
        // The caller proved the password, so it may learn which account must change it (Change-Password needs the id).
        throw new KiboError(
          'PASSWORD_CHANGE_REQUIRED',
          'The password must be changed before logging in; use Change-Password or Reset-Password',
          { accountId: account.id },
        );
      }
    },
    admit: (account, ctx, rows) => lockout.admit(account, ctx, rows),
  };
}
