import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LoginOutcome, Telemetry } from '../domain/telemetry.ts';
import type { PoolStats, Store } from '../store/db.ts';

export interface Metrics {
  /** What /metrics serves: process, HTTP (src/http/plugins/metrics.ts) and security metrics. */
  readonly registry: Registry;
  /** The security events the domain reports. */
  readonly telemetry: Telemetry;
  /** Reports the database pool (and PGlite's memory) at every scrape. */
  watchStore(store: Pick<Store, 'pool' | 'engineMemory'>): void;
}

const OUTCOMES: LoginOutcome[] = ['success', 'wrong_password', 'unknown_user', 'locked', 'challenged_2fa'];
const PURPOSES = ['2fa', 'otp'] as const;

/**
 * One Prometheus registry per service instance (tests run several in a process), with the security
 * metrics over the Telemetry port. Every label value comes from a fixed set or a route pattern: none
 * names a user, an email or a token. Counters whose labels are known start at zero, so dashboards
 * and rate() see them before the first event.
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const logins = new Counter({
    name: 'storefront_auth_logins_total',
    help: 'Login attempts by outcome (a 2FA login counts challenged_2fa, then success)',
    labelNames: ['outcome'],
    registers,
  });
  const lockouts = new Counter({
    name: 'storefront_auth_lockouts_total',
    help: 'Accounts locked, by reason (too_many_attempts, admin)',
    labelNames: ['reason'],
    registers,
  });
  const reuse = new Counter({
    name: 'storefront_auth_refresh_token_reuse_total',
    help: 'Spent refresh tokens presented again (the chain was revoked)',
    registers,
  });
  const codesSent = new Counter({
    name: 'storefront_auth_codes_sent_total',
    help: 'One-time codes mailed (result=sent) or not (result=failed), by purpose',
    labelNames: ['purpose', 'result'],
    registers,
  });
  const codeChecks = new Counter({
    name: 'storefront_auth_code_checks_total',
    help: 'One-time codes entered, right (result=passed) or not (result=failed), by purpose',
    labelNames: ['purpose', 'result'],
    registers,
  });
  const mailFailures = new Counter({
    name: 'storefront_auth_mail_failures_total',
    help: 'Mails that could not be handed to the mail server (or written to the outbox)',
    registers,
  });
  const rateLimited = new Counter({
    name: 'storefront_auth_rate_limited_total',
    help: 'Requests refused by a rate limit, by route pattern',
    labelNames: ['route'],
    registers,
  });
  const verify = new Histogram({
    name: 'storefront_auth_argon2_verify_seconds',
    help: 'argon2id verifies (decoys included) as the login waited for them, queue included',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const hashQueue = new Gauge({
    name: 'storefront_auth_hash_queue_depth',
    help: 'Password-hashing jobs sent to the hashing threads and not answered yet (running and waiting)',
    registers,
  });
  let store: Pick<Store, 'pool' | 'engineMemory'> | undefined;
  const poolGauge = (name: string, help: string, pick: (p: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        if (store) this.set(pick(store.pool()));
      },
    });
  poolGauge('storefront_auth_db_pool_in_use', 'Database connections running a query or transaction', (p) => p.inUse);
  poolGauge('storefront_auth_db_pool_size', 'Database connections open (PGlite: one)', (p) => p.size);
  poolGauge('storefront_auth_db_pool_waiting', 'Queries waiting for a database connection', (p) => p.waiting);

  for (const outcome of OUTCOMES) logins.inc({ outcome }, 0);
  for (const reason of ['too_many_attempts', 'admin']) lockouts.inc({ reason }, 0);
  for (const purpose of PURPOSES) for (const result of ['sent', 'failed']) codesSent.inc({ purpose, result }, 0);
  for (const purpose of PURPOSES) for (const result of ['passed', 'failed']) codeChecks.inc({ purpose, result }, 0);

  const telemetry: Telemetry = {
    login: (outcome) => logins.inc({ outcome }),
    lockout: (reason) => lockouts.inc({ reason }),
    refreshReuse: () => reuse.inc(),
    codeSent: (purpose, ok) => codesSent.inc({ purpose, result: ok ? 'sent' : 'failed' }),
    codeChecked: (purpose, ok) => codeChecks.inc({ purpose, result: ok ? 'passed' : 'failed' }),
    mailFailed: () => mailFailures.inc(),
    rateLimited: (route) => rateLimited.inc({ route }),
    argon2Verify: (seconds) => verify.observe(seconds),
    hashJobs: (delta) => hashQueue.inc(delta),
  };
  return {
    registry,
    telemetry,
    watchStore(s) {
      store = s;
      if (s.engineMemory() === undefined) return; // PostgreSQL: no engine in this process
      new Gauge({
        name: 'storefront_auth_pglite_memory_bytes',
        help: "Size of embedded PGlite's WebAssembly memory (it never shrinks)",
        registers,
        collect() {
          this.set(s.engineMemory() ?? 0);
        },
      });
    },
  };
}
