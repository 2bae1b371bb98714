import type { Mailer } from '../mail/mailer.ts';
import type { Audit, AuthEventType } from './audit/events.ts';
import type { CodePurpose } from './codes/service.ts';
import type { PasswordHasher } from './passwords/hasher.ts';
import type { CodeMailer } from './twofactor/deliver.ts';

/** How a login attempt ended (a 2FA login counts `challenged_2fa`, then `success` once the code is right). */
export type LoginOutcome = 'success' | 'wrong_password' | 'unknown_user' | 'locked' | 'challenged_2fa';

/**
 * The security events the service counts (Prometheus in src/runtime/metrics.ts). No argument ever
 * names a user, an email or a token: every value is from a small fixed set, or a route pattern.
 */
export interface Telemetry {
  login(outcome: LoginOutcome): void;
  /** An account was locked: by too many failed attempts, or by an administrator. */
  lockout(reason: 'too_many_attempts' | 'admin'): void;
  /** A spent refresh token came back (its chain was revoked). */
  refreshReuse(): void;
  /** A one-time code was mailed (`ok`) or could not be. */
  codeSent(purpose: CodePurpose, ok: boolean): void;
  /** A one-time code was entered: right (`ok`) or wrong / expired / used. */
  codeChecked(purpose: CodePurpose, ok: boolean): void;
  /** A mail (any kind) could not be handed to the mail server or the outbox. */
  mailFailed(): void;
  /** A request was refused by a rate limit; `route` is the route pattern. */
  rateLimited(route: string): void;
  /** An argon2id verify (a decoy one too) as its caller waited for it, queue included. */
  argon2Verify(seconds: number): void;
  /** Password-hashing jobs sent to the hashing threads and not answered yet: +1 sent, -1 answered. */
  hashJobs(delta: 1 | -1): void;
}

/**
 * Counts the audit log's security events as they are recorded, so a metric and the audit trail
 * never disagree, and the domain services carry no second reporting call per event.
 */
export function observeAudit(audit: Audit, t: Telemetry): Audit {
  const count = (type: AuthEventType, reason: unknown) => {
    switch (type) {
      case 'login.succeeded':
        return t.login('success');
      case 'login.failed':
        if (reason === 'wrong-password') t.login('wrong_password');
        else if (reason === 'unknown-user') t.login('unknown_user');
        return; // 'wrong-old-password' is Change-Password, not a login
      case 'login.locked':
        return t.login('locked');
      case '2fa.challenged':
        if (reason !== 'resend') t.login('challenged_2fa');
        return;
      case 'account.locked':
        return t.lockout(reason === 'admin' ? 'admin' : 'too_many_attempts');
      case 'refresh.reuse_detected':
        return t.refreshReuse();
      case '2fa.passed':
      case '2fa.failed':
        return t.codeChecked('2fa', type === '2fa.passed');
      case 'otp.passed':
      case 'otp.failed':
        return t.codeChecked('otp', type === 'otp.passed');
    }
  };
  return {
    event: audit.event,
    stored(e) {
      count(e.type as AuthEventType, e.detail.reason);
      audit.stored(e);
    },
    record(ctx, type, accountId, detail) {
      count(type, detail?.reason);
      return audit.record(ctx, type, accountId, detail);
    },
  };
}

/** Counts mails that could not be sent. */
export function observeMailer(mailer: Mailer, t: Telemetry): Mailer {
  return {
    async send(message) {
      try {
        await mailer.send(message);
      } catch (err) {
        t.mailFailed();
        throw err;
      }
    },
    close: () => mailer.close(),
  };
}

/** Counts codes mailed and codes that could not be (no address, mail server down), by purpose. */
export function observeCodeMailer(codeMailer: CodeMailer, t: Telemetry): CodeMailer {
  return {
    async deliver(ctx, account, purpose, issued, claim) {
      try {
        await codeMailer.deliver(ctx, account, purpose, issued, claim);
      } catch (err) {
        t.codeSent(purpose, false);
        throw err;
      }
      t.codeSent(purpose, true);
    },
  };
}

/** Times verifies and counts the jobs owed by the hashing threads. */
export function observeHasher(hasher: PasswordHasher, t: Telemetry): PasswordHasher {
  async function owed<T>(job: () => Promise<T>): Promise<T> {
    t.hashJobs(1);
    try {
      return await job();
    } finally {
      t.hashJobs(-1);
    }
  }
  async function timed<T>(job: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await owed(job);
    } finally {
      t.argon2Verify((performance.now() - start) / 1000);
    }
  }
  return {
    hash: (password) => owed(() => hasher.hash(password)),
    verify: (stored, password) => timed(() => hasher.verify(stored, password)),
    decoy: (password) => timed(() => hasher.decoy(password)),
    needsRehash: (stored) => hasher.needsRehash(stored),
    close: () => hasher.close(),
  };
}
