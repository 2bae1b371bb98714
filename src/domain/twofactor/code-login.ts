import { scopeOfRow, type AccountsRepo, type AccountRow } from '../../store/repos/accounts.ts';
import type { DevicesRepo } from '../../store/repos/devices.ts';
import type { Audit } from '../audit/events.ts';
import type { Clock } from '../clock.ts';
import { generateCode, type CodeService } from '../codes/service.ts';
import { scopeOf, type CallContext } from '../context.ts';
import { isEmailAddress } from '../accounts/lookup.ts';
import { assertActive, isActive } from '../accounts/active.ts';
import { KiboError, assertThat } from '../errors.ts';
import type { Device, LoginGuard } from '../login-steps.ts';
import type { Ticket } from '../tickets/issue.ts';
import type { Lifetimes } from '../lifetimes.ts';
import { hashToken } from '../tokens/opaque.ts';
import type { CodeMailer } from './deliver.ts';
import { twoFactorThrottleKey } from './decide.ts';

export interface CodeLoginDeps {
  accounts: AccountsRepo;
  devices: DevicesRepo;
  codes: CodeService;
  mail: CodeMailer;
  guard: LoginGuard;
  audit: Audit;
  clock: Clock;
  /** Issues the full ticket (the ticket service's completeLogin). */
  completeLogin(
    account: AccountRow,
    ctx: CallContext,
    device: Device,
    lifetimes: Lifetimes,
    linkedGuest?: string,
  ): Promise<Ticket>;
  /** Told about failures of work done after the answer (OTP mail). */
  onError?: (err: unknown, what: string) => void;
}

/** How the pending login is named: the challenge token, or the shopper's userId. */
export interface PendingRef {
  challengeToken?: string;
  userId?: string | null;
}

/**
 * The code routes of CONTRACT §5: 2fa/request, 2fa/auth, otp/request, otp/auth.
 */
