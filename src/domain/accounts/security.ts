import { norm, scopeOfRow, type AccountsRepo, type AccountRow, type AccountScope } from '../../store/repos/accounts.ts';
import type { SessionsRepo } from '../../store/repos/sessions.ts';
import type { ResetsRepo } from '../../store/repos/resets.ts';
import type { Transact } from '../../store/transaction.ts';
import type { AuditRepo, AuthEventQuery, AuthEventRow } from '../../store/repos/audit.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { MANAGE } from '../../config/schema.ts';
import { passwordResetMessage } from '../../mail/reset-template.ts';
import type { Audit } from '../audit/events.ts';
import { addMinutes, type Clock } from '../clock.ts';
import { scopeOf as siteScope, type CallContext } from '../context.ts';
import { mustFindAccount } from './lookup.ts';
import { KiboError, assertThat } from '../errors.ts';
import { attemptsAt, isLockedAt, type Lockout } from '../lockout/lockout.ts';
import type { PasswordHasher } from '../passwords/hasher.ts';
import { passwordSecret, type NewLoginSecret } from '../passwords/check.ts';
import { assertPasswordPolicy } from '../passwords/policy.ts';
import type { PasswordCheck } from '../login-steps.ts';
import { hashToken, mintOpaqueToken } from '../tokens/opaque.ts';

/** A reset confirmation code lives this long. */
export const RESET_CODE_MINUTES = 30;

export interface SecurityDeps {
  accounts: AccountsRepo;
  sessions: SessionsRepo;
  resets: ResetsRepo;
  auditRepo: AuditRepo;
  audit: Audit;
  lockout: Lockout;
  passwords: PasswordCheck;
  hasher: PasswordHasher;
  mailer: Pick<Mailer, 'send'>;
  clock: Clock;
  /** Runs writes that belong together as one transaction (store/transaction.ts). */
  transact: Transact;
  /** Turns an imported legacy hash into what is stored (domain/passwords/legacy.ts). */
  importSecret?(externalPassword: string): NewLoginSecret | undefined;
  /** Told about failures of work done after the answer (the reset mail). */
  onError?: (err: unknown, what: string) => void;
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

export interface PasswordChange {
  oldPassword?: string | null;
  newPassword?: string | null;
  externalPassword?: string | null;
}

export interface AuditLogQuery {
  startIndex?: number;
  pageSize?: number;
  sortBy?: string;
  filter?: string;
}

/**
 * The security lifecycle of an account: login state, admin lock, forced password change, password
 * change and reset (every other login of the account is revoked), and the audit log.
 */
export function createAccountSecurity(deps: SecurityDeps) {
  const { accounts, sessions, resets, audit, lockout, passwords, hasher, clock, transact } = deps;
  /** Reset work still running after its answer, by account: one account's requests run in order. */
  const background = new Map<number, Promise<void>>();

  /**
   * The customer set an admin call addresses: the one named, which must be the tenant's, or the site's.
   * @throws ITEM_NOT_FOUND for a customer set the tenant does not have
   */
  function scopeOf(ctx: CallContext, customerSetCode?: string | null): AccountScope {
    const code = customerSetCode?.trim();
    if (!code) return siteScope(ctx);
    if (!ctx.tenant.customerSets.some((c) => c.code === code))
      throw new KiboError('ITEM_NOT_FOUND', `Customer set ${code} not found`, { customerSetCode: code });
    return { tenantId: ctx.tenant.id, customerSet: code };
  }

  const mustFind = (ctx: CallContext, id: number) => mustFindAccount(accounts, siteScope(ctx), id);

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

  /** Stores a new password and ends every other login of the account (call it inside a transaction). */
  async function storePassword(
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
  }

  return {
    /** @throws ITEM_NOT_FOUND */
    async loginState(
      ctx: CallContext,
      target: { id: number } | { email: string } | { userName: string },
      customerSetCode?: string | null,
    ): Promise<LoginState> {
      const scope = scopeOf(ctx, customerSetCode);
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
      const scope = siteScope(ctx);
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
        const row = await accounts.setPasswordChangeRequired(siteScope(ctx), id, required, clock.now(), ctx.clientId);
        if (!row) throw new KiboError('ITEM_NOT_FOUND', `Account ${id} not found`);
        await audit.record(ctx, 'password.change_required', id, {
          fieldPath: 'isPasswordChangeRequired',
          newValue: String(required),
        });
      });
    },

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
      const account = await mustFind(ctx, id);
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

