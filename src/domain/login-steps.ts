import type { AccountRow } from '../store/repos/accounts.ts';
import type { LoginRows } from '../store/repos/logins.ts';
import type { CallContext } from './context.ts';
import type { Lifetimes } from './lifetimes.ts';

/** The device facts a login may carry (CONTRACT §5). */
export interface Device {
  fingerprint?: string | null;
  region?: string | null;
  /** a fingerprint already hashed (a pending 2FA login keeps only the hash) */
  fingerprintHash?: string | null;
}

/** What a login answers when a second factor is needed: a challenge token, nothing more. */
export interface Challenge {
  requires2FA: true;
  accessToken: string;
  accessTokenExpiration: Date;
  userId: string;
}

/**
 * Lockout, fed by attempt reports (Sentinel-style): checked before the password is verified, told
 * the outcome after, and asked to admit the finished login (domain/lockout/lockout.ts).
 */
export interface LoginGuard {
  /** @throws ACCOUNT_LOCKED */
  beforeVerify(account: AccountRow, ctx: CallContext): Promise<void>;
  /**
   * Told the outcome right after the verify. Only after a correct password may it answer that the
   * password must be changed, so a wrong guess never learns it.
   * @throws ACCOUNT_LOCKED | PASSWORD_CHANGE_REQUIRED (when `ok`)
   */
  afterVerify(account: AccountRow, ok: boolean, ctx: CallContext): Promise<void>;
  /** Told of an attempt that named no account: does the work a failure does, on no account. */
  afterUnknown(ctx: CallContext): Promise<void>;
  /**
   * Records a completed login with everything it writes (one statement) unless a lock won the
   * race; answers the account as it is now.
   * @throws ACCOUNT_LOCKED
   */
  admit(account: AccountRow, ctx: CallContext, rows: LoginRows): Promise<AccountRow>;
}

/** Checks a password against an account's stored hash (argon2id, or an imported legacy hash). */
export interface PasswordCheck {
  verify(account: AccountRow, password: string): Promise<boolean>;
}

/** Decides, after a correct password, whether the login must pass a second factor. */
export interface SecondFactor {
  challengeIfNeeded(
    account: AccountRow,
    ctx: CallContext,
    device: Device,
    lifetimes: Lifetimes,
  ): Promise<Challenge | undefined>;
  /**
   * What a full login stores to make its device known: the keyed hash of its fingerprint (or the
   * one a pending 2FA login kept), null when none was sent. The login's one write stores it.
   */
  deviceKey(device: Device): Promise<string | null>;
}