export function createCodeLoginService(deps: CodeLoginDeps) {
  const { accounts, devices, codes, mail, guard, audit, clock } = deps;
  const background = new Set<Promise<void>>();

  /** The account of a pending 2FA login, by challenge token (preferred) or userId. */
  async function pendingAccount(ctx: CallContext, ref: PendingRef): Promise<AccountRow | undefined> {
    if (ref.challengeToken) {
      const row = await codes.findChallenge(hashToken(ref.challengeToken));
      if (!row || row.tenant_id !== ctx.tenant.id) return undefined;
      const account = await accounts.findById(scopeOf(ctx), row.account_id);
      if (account && ref.userId && ref.userId !== account.user_id) return undefined;
      return account;
    }
    if (ref.userId) return accounts.findByUserId(scopeOf(ctx), ref.userId);
    return undefined;
  }

  function requireOtp(ctx: CallContext): void {
    // 403, not 400: the request is well formed, the site does not allow this way in.
    assertThat(
      ctx.site.login.otpLogin.enabled,
      'FORBIDDEN',
      `One-time-code login is not enabled on site ${ctx.site.id}`,
    );
  }

  function normEmail(email: string): string {
    const e = email.trim().toLowerCase();
    assertThat(isEmailAddress(e), 'MISSING_OR_INVALID_PARAMETER', 'email is not a valid email address', {
      field: 'email',
    });
    return e;
  }

  return {
    /**
     * Mails a new 2FA code for a pending login; the old code dies, the challenge token lives on.
     * @throws UNAUTHORIZED when there is no live pending login
     * @throws FORBIDDEN when the account was deactivated since the login began (nothing is mailed)
     * @throws TOO_MANY_REQUESTS | SERVICE_UNAVAILABLE
     */
    async request2fa(ctx: CallContext, ref: PendingRef): Promise<void> {
      if (!ref.challengeToken && !ref.userId) {
        throw new KiboError(
          'MISSING_OR_INVALID_PARAMETER',
          'Send the challenge token as x-vol-user-claims, or {"userId"} in the body',
          { field: 'userId' },
        );
      }
      const account = await pendingAccount(ctx, ref);
      const row = account && (await codes.findLive(scopeOfRow(account), account.id, '2fa'));
      // The token must lead to the live code (its own challenge, or an alias made by a later login).
      const viaToken = ref.challengeToken ? await codes.findChallenge(hashToken(ref.challengeToken)) : row;
      if (!account || !row || viaToken?.id !== row.id) {
        throw new KiboError('UNAUTHORIZED', 'There is no pending two-factor login; log in with the password again');
      }
      // Deactivated since the login began: answered as its completion would be, and mailed nothing.
      assertActive(account);
      const claim = await codes.throttle(twoFactorThrottleKey(account.id));
      const issued = await codes.issue({
        ...scopeOfRow(account),
        accountId: account.id,
        purpose: '2fa',
        challengeHash: row.challenge_hash,
        pending: {
          siteId: row.site_id,
          clientId: row.client_id,
          accessMinutes: row.access_minutes,
          refreshMinutes: row.refresh_minutes,
          fingerprintHash: row.fingerprint_hash,
          region: row.region,
          previousAnonymousId: row.previous_anonymous_id,
        },
      });
      await mail.deliver(ctx, account, '2fa', issued, claim);
      await audit.record(ctx, '2fa.challenged', account.id, { reason: 'resend' });
    },

    /**
     * Finishes a pending login with its emailed code: the full ticket, the device and region
     * recorded as known, and last2FaDate set.
     * @throws INVALID_CODE for a wrong, expired, used or dead code (or no pending login)
     */
    async auth2fa(ctx: CallContext, ref: PendingRef, otpCode: string): Promise<Ticket> {
      const account = await pendingAccount(ctx, ref);
      const row = account ? await codes.check(scopeOfRow(account), account.id, '2fa', otpCode) : undefined;
      if (!account || !row) {
        if (account) await audit.record(ctx, '2fa.failed', account.id, {});
        throw new KiboError('INVALID_CODE');
      }
      const now = clock.now();
      await devices.markTwoFactorPassed(scopeOfRow(account), account.id, now);
      await audit.record(ctx, '2fa.passed', account.id, {});
      const lifetimes = {
        accessMinutes: row.access_minutes ?? ctx.tenant.tokens.accessMinutes,
        refreshMinutes: row.refresh_minutes ?? ctx.tenant.tokens.refreshMinutes,
      };
      return deps.completeLogin(
        account,
        ctx,
        { region: row.region, fingerprintHash: row.fingerprint_hash },
        lifetimes,
        row.previous_anonymous_id ?? undefined,
      );
    },

    /**
     * Mails a one-time login code when the email belongs to an account of the customer set.
     * Answers alike, and about as fast, whether or not it does: both paths do the same lookups and
     * hashing, the throttle is keyed by the email (known or not), and the code is stored and
     * mailed after the answer. A failed send is logged and leaves no usable code.
     * A second request for one email within the resend interval answers alike and sends nothing:
     * the code sent first stays valid.
     * @throws FORBIDDEN when the site does not enable OTP login
     */
    async requestOtp(ctx: CallContext, email: string): Promise<void> {
      requireOtp(ctx);
      const e = normEmail(email);
      const emailKey = await codes.keyedHash('otp-email', `${ctx.tenant.id}:${ctx.site.customerSet}:${e}`);
      const claim = await codes.throttle(`otp:${emailKey}`).catch((err: unknown) => {
        if (err instanceof KiboError && err.code === 'TOO_MANY_REQUESTS') return undefined;
        throw err;
      });
      if (!claim) return;
      const account = await accounts.findByEmail(scopeOf(ctx), e);
      // A deactivated account is mailed nothing, and answered alike.
      if (!account || !isActive(account)) {
        await codes.keyedHash('code:otp', generateCode());
        return;
      }
      const job = (async () => {
        const issued = await codes.issue({
          ...scopeOfRow(account),
          accountId: account.id,
          purpose: 'otp',
          pending: {
            siteId: ctx.site.id,
            clientId: ctx.clientId,
            accessMinutes: null,
            refreshMinutes: null,
            fingerprintHash: null,
            region: null,
          },
        });
        await mail.deliver(ctx, account, 'otp', issued, claim);
      })()
        .catch((err: unknown) => {
          if (!(err instanceof KiboError)) deps.onError?.(err, 'issuing a one-time login code');
        })
        .finally(() => {
          background.delete(job);
        });
      background.add(job);
    },

    /**
     * Passwordless login with an emailed one-time code.
     * @throws FORBIDDEN when the site does not enable OTP login
     * @throws INVALID_CODE for an unknown email or a wrong, expired, used or dead code
     * @throws ACCOUNT_LOCKED from the login guard
     */
    async authOtp(ctx: CallContext, input: { email: string; otpCode: string } & Device): Promise<Ticket> {
      requireOtp(ctx);
      const e = normEmail(input.email);
      const account = await accounts.findByEmail(scopeOf(ctx), e);
      if (!account) {
        await codes.keyedHash('code:otp', input.otpCode);
        await audit.record(ctx, 'otp.failed', null, { reason: 'unknown-email' });
        throw new KiboError('INVALID_CODE');
      }
      await guard.beforeVerify(account, ctx);
      const row = await codes.check(scopeOfRow(account), account.id, 'otp', input.otpCode);
      await guard.afterVerify(account, row !== undefined, ctx);
      if (!row) {
        await audit.record(ctx, 'otp.failed', account.id, {});
        throw new KiboError('INVALID_CODE');
      }
      await audit.record(ctx, 'otp.passed', account.id, {});
      const lifetimes = {
        accessMinutes: ctx.tenant.tokens.accessMinutes,
        refreshMinutes: ctx.tenant.tokens.refreshMinutes,
      };
      return deps.completeLogin(account, ctx, { fingerprint: input.fingerprint, region: input.region }, lifetimes);
    },

    /** Resolves when mail sent after an answer has gone out (tests, graceful shutdown). */
    async idle(): Promise<void> {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
  };
}

export type CodeLoginService = ReturnType<typeof createCodeLoginService>;