    /**
     * Reset-Password: mails a single-use confirmation code to the account's email. Answers the same,
     * and about as fast, whether or not the account exists: both do the one lookup before the
     * answer; the code is stored, audited and mailed after it (an unknown account gets no mail). A
     * failed send is logged; the caller asks again.
     * @throws MISSING_OR_INVALID_PARAMETER | ITEM_NOT_FOUND (customer set)
     */
    async requestReset(
      ctx: CallContext,
      req: { emailAddress?: string | null; userName?: string | null; customerSetCode?: string | null },
    ): Promise<void> {
      const scope = scopeOf(ctx, req.customerSetCode);
      const email = req.emailAddress?.trim();
      const userName = req.userName?.trim();
      assertThat(email || userName, 'MISSING_OR_INVALID_PARAMETER', 'emailAddress or userName is required', {
        field: 'emailAddress',
      });
      const account = email
        ? await accounts.findByEmail(scope, email)
        : await accounts.findByUserName(scope, userName!);
      if (!account?.email) return;
      const to = account.email;
      const at = clock.now();
      const send = async () => {
        const code = mintOpaqueToken();
        await resets.replace({
          tokenHash: hashToken(code),
          scope: scopeOfRow(account),
          accountId: account.id,
          expiresAt: addMinutes(at, RESET_CODE_MINUTES),
          at,
        });
        await audit.record(ctx, 'password.reset_requested', account.id, {});
        await deps.mailer.send(
          passwordResetMessage(to, {
            userName: account.user_name ?? to,
            code,
            minutes: RESET_CODE_MINUTES,
            siteName: ctx.site.name,
          }),
        );
      };
      // After the previous request for this account, so the last code mailed is the live one.
      const job: Promise<void> = (background.get(account.id) ?? Promise.resolve())
        .then(send)
        .catch((err: unknown) => deps.onError?.(err, 'sending a password reset code'))
        .finally(() => {
          if (background.get(account.id) === job) background.delete(account.id);
        });
      background.set(account.id, job);
    },

    /** Resolves when reset mail sent after an answer has gone out (tests, graceful shutdown). */
    async idle(): Promise<void> {
      while (background.size > 0) await Promise.allSettled([...background.values()]);
    },

    /**
     * Update-Forgotten-Password: spends a confirmation code (once, before it expires) and sets the
     * new password; ends a lockout (not an admin lock) and every login of the account.
     * @throws INVALID_CODE | MISSING_OR_INVALID_PARAMETER
     */
    async completeReset(
      ctx: CallContext,
      info: { userName?: string | null; confirmationCode?: string | null; newPassword?: string | null },
    ): Promise<void> {
      const userName = info.userName?.trim();
      assertThat(userName, 'MISSING_OR_INVALID_PARAMETER', 'userName is required', { field: 'userName' });
      assertThat(info.confirmationCode, 'MISSING_OR_INVALID_PARAMETER', 'confirmationCode is required', {
        field: 'confirmationCode',
      });
      assertThat(info.newPassword, 'MISSING_OR_INVALID_PARAMETER', 'newPassword is required', { field: 'newPassword' });
      assertPasswordPolicy(info.newPassword, ctx.site.login.password);
      // The code names its account, in whichever customer set Reset-Password was asked for; the user
      // name must be that account's user name or email. A wrong user name leaves the code unspent.
      const hash = hashToken(info.confirmationCode);
      const now = clock.now();
      const pending = await resets.findLive(hash, now);
      const account =
        pending && pending.tenantId === ctx.tenant.id
          ? await accounts.findInTenant(ctx.tenant.id, pending.accountId)
          : undefined;
      const named = account && [account.user_name_norm, account.email_norm].includes(norm(userName));
      if (!account || !named) throw new KiboError('INVALID_CODE', 'The confirmation code is invalid, used or expired');
      const secret = await passwordSecret(hasher, info.newPassword);
      // The code is spent only together with the new password and the revocations.
      await transact(async () => {
        if (!(await resets.consume(hash, now)))
          throw new KiboError('INVALID_CODE', 'The confirmation code is invalid, used or expired');
        const revoked = await storePassword(account, secret, 'password-reset');
        await lockout.release(account);
        await audit.record(ctx, 'password.reset', account.id, { revokedSessions: revoked });
      });
    },

