import { scopeOfRow, type AccountRow } from '../../store/repos/accounts.ts';
import type { DevicesRepo } from '../../store/repos/devices.ts';
import type { Audit } from '../audit/events.ts';
import type { CodeService } from '../codes/service.ts';
import { callingGuest, type CallContext } from '../context.ts';
import { KiboError } from '../errors.ts';
import type { Challenge, Device, SecondFactor } from '../login-steps.ts';
import type { Lifetimes } from '../lifetimes.ts';
import { hashToken, mintOpaqueToken } from '../tokens/opaque.ts';
import type { CodeMailer } from './deliver.ts';

export interface SecondFactorDeps {
  codes: CodeService;
  devices: DevicesRepo;
  mail: CodeMailer;
  audit: Audit;
}

export type ChallengeReason = 'always' | 'new-fingerprint' | 'new-region';

const sameRegion = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The resend throttle key of an account's 2FA codes. */
export const twoFactorThrottleKey = (accountId: number) => `2fa:${accountId}`;

/**
 * Email two-factor authentication as the login function's second step (CONTRACT §5): decides,
 * after a correct password, whether the site's rules call for a code; if so it stores the code
 * with the pending login, mails it and answers a challenge token — no session is created.
 */
export function createSecondFactor(deps: SecondFactorDeps): SecondFactor & {
  /** Keyed hash of a device fingerprint: what known_devices and pending logins store. */
  fingerprintHash(fingerprint: string): Promise<string>;
} {
  const { codes, devices, mail, audit } = deps;
  const fingerprintHash = (fp: string) => codes.keyedHash('device-fingerprint', fp);

  /**
   * Why this login needs a code, or undefined. `always` overrides the rest. A login that sends no
   * fingerprint (or no region) where the site checks them counts as new: leaving the field out
   * must not be a way around the check.
   */
  async function reasonFor(
    account: AccountRow,
    ctx: CallContext,
    device: Device,
    fpHash: string | null,
  ): Promise<ChallengeReason | undefined> {
    const rules = ctx.site.login.twoFactor;
    if (rules.always) return 'always';
    if (rules.onNewFingerprint && (!fpHash || !(await devices.isKnown(scopeOfRow(account), account.id, fpHash))))
      return 'new-fingerprint';
    if (rules.onNewRegion && account.last_region && (!device.region || !sameRegion(device.region, account.last_region)))
      return 'new-region';
    return undefined;
  }

  return {
    fingerprintHash,

    /**
     * A correct password always gets its challenge: within the resend interval it leads to the
     * code already sent (no second mail).
     * @throws SERVICE_UNAVAILABLE when the mail could not be sent (no usable code is left)
     * @throws FORBIDDEN when a code is required but the account has no email address
     */
    async challengeIfNeeded(
      account: AccountRow,
      ctx: CallContext,
      device: Device,
      lifetimes: Lifetimes,
    ): Promise<Challenge | undefined> {
      const fpHash = device.fingerprint ? await fingerprintHash(device.fingerprint) : null;
      const reason = await reasonFor(account, ctx, device, fpHash);
      if (!reason) return undefined;
      if (!account.email)
        throw new KiboError(
          'FORBIDDEN',
          'Two-factor authentication is required, but the account has no email address to send the code to',
        );
      const challengeToken = mintOpaqueToken();
      const code = await codes.challenge(twoFactorThrottleKey(account.id), {
        ...scopeOfRow(account),
        accountId: account.id,
        purpose: '2fa',
        challengeHash: hashToken(challengeToken),
        pending: {
          siteId: ctx.site.id,
          clientId: ctx.clientId,
          accessMinutes: lifetimes.accessMinutes,
          refreshMinutes: lifetimes.refreshMinutes,
          fingerprintHash: fpHash,
          region: device.region?.trim() || null,
          // the guest who began this login is linked when the code completes it
          previousAnonymousId: callingGuest(ctx) ?? null,
        },
      });
      // Inside the resend interval the code already sent stands, and this challenge leads to it.
      if (code.kind === 'send') await mail.deliver(ctx, account, '2fa', code.issued, code.claim);
      await audit.record(ctx, '2fa.challenged', account.id, {
        reason,
        ...(code.kind === 'reused' ? { codeReused: true } : {}),
      });
      const expiresAt = code.kind === 'send' ? code.issued.expiresAt : code.expiresAt;
      return {
        requires2FA: true,
        accessToken: challengeToken,
        accessTokenExpiration: expiresAt,
        userId: account.user_id,
      };
    },

    /** Every full login (signup included) makes its device known; the login's one write stores it. */
    async deviceKey(device: Device): Promise<string | null> {
      if (device.fingerprintHash) return device.fingerprintHash;
      return device.fingerprint ? fingerprintHash(device.fingerprint) : null;
    },
  };
}
