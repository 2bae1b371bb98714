/**
 * `npm run bench`: load-tests the real service (a child process on loopback, production argon2
 * parameters) with autocannon and compares each route with (a) the necessary-work ceiling, a bare
 * Fastify child doing only the cryptography the answer needs, measured in the same run, and (b)
 * with `--peers`, the libraries a user would pick instead (better-auth, oidc-provider), each in its
 * own child process on the same PostgreSQL, interleaved round by round with ours (issue #16).
 * Not part of the tests; never run in CI.
 *
 *   npm run bench                 table on stdout (embedded PGlite, or BENCH_DATABASE_URL)
 *   npm run bench -- --peers      ours and the peers on PostgreSQL (BENCH_PG_URL, default
 *                                 postgres://postgres@127.0.0.1:5432/test: the bench makes and
 *                                 drops its own databases on that server)
 *   npm run bench -- --json       also one JSON document at the end
 *   npm run bench -- storage      rows and bytes kept (issue #14; bench/storage.ts)
 *   npm run bench -- startup      memory and start time (bench/startup.ts); other names: SCENARIOS
 *   npm run bench -- enumeration  known vs unknown accounts: answer times (bench/enumeration.ts)
 *   BENCH_DURATION=5 BENCH_WARMUP=2   seconds per measured run / warm-up (defaults 5 / 2)
 *   BENCH_ROUNDS=3                rounds, medians reported (default 3 with --peers, else 1)
 *   BENCH_ONLY=guest,refresh      only these scenarios (guest, login, refresh, session, app, signup)
 *   BENCH_WORKERS=2               the service's WORKERS (PostgreSQL only)
 *   BENCH_DATABASE_URL=postgres://…   ours on PostgreSQL without peers (an EMPTY, throwaway database)
 *
 * See docs/performance.md for how to read the table.
 */
import os from 'node:os';
import type autocannon from 'autocannon';
import { BENCH_APP, startServer, type BenchServer } from './server.ts';
import { measureArgon2, startBareServer, type Argon2Ceiling, type BareServer } from './ceiling.ts';
import { load, type LoadOptions, type LoadResult } from './load.ts';
import { runEnumeration } from './enumeration.ts';
import { cpuMeter, sampleRss } from './proc.ts';
import pg from 'pg';
import { makeDatabase, PEERS_PG, startPeer, type PeerServer } from './peers/start.ts';

/** Named scenarios, `npm run bench -- <name>`: each a module exporting `run(args)`. */
const SCENARIOS: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  startup: () => import('./startup.ts'),
  storage: () => import('./storage.ts').then((m) => ({ run: () => m.runStorage() })),
  enumeration: async () => ({ run: () => runEnumeration() }),
};

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const PEERS = args.has('--peers');
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (PEERS ? 3 : 1));
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const WORKERS = process.env.BENCH_WORKERS;
const CONNECTIONS = 50;
/** autocannon builds each connection's next request ahead of time, so a few tokens are never sent. */
const SPARE = 2 * CONNECTIONS;
const ARGON2_CONCURRENCY = CONNECTIONS; // what the server sees: 50 logins in flight

const TICKETS = '/api/commerce/customer/authtickets';
const ANON = `${TICKETS}/anonymousshopper`;
const REFRESH = `${TICKETS}/refresh`;
const CURRENT = '/api/commerce/customer/accounts/current';
const APP_OAUTH = '/api/platform/applications/authtickets/oauth';
const SIGNUP = '/api/commerce/customer/accounts/Add-Account-And-Login';
const SHOPPER = { email: 'bench.shopper@example.com', password: 'Bench-passw0rd-1' };
const OIDC = { id: 'bench-client', secret: 'bench-client-secret' };
const BA = '/api/auth';

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** One measured run, with the peak RSS of the process that served it and the CPU it and its database spent. */
interface Run extends LoadResult {
  readonly rssMB: number;
  /** CPU ms per request of the serving process (all threads, and its workers). */
  readonly cpuMs: number;
  /** CPU ms per request of the PostgreSQL backends serving its database (0 for PGlite: in-process). */
  readonly dbCpuMs: number;
}

/** What serves a run: a process, and the database whose backends it uses (PostgreSQL). */
interface Served {
  pid: number;
  db?: string;
}