    /** AuditLog/Entries: a page of the account's auth events. @throws ITEM_NOT_FOUND | MISSING_OR_INVALID_PARAMETER */
    async auditLog(ctx: CallContext, id: number, q: AuditLogQuery) {
      await mustFind(ctx, id);
      const startIndex = q.startIndex ?? 0;
      const pageSize = q.pageSize ?? 20;
      const { total, rows } = await deps.auditRepo.listForAccount({
        ...siteScope(ctx),
        accountId: id,
        startIndex,
        pageSize,
        order: parseAuditSort(q.sortBy),
        ...parseAuditFilter(q.filter),
      });
      return { startIndex, pageSize, pageCount: Math.ceil(total / pageSize), totalCount: total, rows };
    },
  };
}

const bad = (field: string, why: string) => new KiboError('MISSING_OR_INVALID_PARAMETER', why, { field });

/** `entryDate desc` (default), `entryDate asc`, `customerAuditEntryId asc|desc`. */
export function parseAuditSort(sortBy?: string): AuthEventQuery['order'] {
  if (!sortBy?.trim()) return { column: 'created_at', desc: true };
  const m = /^\s*(entryDate|customerAuditEntryId)(?:\s+(asc|desc))?\s*$/i.exec(sortBy);
  if (!m) throw bad('sortBy', 'sortBy must be entryDate or customerAuditEntryId, then asc or desc');
  return {
    column: m[1].toLowerCase() === 'entrydate' ? 'created_at' : 'id',
    desc: (m[2] ?? 'asc').toLowerCase() === 'desc',
  };
}

/**
 * Terms joined by `and`: `description eq <event type>` (repeatable: any of them), and
 * `entryDate gt|ge|lt|le <ISO date>`. Values may be quoted.
 */
export function parseAuditFilter(filter?: string): Pick<AuthEventQuery, 'types' | 'since' | 'until'> {
  const out: Pick<AuthEventQuery, 'types' | 'since' | 'until'> = {};
  if (!filter?.trim()) return out;
  for (const term of filter.split(/\s+and\s+/i)) {
    const m = /^\s*(description|entryDate)\s+(eq|gt|ge|lt|le)\s+(?:'([^']*)'|"([^"]*)"|(\S+))\s*$/i.exec(term);
    if (!m) throw bad('filter', `Unsupported filter term: ${term.trim().slice(0, 100)}`);
    const field = m[1].toLowerCase();
    const op = m[2].toLowerCase();
    const value = m[3] ?? m[4] ?? m[5];
    if (field === 'description') {
      if (op !== 'eq') throw bad('filter', 'description supports only eq');
      out.types = [...(out.types ?? []), value];
      continue;
    }
    const at = new Date(value);
    if (op === 'eq' || Number.isNaN(at.getTime()))
      throw bad('filter', 'entryDate needs gt, ge, lt or le and an ISO date');
    if (op === 'gt' || op === 'ge') out.since = { at, inclusive: op === 'ge' };
    else out.until = { at, inclusive: op === 'le' };
  }
  return out;
}

/** The wire CustomerAuditEntry of an event: its type is the description, its app the application. */
export function toAuditEntry(e: AuthEventRow) {
  const d = e.detail ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    customerAuditEntryId: Number(e.id),
    customerAccountId: e.account_id ?? 0,
    entryDate: e.created_at.toISOString(),
    entryUser: str(d.actor) ?? e.client_id,
    application: e.client_id,
    site: e.site_id === null ? null : String(e.site_id),
    description: e.type,
    fieldPath: str(d.fieldPath),
    oldValue: str(d.oldValue),
    newValue: str(d.newValue),
    ipAddress: e.ip,
    userAgent: e.user_agent,
    detail: d,
  };
}

export type AccountSecurity = ReturnType<typeof createAccountSecurity>;
