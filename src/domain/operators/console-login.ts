import type { OperatorsRepo } from '../../store/repos/operators.ts';
import type { ConsoleSessionsRepo } from '../../store/repos/console-sessions.ts';
import type { Sealer } from '../../store/sealer.ts';
import { addMinutes, type Clock } from '../clock.ts';
import type { PasswordHasher } from '../passwords/hasher.ts';
import { KiboError } from '../errors.ts';
import { isLockedAt } from '../lockout/lockout.ts';
import { hashToken, mintOpaqueToken } from '../tokens/opaque.ts';
import { normEmail, totpSealName, type OperatorRole } from './manage.ts';
import { totpStep } from './totp.ts';

/** Console sign-in and session rules (config `console`, docs/configuration.md). */
export interface ConsolePolicy {
  /** Failed logins (password or TOTP) in a row that lock the operator out… */
  maxAttempts: number;
  /** …for this long. */
  lockMinutes: number;
  /** A session unused this long ends. */
  idleMinutes: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteMinutes: number;
}

/** The password was right and a TOTP code is owed: this long to type it. */
const TOTP_STEP_MINUTES = 5;
/** Seen-at is written at most this often, not on every page. */
const TOUCH_SECONDS = 60;

export interface ConsoleOperator {
  operatorId: number;
  email: string;
  role: OperatorRole;
  tenantId: number;
}

/**
 * Operators signing in to the support console: argon2id password (a decoy verify for an unknown
 * email), lockout as for shoppers, then a TOTP code when the operator has a secret. A session is a
 * random cookie value stored as its SHA-256; each step of the sign-in gets a new one.
 */
export function createConsoleLogin(deps: {
  operators: OperatorsRepo;
  sessions: ConsoleSessionsRepo;
  hasher: PasswordHasher;
  sealer: Sealer;
  clock: Clock;
  policy: ConsolePolicy;
}) {
  const { operators, sessions, hasher, sealer, clock, policy } = deps;

  async function startSession(operatorId: number, stage: 'totp' | 'full'): Promise<string> {
    const token = mintOpaqueToken();
    const now = clock.now();
    await sessions.insert({
      id_hash: hashToken(token),
      operator_id: operatorId,
      stage,
      created_at: now,
      last_seen_at: now,
      expires_at: addMinutes(now, stage === 'totp' ? TOTP_STEP_MINUTES : policy.absoluteMinutes),
    });
    return token;
  }

  // The shoppers' lockout rule (domain/lockout/lockout.ts, its SQL in store/repos/lockout.ts); an
  // operator has no admin lock, only `disabled`, which the password step answers on its own.
  const assertUnlocked = (lockedUntil: Date | null) => {
    if (isLockedAt({ is_locked: false, locked_until: lockedUntil }, clock.now()))
      throw new KiboError('ACCOUNT_LOCKED', 'Too many failed sign-ins; try again later');
  };
  const fail = (operatorId: number) =>
    operators.recordFailure(operatorId, policy.maxAttempts, policy.lockMinutes, clock.now());

  /** The live session of `token` at `stage`, or undefined; an expired or idle one is removed. */
  async function resume(token: string | undefined, stage: 'totp' | 'full'): Promise<ConsoleOperator | undefined> {
    if (!token) return undefined;
    const idHash = hashToken(token);
    const s = await sessions.find(idHash);
    if (!s) return undefined;
    const now = clock.now();
    const idle = now.getTime() - s.last_seen_at.getTime() >= policy.idleMinutes * 60_000;
    if (s.disabled || idle || now >= s.expires_at) {
      await sessions.delete(idHash);
      return undefined;
    }
    if (s.stage !== stage) return undefined;
    if (now.getTime() - s.last_seen_at.getTime() >= TOUCH_SECONDS * 1000) await sessions.touch(idHash, now);
    return { operatorId: s.operator_id, email: s.email, role: s.role, tenantId: s.tenant_id };
  }

  return {
    resume: (token: string | undefined) => resume(token, 'full'),

    /**
     * Email and password. Answers a session at stage 'full', or 'totp' when a code is owed.
     * @throws INVALID_CREDENTIALS | ACCOUNT_LOCKED
     */
    async passwordStep(email: string, password: string): Promise<{ token: string; stage: 'totp' | 'full' }> {
      const row = await operators.findByEmail(normEmail(email));
      if (!row) {
        await hasher.decoy(password);
        throw new KiboError('INVALID_CREDENTIALS', 'Wrong email or password');
      }
      assertUnlocked(row.locked_until);
      const ok = await hasher.verify(row.password_hash, password);
      if (!ok) await fail(row.id);
      // A disabled operator learns nothing more than a wrong password would tell.
      if (!ok || row.disabled) throw new KiboError('INVALID_CREDENTIALS', 'Wrong email or password');
      if (row.totp_secret) return { token: await startSession(row.id, 'totp'), stage: 'totp' };
      await operators.recordLogin(row.id, clock.now());
      return { token: await startSession(row.id, 'full'), stage: 'full' };
    },

    /**
     * The TOTP code of a session at stage 'totp'; a good code is spent (no replay) and answers a new
     * session at stage 'full'. @throws UNAUTHORIZED (no such step) | INVALID_CODE | ACCOUNT_LOCKED
     */
    async totpStep(token: string | undefined, code: string): Promise<string> {
      const pending = await resume(token, 'totp');
      const row = pending && (await operators.findById(pending.operatorId));
      if (!row?.totp_secret) throw new KiboError('UNAUTHORIZED', 'Sign in again');
      assertUnlocked(row.locked_until);
      const step = totpStep(sealer.open(row.totp_secret, totpSealName(row.id)), code.trim(), clock.now());
      if (step === null || !(await operators.spendTotpStep(row.id, step))) {
        await fail(row.id);
        throw new KiboError('INVALID_CODE', 'Wrong or used code');
      }
      await sessions.delete(hashToken(token!));
      await operators.recordLogin(row.id, clock.now());
      return startSession(row.id, 'full');
    },

    async logout(token: string | undefined): Promise<void> {
      if (token) await sessions.delete(hashToken(token));
    },
  };
}
export type ConsoleLogin = ReturnType<typeof createConsoleLogin>;
