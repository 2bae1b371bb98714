/**
 * `npm run bench -- enumeration`: do answers tell whether an account exists? For each route that
 * takes an email or user name, times requests naming a known account and an unknown one,
 * interleaved in random order (so drift and load hit both alike), and prints the medians and their
 * difference. Informational, never run in CI; see docs/performance.md ("Account enumeration").
 *
 *   BENCH_SAMPLES=400 (per side)  BENCH_ENUM_WARMUP=50 (per side, discarded)
 *   BENCH_DATABASE_URL=postgres://…   an EMPTY, throwaway database (the bench creates accounts in it)
 *   --json                            also one JSON document at the end
 */
import { performance } from 'node:perf_hooks';
import { BENCH_APP, startServer, type BenchServer } from './server.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 400);
const WARMUP = Number(process.env.BENCH_ENUM_WARMUP ?? 50);
const DATABASE_URL = process.env.BENCH_DATABASE_URL || undefined;
/** The target of issue #13: every difference under this, on PostgreSQL. */
const TARGET_MS = 0.5;
const ADMIN = { clientId: 'bench-admin', clientSecret: 'bench-admin-secret' };
const SHOPPER = { email: 'enum.shopper@example.com', password: 'Enum-passw0rd-1' };
const ACCOUNTS = '/api/commerce/customer/accounts';
const TICKETS = '/api/commerce/customer/authtickets';

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface Probe {
  path: string;
  body: unknown;
}
interface Pair {
  name: string;
  known: string;
  unknown: string;
  status: number;
  /** The i-th request of each side (i counts warm-up and measured requests together). */
  known_(i: number): Probe;
  unknown_(i: number): Probe;
}

async function post(base: string, path: string, headers: Record<string, string>, body: unknown) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'x-vol-tenant': '1', 'x-vol-site': '1', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text };
}

async function oauth(base: string, app: { clientId: string; clientSecret: string }): Promise<string> {
  const r = await post(
    base,
    '/api/platform/applications/authtickets/oauth',
    {},
    {
      client_id: app.clientId,
      client_secret: app.clientSecret,
      grant_type: 'client_credentials',
    },
  );
  if (r.status !== 200) throw new Error(`oauth ${app.clientId}: ${r.status} ${r.text}`);
  return JSON.parse(r.text).access_token as string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];

/** Times both sides of a pair, interleaved in a random order per round. */
async function measurePair(base: string, headers: Record<string, string>, pair: Pair) {
  const times = { known: [] as number[], unknown: [] as number[] };
  const wrongStatus: string[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const sides = Math.random() < 0.5 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const);
    for (const side of sides) {
      const probe = side === 'known' ? pair.known_(i) : pair.unknown_(i);
      const t0 = performance.now();
      const r = await post(base, probe.path, headers, probe.body);
      const ms = performance.now() - t0;
      if (r.status !== pair.status) wrongStatus.push(`${side} #${i}: ${r.status} ${r.text.slice(0, 200)}`);
      if (i >= WARMUP) times[side].push(ms);
    }
  }
  if (wrongStatus.length) throw new Error(`${pair.name}: unexpected answers:\n${wrongStatus.slice(0, 5).join('\n')}`);
  const known = median(times.known);
  const unknown = median(times.unknown);
  return {
    name: pair.name,
    known: pair.known,
    unknown: pair.unknown,
    samples: SAMPLES,
    knownMedianMs: known,
    unknownMedianMs: unknown,
    differenceMs: known - unknown,
    knownIqrMs: [quantile(times.known, 0.25), quantile(times.known, 0.75)],
    unknownIqrMs: [quantile(times.unknown, 0.25), quantile(times.unknown, 0.75)],
  };
}

export async function runEnumeration(): Promise<void> {
  let server: BenchServer | undefined;
  try {
    log(`enumeration: ${SAMPLES} samples per side after ${WARMUP} warm-up, ${DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`);
    server = await startServer({
      databaseUrl: DATABASE_URL,
      configure(config) {
        config.apps.push({ ...ADMIN, tenantId: 1, behaviors: ['customer:manage-accounts'] });
        // OTP on (to measure otp/request); a lockout the wrong-password side never reaches.
        config.tenants[0].sites[0].login = {
          otpLogin: { enabled: true },
          lockout: { maxAttempts: 1000, lockMinutes: 1 },
        };
      },
    });
    const base = server.baseUrl;
    const app = { authorization: `Bearer ${await oauth(base, BENCH_APP)}` };
    const admin = { authorization: `Bearer ${await oauth(base, ADMIN)}` };
    const signup = await post(base, `${ACCOUNTS}/Add-Account-And-Login`, app, {
      account: { emailAddress: SHOPPER.email, userName: 'enum-shopper' },
      password: SHOPPER.password,
    });
    if (signup.status !== 200) throw new Error(`signup: ${signup.status} ${signup.text}`);
    // otp/request throttles each email, known or not, so each request names a new one.
    log(`creating ${WARMUP + SAMPLES} accounts for otp/request…`);
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const r = await post(base, ACCOUNTS, admin, { emailAddress: `otp.known.${i}@example.com` });
      if (r.status !== 200) throw new Error(`add account: ${r.status} ${r.text}`);
    }
    const pairs: Pair[] = [
      {
        name: 'login (POST authtickets)',
        known: 'wrong password',
        unknown: 'unknown user',
        status: 401,
        known_: () => ({ path: TICKETS, body: { username: SHOPPER.email, password: 'Wrong-passw0rd-9' } }),
        unknown_: (i) => ({
          path: TICKETS,
          body: { username: `nobody.${i}@example.com`, password: 'Wrong-passw0rd-9' },
        }),
      },
      {
        name: 'Reset-Password',
        known: 'known email',
        unknown: 'unknown email',
        status: 200,
        known_: () => ({ path: `${ACCOUNTS}/Reset-Password`, body: { emailAddress: SHOPPER.email } }),
        unknown_: (i) => ({ path: `${ACCOUNTS}/Reset-Password`, body: { emailAddress: `nobody.${i}@example.com` } }),
      },
      {
        name: 'otp/request',
        known: 'known email',
        unknown: 'unknown email',
        status: 200,
        known_: (i) => ({ path: `${TICKETS}/otp/request`, body: { email: `otp.known.${i}@example.com` } }),
        unknown_: (i) => ({ path: `${TICKETS}/otp/request`, body: { email: `otp.unknown.${i}@example.com` } }),
      },
    ];
    const results = [];
    for (const pair of pairs) {
      log(`${pair.name}: ${pair.known} vs ${pair.unknown}…`);
      results.push(await measurePair(base, app, pair));
    }
    const f = (ms: number) => ms.toFixed(2);
    const rows = [
      ['route', 'known side', 'median', 'unknown side', 'median', 'difference', `< ${TARGET_MS} ms`],
      ...results.map((r) => [
        r.name,
        r.known,
        `${f(r.knownMedianMs)} ms`,
        r.unknown,
        `${f(r.unknownMedianMs)} ms`,
        `${r.differenceMs >= 0 ? '+' : ''}${f(r.differenceMs)} ms`,
        Math.abs(r.differenceMs) < TARGET_MS ? 'yes' : 'NO',
      ]),
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
    const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
    process.stdout.write(
      [
        `Account enumeration by time: ${SAMPLES} interleaved samples per side, ${DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}`,
        line(rows[0]),
        `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
        ...rows.slice(1).map(line),
        '',
      ].join('\n'),
    );
    if (process.argv.includes('--json')) process.stdout.write(JSON.stringify({ results }, null, 2) + '\n');
  } finally {
    await server?.stop().catch(() => {});
  }
}
