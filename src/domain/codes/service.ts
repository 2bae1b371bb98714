import { createHmac, randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { CodeRow, CodesRepo, NewCode } from '../../store/repos/codes.ts';
import type { AccountScope } from '../../store/repos/accounts.ts';
import type { SecretsRepo } from '../../store/repos/secrets.ts';
import { addMinutes, addSeconds, type Clock } from '../clock.ts';
import { KiboError } from '../errors.ts';
import { digestsEqual } from '../tokens/opaque.ts';

/** What a code is for; one live code per account and purpose. */
export type CodePurpose = '2fa' | 'otp';

/** The rules every code follows (CONTRACT §5). */
export interface CodePolicy {
  /** how long a code is good for */
  ttlMinutes: number;
  /** wrong tries that kill a code */
  maxAttempts: number;
  /** minimum time between two sends for one throttle key */
  resendSeconds: number;
}

export const defaultCodePolicy: CodePolicy = { ttlMinutes: 3, maxAttempts: 3, resendSeconds: 30 };

/** The name of the HMAC key in server_secrets. */
export const CODE_SECRET_NAME = 'code-hmac-v1';

/** A 6-digit code from the CSPRNG, zero-padded (000000–999999, uniform). */
export function generateCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/** The pending login a 2FA code finishes (stored with the code). */
export type PendingLogin = Pick<
  NewCode,
  'siteId' | 'clientId' | 'accessMinutes' | 'refreshMinutes' | 'fingerprintHash' | 'region' | 'previousAnonymousId'
>;

export interface IssuedCode {
  id: string;
  /** the plain code, to be mailed; never stored or logged */
  code: string;
  expiresAt: Date;
}

/** What a new code is for: the account, its purpose, the pending login, its challenge. */
export interface NewCodeRequest {
  tenantId: number;
  customerSet: string;
  accountId: number;
  purpose: CodePurpose;
  pending: PendingLogin;
  challengeHash?: string | null;
}

export interface CodeDeps {
  codes: CodesRepo;
  secrets: SecretsRepo;
  clock: Clock;
  policy?: Partial<CodePolicy>;
}

/**
 * Codes: CSPRNG digits, stored only as HMAC-SHA256 under a server secret, short life, a cap on
 * wrong tries, atomic single use, and a resend throttle.
 */
export function createCodeService(deps: CodeDeps) {
  const { codes, secrets, clock } = deps;
  const policy: CodePolicy = { ...defaultCodePolicy, ...deps.policy };
  let key: Promise<Buffer> | undefined;

  function secret(): Promise<Buffer> {
    key ??= secrets
      .getOrCreate(CODE_SECRET_NAME, () => randomBytes(32).toString('base64url'), clock.now())
      .then((v) => Buffer.from(v, 'base64url'))
      .catch((err: unknown) => {
        key = undefined;
        throw err;
      });
    return key;
  }

  /** HMAC-SHA256 (hex) of `value` in a labelled domain, so one value never hashes alike in two uses. */
  async function keyedHash(label: string, value: string): Promise<string> {
    return createHmac('sha256', await secret())
      .update(`${label}\0${value}`, 'utf8')
      .digest('hex');
  }

  /** A code's hash is bound to its row, account and purpose: a code can't be replayed elsewhere. */
  function codeHash(row: { id: string; accountId: number; purpose: string }, code: string): Promise<string> {
    return keyedHash(`code:${row.purpose}:${row.accountId}:${row.id}`, code);
  }

  /** A fresh code and the row that stores only its keyed hash. */
  async function newCode(p: NewCodeRequest, now: Date): Promise<{ row: NewCode; issued: IssuedCode }> {
    const id = randomUUID();
    const code = generateCode();
    const expiresAt = addMinutes(now, policy.ttlMinutes);
    const row: NewCode = {
      id,
      tenantId: p.tenantId,
      customerSet: p.customerSet,
      accountId: p.accountId,
      purpose: p.purpose,
      codeHash: await codeHash({ id, accountId: p.accountId, purpose: p.purpose }, code),
      challengeHash: p.challengeHash ?? null,
      createdAt: now,
      expiresAt,
      ...p.pending,
    };
    return { row, issued: { id, code, expiresAt } };
  }

  return {
    policy,
    keyedHash,

    /** Loads (or makes) the HMAC key now, so no later call reads it first inside a transaction. */
    async ready(): Promise<void> {
      await secret();
    },

    /**
     * Claims the right to send a code for `key` (one per `resendSeconds`, across instances).
     * Returns the claim, to give back with `release` if the send fails.
     * @throws TOO_MANY_REQUESTS with the seconds to wait
     */
    async throttle(throttleKey: string): Promise<{ key: string; at: Date }> {
      const now = clock.now();
      const blockedSince = await codes.claimSend(throttleKey, now, addSeconds(now, -policy.resendSeconds));
      if (blockedSince) {
        const wait = Math.max(
          1,
          Math.ceil((blockedSince.getTime() + policy.resendSeconds * 1000 - now.getTime()) / 1000),
        );
        throw new KiboError(
          'TOO_MANY_REQUESTS',
          `A code was sent recently; ask again in ${wait} seconds`,
          { retryAfterSeconds: wait },
          wait,
        );
      }
      return { key: throttleKey, at: now };
    },

    async release(claim: { key: string; at: Date }): Promise<void> {
      await codes.releaseSend(claim.key, claim.at);
    },

    /** A new code for the account; every older live one (and its challenge token) dies. */
    async issue(p: NewCodeRequest): Promise<IssuedCode> {
      const { row, issued } = await newCode(p, clock.now());
      await codes.replace(row);
      return issued;
    },

    /**
     * The code of a login that must pass one (a correct password): a new code unless one was sent
     * to the account within the resend interval and is still live; then the challenge token
     * `p.challengeHash` is added as another way to that code and nothing is to be sent. A correct
     * password is thus never answered TOO_MANY_REQUESTS. When the code sent within the interval is
     * gone (used, or killed by wrong tries), a new one is sent at once.
     * @returns `send` (with the claim to release if the mail fails) or `reused`
     */
    async challenge(
      throttleKey: string,
      p: NewCodeRequest & { challengeHash: string },
    ): Promise<
      { kind: 'send'; issued: IssuedCode; claim: { key: string; at: Date } } | { kind: 'reused'; expiresAt: Date }
    > {
      const now = clock.now();
      const { row, issued } = await newCode(p, now);
      const claim = { key: throttleKey, at: now };
      // The send and its code are committed together: whoever finds the send finds the code.
      if (await codes.claimAndReplace(throttleKey, addSeconds(now, -policy.resendSeconds), row))
        return { kind: 'send', issued, claim };
      const scope = { tenantId: p.tenantId, customerSet: p.customerSet };
      const live = await codes.findLive(scope, p.accountId, p.purpose, now, policy.maxAttempts);
      if (live?.challenge_hash) {
        await codes.addChallengeAlias({
          tokenHash: p.challengeHash,
          challengeHash: live.challenge_hash,
          tenantId: p.tenantId,
          accountId: p.accountId,
          at: now,
        });
        return { kind: 'reused', expiresAt: live.expires_at };
      }
      await codes.forceReplace(throttleKey, row);
      return { kind: 'send', issued, claim };
    },

    /** Removes a code that could not be delivered, so no usable code is left behind. */
    async discard(id: string): Promise<void> {
      await codes.delete(id);
    },

    /** The live code a challenge token stands for. */
    async findChallenge(challengeHash: string): Promise<CodeRow | undefined> {
      return codes.findLiveByChallenge(challengeHash, clock.now(), policy.maxAttempts);
    },

    /** The live code for a purpose of the account `accountId` in `scope`. */
    async findLive(scope: AccountScope, accountId: number, purpose: CodePurpose): Promise<CodeRow | undefined> {
      return codes.findLive(scope, accountId, purpose, clock.now(), policy.maxAttempts);
    },

    /**
     * Checks `code` against the account's live code and, when right, consumes it. A try is spent
     * before comparing (atomically), the comparison is constant-time, and the consume is one
     * conditional update, so parallel callers with the right code get exactly one success.
     * Returns the consumed row, or undefined for a wrong, expired, used or dead code.
     */
    async check(
      scope: AccountScope,
      accountId: number,
      purpose: CodePurpose,
      code: string,
    ): Promise<CodeRow | undefined> {
      const now = clock.now();
      const row = await codes.takeAttempt(scope, accountId, purpose, now, policy.maxAttempts);
      if (!row) {
        // the same work as a real comparison, so a missing code costs what a wrong one does
        await codeHash({ id: 'none', accountId, purpose }, code);
        return undefined;
      }
      const ok = digestsEqual(await codeHash({ id: row.id, accountId, purpose }, code), row.code_hash);
      if (!ok) return undefined;
      return codes.consume(row.id, now);
    },
  };
}
export type CodeService = ReturnType<typeof createCodeService>;