/** PostgreSQL backends per database, for CPU per request; set up in main() when PostgreSQL is used. */
let backendsOf: (db: string) => Promise<number[]> = async () => [];

/** Starts the meters of a measured run; `done(result)` adds peak RSS and CPU per request. */
async function meters(target: Served) {
  const rss = sampleRss(target.pid);
  const cpu = await cpuMeter(target.pid, () => (target.db ? backendsOf(target.db) : Promise.resolve([])));
  return async (r: LoadResult): Promise<Run> => {
    const { processMs, moreMs } = await cpu.stop();
    const n = Math.max(1, r.total);
    return { ...r, rssMB: rss.stop(), cpuMs: processMs / n, dbCpuMs: moreMs / n };
  };
}

/** What a scenario is compared with; each `run` measures one round. */
interface Side {
  name: string;
  run(): Promise<Run>;
}

interface Target {
  ceiling?: number;
  peer?: number;
}

interface Scenario {
  key: string;
  name: string;
  ours: Side;
  ceiling?: Side | 'argon2';
  peer?: Side;
  target: Target;
}

function baseHeaders(token: string): Record<string, string> {
  return { 'x-vol-tenant': '1', 'x-vol-site': '1', authorization: `Bearer ${token}` };
}

async function call(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; text: string; json: any; headers: Headers }> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
  return { status: res.status, text, json, headers: res.headers };
}

/** `opts` against the process `pid`: a warm-up (discarded), then the measured run with its peak RSS. */
async function measure(label: string, target: Served, opts: LoadOptions): Promise<Run> {
  if (WARMUP > 0) await settle(await load({ ...opts, duration: WARMUP }));
  const done = await meters(target);
  return report(label, await done(await load({ ...opts, duration: DURATION })));
}

/**
 * After a run the server still works through the requests that were in flight (50 argon2 hashes take
 * over a second on two cores): wait about as long as the slowest answer took, so that the next run
 * starts on an idle server.
 */
async function settle(r: LoadResult): Promise<void> {
  const ms = Math.min(3000, Number.isFinite(r.p99) ? r.p99 : 0);
  if (ms > 20) await new Promise((resolve) => setTimeout(resolve, ms));
}

