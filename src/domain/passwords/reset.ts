import { norm, scopeOfRow, type AccountsRepo } from '../../store/repos/accounts.ts';
import type { SessionsRepo } from '../../store/repos/sessions.ts';
import type { ResetsRepo } from '../../store/repos/resets.ts';
import type { Transact } from '../../store/transaction.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { passwordResetMessage } from '../../mail/reset-template.ts';
import type { Audit } from '../audit/events.ts';
import { addMinutes, type Clock } from '../clock.ts';
import type { CallContext } from '../context.ts';
import { KiboError, assertThat } from '../errors.ts';
import type { Lockout } from '../lockout/lockout.ts';
import { adminScope } from '../accounts/access.ts';
import { isActive } from '../accounts/active.ts';
import { hashToken, mintOpaqueToken } from '../tokens/opaque.ts';
import type { PasswordHasher } from './hasher.ts';
import { passwordSecret } from './check.ts';
import { assertPasswordPolicy } from './policy.ts';
import { passwordStorer } from './change.ts';

/** A reset confirmation code lives this long. */
export const RESET_CODE_MINUTES = 30;

export interface PasswordResetDeps {
  accounts: AccountsRepo;
  sessions: SessionsRepo;
  resets: ResetsRepo;
  audit: Audit;
  lockout: Lockout;
  hasher: PasswordHasher;
  mailer: Pick<Mailer, 'send'>;
  clock: Clock;
  /** Runs writes that belong together as one transaction (store/transaction.ts). */
  transact: Transact;
  /** Told about failures of work done after the answer (the reset mail). */
  onError?: (err: unknown, what: string) => void;
}

/** Reset-Password and Update-Forgotten-Password (CONTRACT §6): a mailed single-use code sets a new password. */
export function createPasswordReset(deps: PasswordResetDeps) {
  const { accounts, resets, audit, lockout, hasher, clock, transact } = deps;
  const storePassword = passwordStorer(deps);
  /** Reset work still running after its answer, by account: one account's requests run in order. */
  const background = new Map<number, Promise<void>>();

  return {
    /**
     * Reset-Password: mails a single-use confirmation code to the account's email. Answers the same,
     * and about as fast, whether or not the account exists: both do the one lookup before the
     * answer; the code is stored, audited and mailed after it (an unknown account gets no mail). A
     * failed send is logged; the caller asks again. A deactivated account gets no mail either.
     * @throws MISSING_OR_INVALID_PARAMETER | ITEM_NOT_FOUND (customer set)
     */
    async requestReset(
      ctx: CallContext,
      req: { emailAddress?: string | null; userName?: string | null; customerSetCode?: string | null },
    ): Promise<void> {
      const scope = adminScope(ctx, req.customerSetCode);
      const email = req.emailAddress?.trim();
      const userName = req.userName?.trim();
      assertThat(email || userName, 'MISSING_OR_INVALID_PARAMETER', 'emailAddress or userName is required', {
        field: 'emailAddress',
      });
      const account = email
        ? await accounts.findByEmail(scope, email)
        : await accounts.findByUserName(scope, userName!);
      // A deactivated account is mailed nothing, and answered alike (accounts/active.ts).
      if (!account?.email || !isActive(account)) return;
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
            site: ctx.site,
            firstName: account.profile?.firstName,
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
  };
}
export type PasswordReset = ReturnType<typeof createPasswordReset>;
