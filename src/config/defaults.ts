import fs from 'node:fs';
import os from 'node:os';
import type {
  ConfigFile,
  ConsoleSettings,
  LoginSettings,
  RateLimitGroup,
  RateLimitRule,
  Retention,
  TokenSettings,
} from './schema.ts';

/** Login settings a site gets for every field its config leaves out. */
export const defaultLogin: LoginSettings = {
  twoFactor: { always: false, onNewFingerprint: false, onNewRegion: false },
  otpLogin: { enabled: false },
  lockout: { maxAttempts: 6, lockMinutes: 30 },
  password: { minLength: 8, requireLetter: true, requireDigit: true },
};

/** Token lifetimes (minutes) a tenant gets for every field its config leaves out. */
export const defaultTokens: TokenSettings = {
  accessMinutes: 60,
  refreshMinutes: 43200, // 30 days
  maxAccessMinutes: 1440, // 24 h
  maxRefreshMinutes: 129600, // 90 days
  impersonationMinutes: 60, // at most 480 (schema)
};

/**
 * Rate limits per group of routes (CONTRACT §8), each per client IP and per target account (the
 * user name / email / user id / client id the request names), counted over a fixed window.
 * login: POST authtickets; signup: Add-Account-And-Login; codes: 2FA and OTP request/auth;
 * reset: Reset-Password, Update-Forgotten-Password; appLogin: the app OAuth route (per client_id);
 * accountData: the writes of contacts, attributes and the bulk account routes (per account id);
 * console: the support console's sign-in steps, POST /console/login and /login/totp (per operator email).
 */
export const defaultRateLimits: Record<RateLimitGroup, RateLimitRule> = {
  login: { perIp: 30, perAccount: 10, windowSeconds: 60 },
  signup: { perIp: 30, perAccount: 10, windowSeconds: 60 },
  codes: { perIp: 30, perAccount: 10, windowSeconds: 60 },
  reset: { perIp: 10, perAccount: 5, windowSeconds: 60 },
  appLogin: { perIp: 60, perAccount: 30, windowSeconds: 60 },
  accountData: { perIp: 300, perAccount: 60, windowSeconds: 60 },
  console: { perIp: 20, perAccount: 10, windowSeconds: 60 },
};

/**
 * Retention: known devices unused for 180 days and audit events older than a year are removed (0
 * keeps audit events forever); a pruning pass every 60 s (±20 % jitter) in statements of at most
 * 1,000 rows; the guest-token key rotates weekly.
 */
export const defaultRetention: Retention = {
  deviceDays: 180,
  auditDays: 365,
  intervalSeconds: 60,
  batchSize: 1000,
  guestKeyDays: 7,
};

/**
 * Support console: a session ends after 30 minutes unused or 12 hours after sign-in; five failed
 * sign-ins in a row lock an operator out for 15 minutes.
 */
export const defaultConsole: ConsoleSettings = {
  idleMinutes: 30,
  absoluteMinutes: 720,
  maxAttempts: 5,
  lockMinutes: 15,
};

/** Signing keys: a new one every 90 days, published an hour before it signs. */
export const defaultKeys = { rotateDays: 90, publishAheadMinutes: 60 };

/** OWASP's argon2id recommendation: m=19 MiB, t=2, p=1. */
export const defaultArgon2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

/**
 * Hashing threads: one per core the process may use, at most 8. One event loop answers ~1,000
 * logins/s at best (~1 ms of its time each) and 8 threads verify ~900/s at the default parameters,
 * so more would only queue behind it; and in a container whose CPU quota is below the host's core
 * count, availableParallelism() still counts the host's cores.
 */
export const defaultHashThreads = (): number => Math.min(os.availableParallelism(), 8);

/**
 * The cores this process may use, for WORKERS=auto: os.availableParallelism() (the CPU affinity),
 * lowered to a cgroup v2 CPU quota when one is set (`cpu.max` "200000 100000" = 2 cores; a
 * container's quota is not seen by availableParallelism). `cpuMax` is the text of cpu.max.
 */
export function coresAvailable(parallelism: number, cpuMax: string | undefined): number {
  const [quota, period] = (cpuMax ?? '').trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period);
  if (quota === 'max' || !Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0) return parallelism;
  return Math.max(1, Math.min(parallelism, Math.ceil(q / p)));
}

/** coresAvailable for this process: its affinity and its cgroup's quota (Linux; elsewhere the affinity). */
export function processCores(): number {
  let cpuMax: string | undefined;
  try {
    cpuMax = fs.readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
  } catch {
    cpuMax = undefined; // not Linux, or cgroup v1: no quota to read
  }
  return coresAvailable(os.availableParallelism(), cpuMax);
}

/**
 * Hashing threads yield to the event loop (nice 10: about a tenth of its weight when both want a
 * core), so that a flood of logins slows logins, not every other route.
 */
export const defaultHashNice = 10;

/**
 * The built-in default (CONTRACT §9): tenant 1, site 1, customer set `default`, one storefront app
 * with no behaviors whose credentials come from BOOTSTRAP_CLIENT_ID/SECRET or are generated.
 */
export const builtInConfig: Omit<ConfigFile, 'apps'> = {
  tenants: [
    {
      id: 1,
      name: 'Demo',
      domain: 't1.localhost',
      customerSets: [{ code: 'default', name: 'Default' }],
      sites: [{ id: 1, name: 'Main', customerSet: 'default', login: defaultLogin }],
      tokens: defaultTokens,
    },
  ],
};