function report(label: string, r: Run): Run {
  log(
    `${label}: ${r.requestsPerSec.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, RSS ${r.rssMB} MB, CPU/req ${r.cpuMs.toFixed(3)}+${r.dbCpuMs.toFixed(3)} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
  );
  return r;
}

/**
 * A run of single-use tokens: `mint(n)` makes n, `opts(next)` builds the load taking the next one per
 * request. Two warm-ups, then exactly as many requests as the warm-up rate fills DURATION.
 */
async function spend(
  label: string,
  target: Served,
  mint: (n: number) => Promise<string[]>,
  opts: (next: () => string) => LoadOptions,
): Promise<Run> {
  const runOn = async (n: number, sample: boolean): Promise<Run> => {
    const pool = await mint(n + SPARE);
    if (pool.length < n + SPARE) throw new Error(`${label}: minted ${pool.length} tokens, wanted ${n + SPARE}`);
    let i = 0;
    const done = sample ? await meters(target) : undefined;
    const r = await load({ ...opts(() => pool[i++] ?? 'pool-exhausted'), amount: n });
    if (!done) await settle(r);
    return done ? done(r) : { ...r, rssMB: 0, cpuMs: 0, dbCpuMs: 0 };
  };
  const sized = (rate: number, sec: number) =>
    Math.min(100_000, Math.max(CONNECTIONS * 20, Math.ceil((rate * sec) / CONNECTIONS) * CONNECTIONS));
  // The first warm-up is cold (JIT, pools) and short, so it underrates: a second one of about a
  // second, sized from it, sets the measured run's size.
  const cold = await runOn(CONNECTIONS * 20, false);
  const warm = await runOn(sized(cold.requestsPerSec, 1), false);
  return report(label, await runOn(sized(warm.requestsPerSec, DURATION), true));
}

/** Mints single-use refresh tokens by asking our service for anonymous tickets (the cheapest kind). */
async function mintOurs(baseUrl: string, appToken: string, n: number): Promise<string[]> {
  const pool: string[] = [];
  await load({
    url: baseUrl,
    path: ANON,
    connections: CONNECTIONS,
    amount: Math.ceil(n / CONNECTIONS) * CONNECTIONS,
    headers: baseHeaders(appToken),
    onResponse: (status, body) => {
      const m = status === 200 ? /"refreshToken":"([^"]+)"/.exec(body) : null;
      if (m) pool.push(m[1]);
    },
  });
  return pool;
}

/** Every sign-up needs an address of its own. */
let signups = 0;
const nextEmail = () => `bench.signup.${process.pid}.${++signups}@example.com`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The rounds of one side, summed up: medians of rate and latencies, the largest peak RSS, all errors. */
function summarize(runs: Run[]) {
  return {
    requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
    perRound: runs.map((r) => Math.round(r.requestsPerSec)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    rssMB: Math.max(...runs.map((r) => r.rssMB)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
    dbCpuMs: median(runs.map((r) => r.dbCpuMs)),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    statusCodes: Object.assign({}, ...runs.map((r) => r.statusCodes)) as Record<string, number>,
  };
}
type Summary = ReturnType<typeof summarize>;

function fmt(n: number | undefined, digits = 0): string {
  return n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '—';
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

const verdict = (ratio: number | undefined, min: number | undefined) =>
  min === undefined || ratio === undefined ? '' : ratio >= min ? ` ≥ ${min} ok` : ` < ${min} MISSED`;

async function main(): Promise<void> {
  const started = Date.now();
  const machine = {
    cpus: os.cpus().length,
    availableParallelism: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAvgAtStart: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}, load ${machine.loadAvgAtStart}`);

  const stops: (() => Promise<void>)[] = [];
  let server: BenchServer | undefined;
  const outputs: Record<string, () => string> = {};
  try {
    const tag = `sa_bench_${process.pid}`;
    let databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
    const peerDbs: Record<string, string> = {};
    if (PEERS) {
      for (const who of ['ours', 'ba', 'op']) {
        const db = await makeDatabase(`${tag}_${who}`);
        stops.push(db.drop);
        if (who === 'ours') databaseUrl = db.url;
        else peerDbs[who] = db.url;
      }
    }
    if (WORKERS && !databaseUrl) throw new Error('BENCH_WORKERS needs PostgreSQL (--peers or BENCH_DATABASE_URL)');
    log(`starting the service (${databaseUrl ? 'PostgreSQL' : 'embedded PGlite'}, WORKERS=${WORKERS ?? '1'})…`);
    server = await startServer({ databaseUrl, env: WORKERS ? { WORKERS } : {} });
    const ours = server;
    const oursT: Served = { pid: ours.pid, db: databaseUrl && new URL(databaseUrl).pathname.slice(1) };
    if (databaseUrl) {
      // The bench's own connection, to find the backends serving each database (CPU per request).
      const admin = new pg.Client({ connectionString: PEERS ? PEERS_PG : databaseUrl });
      await admin.connect();
      stops.push(() => admin.end());
      backendsOf = async (db) =>
        (await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [db])).rows.map(
          (r) => r.pid,
        );
    }
    outputs.service = ours.output;
    const { baseUrl } = ours;
    const appBody = JSON.stringify({
      client_id: BENCH_APP.clientId,
      client_secret: BENCH_APP.clientSecret,
      grant_type: 'client_credentials',
    });
    const app = await call(baseUrl, 'POST', APP_OAUTH, {}, JSON.parse(appBody));
    const appToken: string = app.json.access_token;
    const h = baseHeaders(appToken);
    await call(baseUrl, 'POST', SIGNUP, h, {
      account: { emailAddress: SHOPPER.email, userName: 'bench-shopper', firstName: 'Bench', lastName: 'Shopper' },
      password: SHOPPER.password,
    });
    const loginBody = JSON.stringify({ username: SHOPPER.email, password: SHOPPER.password });
    const login = await call(baseUrl, 'POST', TICKETS, h, JSON.parse(loginBody));
    const shopperJwt: string = login.json.jwtAccessToken;
    // Sample answers: the ceiling serves the same bodies with fresh tokens in place.
    const anonSample = await call(baseUrl, 'GET', ANON, h);
    const refreshSample = await call(
      baseUrl,
      'PUT',
      `${REFRESH}?refreshToken=${encodeURIComponent(anonSample.json.refreshToken)}`,
      h,
    );
    const currentSample = await call(baseUrl, 'GET', CURRENT, baseHeaders(shopperJwt));

    log('starting the necessary-work ceiling (bare Fastify, its own process)…');
    const ticket = { jwtField: 'jwtAccessToken', tokenFields: ['accessToken', 'refreshToken'] };
    const bare: BareServer = await startBareServer({
      guest: { body: anonSample.json, ...ticket },
      refresh: { body: refreshSample.json, ...ticket },
      session: { body: currentSample.json, verify: shopperJwt },
      app: { body: app.json, jwtField: 'access_token', tokenFields: ['refresh_token'] },
    });
    stops.push(bare.stop);
    const bareSide = (route: string, headers: Record<string, string>): Side => ({
      name: 'bare Fastify + crypto',
      run: () =>
        measure(
          `ceiling /${route}`,
          { pid: bare.pid },
          {
            url: bare.baseUrl,
            path: `/${route}`,
            connections: CONNECTIONS,
            headers,
          },
        ),
    });

    let ba: PeerServer | undefined;
    let op: PeerServer | undefined;
    let baCookie = '';
    if (PEERS) {
      log('starting the peers (better-auth, oidc-provider), each in its own process…');
      ba = await startPeer('better-auth.ts', peerDbs.ba);
      stops.push(ba.stop);
      outputs['better-auth'] = ba.output;
      op = await startPeer('oidc-provider.ts', peerDbs.op);
      stops.push(op.stop);
      outputs['oidc-provider'] = op.output;
      // A browser sends its Origin; better-auth refuses a browser-like request without one.
      const origin = { origin: ba.baseUrl };
      await call(ba.baseUrl, 'POST', `${BA}/sign-up/email`, origin, { ...SHOPPER, name: 'Bench Shopper' });
      const signin = await call(ba.baseUrl, 'POST', `${BA}/sign-in/email`, origin, SHOPPER);
      baCookie = (signin.headers.get('set-cookie') ?? '').split(';')[0];
      if (!baCookie) throw new Error('better-auth sign-in set no session cookie');
    }
    const json = { 'content-type': 'application/json' };
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const baSide = (name: string, label: string, opts: Omit<LoadOptions, 'url' | 'connections'>): Side | undefined =>
      ba && {
        name,
        run: () =>
          measure(
            `better-auth ${label}`,
            { pid: ba.pid, db: `${tag}_ba` },
            {
              url: ba.baseUrl,
              connections: CONNECTIONS,
              ...opts,
              headers: { ...opts.headers, origin: ba.baseUrl },
            },
          ),
      };
    const signupBody = () =>
      JSON.stringify({
        account: { emailAddress: nextEmail(), firstName: 'Bench', lastName: 'Signup' },
        password: SHOPPER.password,
      });

    const all: Scenario[] = [
      {
        key: 'guest',
        name: 'guest ticket',
        ours: {
          name: 'GET anonymousshopper',
          run: () => measure('guest ticket', oursT, { url: baseUrl, path: ANON, connections: CONNECTIONS, headers: h }),
        },
        ceiling: bareSide('guest', h),
        peer: baSide('better-auth anonymous sign-in', 'anonymous sign-in', {
          path: `${BA}/sign-in/anonymous`,
          method: 'POST',
          headers: json,
          body: '{}',
        }),
        target: { ceiling: 0.5, peer: 20 },
      },
      {
        key: 'login',
        name: 'password login',
        ours: {
          name: 'POST authtickets',
          run: () =>
            measure('password login', oursT, {
              url: baseUrl,
              path: TICKETS,
              method: 'POST',
              connections: CONNECTIONS,
              headers: { ...h, ...json },
              body: loginBody,
            }),
        },
        ceiling: 'argon2',
        peer: baSide('better-auth email sign-in', 'email sign-in', {
          path: `${BA}/sign-in/email`,
          method: 'POST',
          headers: json,
          body: JSON.stringify(SHOPPER),
        }),
        target: { ceiling: 0.75, peer: 1.3 },
      },
      {
        key: 'refresh',
        name: 'refresh with rotation',
        ours: {
          name: 'PUT authtickets/refresh',
          run: () =>
            spend(
              'refresh',
              oursT,
              (n) => mintOurs(baseUrl, appToken, n),
              (next) => ({
                url: baseUrl,
                path: REFRESH,
                method: 'PUT',
                connections: CONNECTIONS,
                headers: h,
                setupRequest: (req: autocannon.Request) => ({
                  ...req,
                  path: `${REFRESH}?refreshToken=${encodeURIComponent(next())}`,
                }),
              }),
            ),
        },
        ceiling: bareSide('refresh', h),
        peer: op && {
          name: 'oidc-provider refresh_token',
          run: () =>
            spend(
              'oidc-provider refresh_token',
              { pid: op.pid, db: `${tag}_op` },
              async (n) => (await call(op.baseUrl, 'POST', `/bench/mint?n=${n}`, {})).json as string[],
              (next) => ({
                url: op.baseUrl,
                path: '/token',
                method: 'POST',
                connections: CONNECTIONS,
                headers: form,
                setupRequest: (req: autocannon.Request) => ({
                  ...req,
                  body: `grant_type=refresh_token&client_id=${OIDC.id}&client_secret=${OIDC.secret}&refresh_token=${next()}`,
                }),
              }),
            ),
        },
        target: { ceiling: 0.35, peer: 8 },
      },
      {
        key: 'session',
        name: 'session check',
        ours: {
          name: 'GET accounts/current',
          run: () =>
            measure('session check', oursT, {
              url: baseUrl,
              path: CURRENT,
              connections: CONNECTIONS,
              headers: baseHeaders(shopperJwt),
            }),
        },
        ceiling: bareSide('session', baseHeaders(shopperJwt)),
        peer: baSide('better-auth get-session', 'get-session', {
          path: `${BA}/get-session`,
          headers: { cookie: baCookie },
        }),
        target: { ceiling: 0.6 },
      },
      {
        key: 'app',
        name: 'app token',
        ours: {
          name: 'POST applications/authtickets/oauth',
          run: () =>
            measure('app token', oursT, {
              url: baseUrl,
              path: APP_OAUTH,
              method: 'POST',
              connections: CONNECTIONS,
              headers: json,
              body: appBody,
            }),
        },
        ceiling: bareSide('app', {}),
        peer: op && {
          name: 'oidc-provider client_credentials',
          run: () =>
            measure(
              'oidc-provider client_credentials',
              { pid: op.pid, db: `${tag}_op` },
              {
                url: op.baseUrl,
                path: '/token',
                method: 'POST',
                connections: CONNECTIONS,
                headers: form,
                body: `grant_type=client_credentials&client_id=${OIDC.id}&client_secret=${OIDC.secret}&scope=api`,
              },
            ),
        },
        target: { peer: 2.5 },
      },
      {
        key: 'signup',
        name: 'sign-up',
        ours: {
          name: 'POST Add-Account-And-Login',
          run: () =>
            measure('sign-up', oursT, {
              url: baseUrl,
              path: SIGNUP,
              method: 'POST',
              connections: CONNECTIONS,
              headers: { ...h, ...json },
              setupRequest: (req: autocannon.Request) => ({ ...req, body: signupBody() }),
            }),
        },
        ceiling: 'argon2',
        peer: baSide('better-auth sign-up', 'sign-up', {
          path: `${BA}/sign-up/email`,
          method: 'POST',
          headers: json,
          setupRequest: (req: autocannon.Request) => ({
            ...req,
            body: JSON.stringify({ email: nextEmail(), password: SHOPPER.password, name: 'Bench Signup' }),
          }),
        }),
        target: {},
      },
    ];
    const scenarios = all.filter((s) => !ONLY || ONLY.has(s.key));

    const { defaultArgon2, defaultHashThreads } = await import('../src/config/defaults.ts');
    const hashThreads = defaultHashThreads();
    const argonRounds: { threads: Argon2Ceiling; libuv: Argon2Ceiling }[] = [];
    const argonRun = async (): Promise<Run> => {
      // The faster of the service's own way (its hashing threads) and libuv's pool, measured while
      // every server idles.
      const ms = DURATION * 1000;
      const threads = await measureArgon2(defaultArgon2, ARGON2_CONCURRENCY, ms, 1000, hashThreads);
      const libuv = await measureArgon2(defaultArgon2, ARGON2_CONCURRENCY, ms, 1000);
      argonRounds.push({ threads, libuv });
      const faster = threads.verifiesPerSec >= libuv.verifiesPerSec ? threads : libuv;
      const best = faster.verifiesPerSec;
      log(
        `ceiling argon2id: ${threads.verifiesPerSec.toFixed(1)}/s on threads, ${libuv.verifiesPerSec.toFixed(1)}/s on libuv`,
      );
      return {
        requestsPerSec: best,
        p50: NaN,
        p99: NaN,
        total: 0,
        non2xx: 0,
        errors: 0,
        durationSec: DURATION,
        statusCodes: {},
        rssMB: NaN,
        cpuMs: faster.cpuMsPerVerify,
        dbCpuMs: 0,
      };
    };
    const needsArgon = scenarios.some((s) => s.ceiling === 'argon2');

    const results = new Map<string, { ours: Run[]; peer: Run[]; ceiling: Run[] }>();
    const argonPerRound: Run[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      log(`— round ${round} of ${ROUNDS} —`);
      for (const s of scenarios) {
        const r = results.get(s.key) ?? { ours: [], peer: [], ceiling: [] };
        results.set(s.key, r);
        r.ours.push(await s.ours.run());
        if (s.peer) r.peer.push(await s.peer.run());
        if (s.ceiling && s.ceiling !== 'argon2') r.ceiling.push(await s.ceiling.run());
      }
      if (needsArgon) argonPerRound.push(await argonRun());
    }
    const argon = argonPerRound.length ? summarize(argonPerRound) : undefined;

    const rows = [
      [
        'scenario',
        'req/s',
        'p50',
        'p99',
        'RSS MB',
        'non-2xx',
        'ceiling /s',
        '× ceiling',
        'peer',
        'peer req/s',
        'peer p50/p99',
        'peer RSS',
        '× peer',
      ],
    ];
    const summary: Record<string, unknown> = {};
    const failed: string[] = [];
    const check = (label: string, s: Summary) => {
      if (s.non2xx > 0 || s.errors > 0)
        failed.push(
          `${label}: non-2xx ${s.non2xx} ${JSON.stringify(s.statusCodes)}, socket errors/timeouts ${s.errors}`,
        );
    };
    for (const s of scenarios) {
      const r = results.get(s.key)!;
      const o = summarize(r.ours);
      const c = s.ceiling === 'argon2' ? argon : r.ceiling.length ? summarize(r.ceiling) : undefined;
      const p = r.peer.length ? summarize(r.peer) : undefined;
      check(s.name, o);
      if (p) check(`${s.peer?.name}`, p);
      // A run in which nothing completed measured nothing (the machine was too busy for its length).
      for (const [who, runs] of [
        [s.name, r.ours],
        [`${s.peer?.name}`, r.peer],
        [`ceiling of ${s.name}`, r.ceiling],
      ] as const)
        if (runs.some((x) => x.total === 0))
          failed.push(`${who}: a measured run completed no request; raise BENCH_DURATION or re-run when quieter`);
      if (c) check(`ceiling of ${s.name}`, c);
      const xc = c && o.requestsPerSec / c.requestsPerSec;
      const xp = p && o.requestsPerSec / p.requestsPerSec;
      summary[s.key] = {
        ours: o,
        ceiling: c,
        peer: p && { name: s.peer?.name, ...p },
        xCeiling: xc,
        xPeer: xp,
        target: s.target,
      };
      rows.push([
        s.name,
        fmt(o.requestsPerSec),
        fmt(o.p50),
        fmt(o.p99),
        fmt(o.rssMB),
        `${o.non2xx}/${o.errors}`,
        c ? `${fmt(c.requestsPerSec)}${s.ceiling === 'argon2' ? ' (argon2id)' : ''}` : '—',
        xc === undefined ? '—' : `${fmt(xc, 2)}${verdict(xc, s.target.ceiling)}`,
        p ? (s.peer?.name ?? '') : '—',
        p ? fmt(p.requestsPerSec) : '—',
        p ? `${fmt(p.p50)}/${fmt(p.p99)}` : '—',
        p ? fmt(p.rssMB) : '—',
        xp === undefined ? '—' : `${fmt(xp, 2)}${verdict(xp, s.target.peer)}`,
      ]);
    }
    // CPU per request does not depend on how much of the machine the run got: on a shared machine it
    // is the steadier comparison (the ceiling and the peer divided by ours: above 1 = ours is cheaper).
    const cpuRows = [
      ['CPU ms per request', 'ours (svc+db)', 'ceiling', 'peer (svc+db)', 'ceiling ÷ ours', 'peer ÷ ours'],
    ];
    const cpu = (x: Summary | undefined) => (x ? x.cpuMs + x.dbCpuMs : NaN);
    for (const s of scenarios) {
      const r = results.get(s.key)!;
      const o = summarize(r.ours);
      const c = s.ceiling === 'argon2' ? argon : r.ceiling.length ? summarize(r.ceiling) : undefined;
      const p = r.peer.length ? summarize(r.peer) : undefined;
      cpuRows.push([
        s.name,
        `${fmt(o.cpuMs, 3)}+${fmt(o.dbCpuMs, 3)}`,
        c ? fmt(c.cpuMs, 3) : '—',
        p ? `${fmt(p.cpuMs, 3)}+${fmt(p.dbCpuMs, 3)}` : '—',
        c ? fmt(cpu(c) / cpu(o), 2) : '—',
        p ? fmt(cpu(p) / cpu(o), 2) : '—',
      ]);
    }
    const perRound = [['per round (req/s)', 'ours', 'ceiling', 'peer']];
    for (const s of scenarios) {
      const r = results.get(s.key)!;
      const c = s.ceiling === 'argon2' ? argonPerRound : r.ceiling;
      perRound.push([
        s.name,
        r.ours.map((x) => fmt(x.requestsPerSec)).join(' / '),
        c.map((x) => fmt(x.requestsPerSec, 1)).join(' / ') || '—',
        r.peer.map((x) => fmt(x.requestsPerSec)).join(' / ') || '—',
      ]);
    }
    const loadAvgAtEnd = os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    const out = [
      '',
      `storefront-auth benchmark — ${new Date().toISOString()}`,
      `machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.platform}, node ${machine.node}`,
      `service: ${databaseUrl ? 'PostgreSQL' : 'embedded PGlite'}, WORKERS=${WORKERS ?? 1}, argon2id m=${defaultArgon2.memoryCost},t=${defaultArgon2.timeCost},p=${defaultArgon2.parallelism}${PEERS ? '; peers: better-auth and oidc-provider, each its own process and database on the same PostgreSQL' : ''}`,
      `load average (1/5/15 min) at start: ${machine.loadAvgAtStart}, at end: ${loadAvgAtEnd} — other work on the machine skews absolute numbers`,
      `load: autocannon, ${CONNECTIONS} connections, pipelining 1, ${WARMUP}s warm-up + ${DURATION}s measured per run, ${ROUNDS} round(s) interleaved, medians`,
      argonRounds.length
        ? `argon2 ceiling per round: the faster of the hashing threads (${argonRounds.map((a) => a.threads.verifiesPerSec.toFixed(1)).join(' / ')}, ${hashThreads} threads) and libuv's pool (${argonRounds.map((a) => a.libuv.verifiesPerSec.toFixed(1)).join(' / ')}), ${ARGON2_CONCURRENCY} in flight`
        : '',
      '',
      table(rows),
      '',
      table(cpuRows),
      '',
      table(perRound),
      '',
    ];
    for (const f of failed) out.push(`ERRORS in ${f}`);
    if (failed.length)
      for (const [who, output] of Object.entries(outputs))
        out.push('', `${who} output (last lines):`, output().trim().split('\n').slice(-20).join('\n'));
    out.push(`total bench time ${((Date.now() - started) / 1000).toFixed(0)}s`, '');
    process.stdout.write(out.join('\n') + '\n');
    if (JSON_OUT) {
      const doc = {
        date: new Date().toISOString(),
        machine: { ...machine, loadAvgAtEnd },
        database: databaseUrl ? 'postgresql' : 'pglite',
        workers: WORKERS ?? '1',
        connections: CONNECTIONS,
        warmupSec: WARMUP,
        durationSec: DURATION,
        rounds: ROUNDS,
        argon2: { params: defaultArgon2, rounds: argonRounds },
        scenarios: summary,
      };
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    }
    if (failed.length) process.exitCode = 1;
  } finally {
    await server?.stop().catch(() => {});
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }
}

const scenario = SCENARIOS[process.argv[2]];
(scenario ? scenario().then((m) => m.run(process.argv.slice(3))) : main()).catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
