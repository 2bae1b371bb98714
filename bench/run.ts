/**
 * `npm run bench`: load-tests the real service (a child process on loopback, embedded PGlite,
 * production argon2 parameters) with autocannon and compares each route with the machine's own
 * ceiling measured in the same run. Not part of the tests; never run in CI.
 *
 *   npm run bench                 table on stdout
 *   npm run bench -- storage      rows and bytes kept (issue #14; bench/storage.ts)
 *   npm run bench -- startup      memory and start time (bench/startup.ts); other names: SCENARIOS
 *   npm run bench -- --json       also one JSON document at the end
 *   npm run bench -- enumeration  known vs unknown accounts: answer times (bench/enumeration.ts)
 *   BENCH_DURATION=6 BENCH_WARMUP=2 npm run bench    seconds per measured run / warm-up
 *   BENCH_DATABASE_URL=postgres://… npm run bench    compare with PostgreSQL (an EMPTY, throwaway
 *                                                    database: the bench creates an account in it)
 *
 * See docs/performance.md for how to read the table.
 */
import os from 'node:os';
import type autocannon from 'autocannon';
import { BENCH_APP, startServer, type BenchServer } from './server.ts';
import { measureArgon2, startBareServer, type Argon2Ceiling, type BareServer } from './ceiling.ts';
import { load, type LoadOptions, type LoadResult } from './load.ts';
import { runEnumeration } from './enumeration.ts';

/** Named scenarios, `npm run bench -- <name>`: each a module exporting `run(args)`. */
const SCENARIOS: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  startup: () => import('./startup.ts'),
  storage: () => import('./storage.ts').then((m) => ({ run: () => m.runStorage() })),
  enumeration: async () => ({ run: () => runEnumeration() }),
};

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const DURATION = Number(process.env.BENCH_DURATION ?? 6);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const DATABASE_URL = process.env.BENCH_DATABASE_URL || undefined;
const CONNECTIONS = 50;
/** Guests fetching tickets while CONNECTIONS log in (the login-flood run). */
const FLOOD_GUESTS = 10;
/** autocannon builds each connection's next request ahead of time, so a few tokens are never sent. */
const SPARE = 2 * 50;
const ARGON2_CONCURRENCY = CONNECTIONS; // what the server sees: 50 logins in flight

const TICKETS = '/api/commerce/customer/authtickets';
const ANON = `${TICKETS}/anonymousshopper`;
const REFRESH = `${TICKETS}/refresh`;
const CURRENT = '/api/commerce/customer/accounts/current';
const SHOPPER = { email: 'bench.shopper@example.com', password: 'Bench-passw0rd-1' };

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface Scenario {
  name: string;
  result: LoadResult;
  ceilingName: string;
  ceilingPerSec: number;
  /** 'ratio' compares req/s with the ceiling; 'p99' compares p99 latency with a bound in ms. */
  target?: { kind: 'ratio'; min: number } | { kind: 'p99'; maxMs: number };
  responseBytes: number;
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
): Promise<{ status: number; text: string; json: any }> {
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
  return { status: res.status, text, json };
}

/** A warm-up run (discarded), then the measured run. */
async function measure(label: string, opts: LoadOptions, warmup = WARMUP, duration = DURATION): Promise<LoadResult> {
  if (warmup > 0) {
    log(`${label}: warm-up ${warmup}s`);
    await load({ ...opts, duration: warmup });
  }
  log(`${label}: measuring ${duration}s at ${opts.connections} connections`);
  const r = await load({ ...opts, duration });
  log(
    `${label}: ${r.requestsPerSec.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
  );
  return r;
}

/** Mints `n` single-use refresh tokens by asking for anonymous tickets (the cheapest kind). */
async function mintRefreshTokens(baseUrl: string, appToken: string, n: number): Promise<string[]> {
  const pool: string[] = [];
  const amount = Math.ceil(n / CONNECTIONS) * CONNECTIONS;
  const r = await load({
    url: baseUrl,
    path: ANON,
    connections: CONNECTIONS,
    amount,
    headers: baseHeaders(appToken),
    onResponse: (status, body) => {
      if (status !== 200) return;
      const m = /"refreshToken":"([^"]+)"/.exec(body);
      if (m) pool.push(m[1]);
    },
  });
  log(`minted ${pool.length} refresh tokens in ${r.durationSec.toFixed(1)}s`);
  if (pool.length < n)
    throw new Error(
      `minting refresh tokens: wanted ${n}, got ${pool.length} (non-2xx ${r.non2xx}, errors ${r.errors})`,
    );
  return pool;
}

/** A refresh run that spends exactly `amount` tokens from `pool`, one per request. */
function refreshRun(baseUrl: string, appToken: string, pool: string[], amount: number): Promise<LoadResult> {
  let next = 0;
  return load({
    url: baseUrl,
    path: REFRESH,
    method: 'PUT',
    connections: CONNECTIONS,
    amount,
    headers: baseHeaders(appToken),
    setupRequest: (req: autocannon.Request) => {
      const token = pool[next++] ?? 'pool-exhausted';
      return { ...req, path: `${REFRESH}?refreshToken=${encodeURIComponent(token)}` };
    },
  });
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '—';
}

function verdict(s: Scenario): { ratio: number; target: string; status: string } {
  const ratio = s.result.requestsPerSec / s.ceilingPerSec;
  const failed = s.result.non2xx > 0 || s.result.errors > 0;
  let target = '—';
  let ok: boolean | undefined;
  if (s.target?.kind === 'ratio') {
    target = `ratio ≥ ${s.target.min}`;
    ok = ratio >= s.target.min;
  } else if (s.target?.kind === 'p99') {
    target = `p99 < ${s.target.maxMs} ms`;
    ok = s.result.p99 < s.target.maxMs;
  }
  const status = failed ? 'ERRORS' : ok === undefined ? 'info' : ok ? 'PASS' : 'FAIL';
  return { ratio, target, status };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
    loadAvgAtStart: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}`);

  let server: BenchServer | undefined;
  let bare: BareServer | undefined;
  try {
    log(
      `starting the service (${DATABASE_URL ? 'PostgreSQL from BENCH_DATABASE_URL' : 'embedded PGlite'}, production argon2 parameters)…`,
    );
    server = await startServer({ databaseUrl: DATABASE_URL });
    const { baseUrl } = server;
    const app = await call(
      baseUrl,
      'POST',
      '/api/platform/applications/authtickets/oauth',
      { 'content-type': 'application/json' },
      {
        client_id: BENCH_APP.clientId,
        client_secret: BENCH_APP.clientSecret,
        grant_type: 'client_credentials',
      },
    );
    const appToken: string = app.json.access_token;
    const h = baseHeaders(appToken);
    await call(baseUrl, 'POST', '/api/commerce/customer/accounts/Add-Account-And-Login', h, {
      account: { emailAddress: SHOPPER.email, userName: 'bench-shopper', firstName: 'Bench', lastName: 'Shopper' },
      password: SHOPPER.password,
    });
    const loginBody = JSON.stringify({ username: SHOPPER.email, password: SHOPPER.password });
    const login = await call(baseUrl, 'POST', TICKETS, h, JSON.parse(loginBody));
    const shopperJwt: string = login.json.jwtAccessToken;
    // Sample answers: their bodies are what the bare ceiling route serves, byte for byte.
    const anonSample = await call(baseUrl, 'GET', ANON, h);
    const refreshSample = await call(
      baseUrl,
      'PUT',
      `${REFRESH}?refreshToken=${encodeURIComponent(anonSample.json.refreshToken)}`,
      h,
    );
    const currentSample = await call(baseUrl, 'GET', CURRENT, baseHeaders(shopperJwt));

    const anon = await measure('anonymousshopper', { url: baseUrl, path: ANON, connections: CONNECTIONS, headers: h });

    const loginLoad: LoadOptions = {
      url: baseUrl,
      path: TICKETS,
      method: 'POST',
      connections: CONNECTIONS,
      headers: { ...h, 'content-type': 'application/json' },
      body: loginBody,
    };
    const loginRes = await measure('password login', loginLoad);

    // Refresh: every request spends a fresh token. Warm up on a small pool, size the measured
    // pool from the warm-up rate, then run exactly that many requests.
    const warmAmount = Math.max(
      CONNECTIONS * 10,
      Math.round((anon.requestsPerSec * WARMUP) / CONNECTIONS) * CONNECTIONS,
    );
    log(`refresh: minting ${warmAmount} tokens for the warm-up`);
    const warmPool = await mintRefreshTokens(baseUrl, appToken, warmAmount + SPARE);
    log('refresh: warm-up');
    const warm = await refreshRun(baseUrl, appToken, warmPool, warmAmount);
    const amount = Math.min(
      200_000,
      Math.max(CONNECTIONS * 20, Math.ceil((warm.requestsPerSec * DURATION) / CONNECTIONS) * CONNECTIONS),
    );
    log(`refresh: warm-up ran ${warm.requestsPerSec.toFixed(0)} req/s; minting ${amount} tokens for ~${DURATION}s`);
    const pool = await mintRefreshTokens(baseUrl, appToken, amount + SPARE);
    log(`refresh: measuring ${amount} requests at ${CONNECTIONS} connections`);
    const refresh = await refreshRun(baseUrl, appToken, pool, amount);
    log(
      `refresh: ${refresh.requestsPerSec.toFixed(0)} req/s over ${refresh.durationSec}s, p50 ${refresh.p50} ms, p99 ${refresh.p99} ms, non-2xx ${refresh.non2xx}, errors ${refresh.errors}`,
    );

    const current = await measure('accounts/current', {
      url: baseUrl,
      path: CURRENT,
      connections: CONNECTIONS,
      headers: baseHeaders(shopperJwt),
    });

    // A login flood: 50 connections log in while 10 fetch guest tickets. How much do logins slow
    // the routes every page view needs? (No ceiling: informational.)
    const floodGuests: LoadOptions = { url: baseUrl, path: ANON, connections: FLOOD_GUESTS, headers: h };
    log(`login flood: warm-up ${WARMUP}s`);
    await Promise.all([load({ ...loginLoad, duration: WARMUP }), load({ ...floodGuests, duration: WARMUP })]);
    log(
      `login flood: measuring ${DURATION}s, ${CONNECTIONS} connections logging in and ${FLOOD_GUESTS} fetching guest tickets`,
    );
    const [flood, floodGuest] = await Promise.all([
      load({ ...loginLoad, duration: DURATION }),
      load({ ...floodGuests, duration: DURATION }),
    ]);
    log(
      `login flood: logins ${flood.requestsPerSec.toFixed(0)} req/s, guest tickets ${floodGuest.requestsPerSec.toFixed(0)} req/s (p50 ${floodGuest.p50} ms, p99 ${floodGuest.p99} ms)`,
    );

    const serverOutput = server.output().trim();
    await server.stop();
    server = undefined;

    // Ceilings, measured while the service is down so nothing competes for the CPU.
    log('ceiling: bare Fastify in its own process, same-size JSON bodies');
    bare = await startBareServer({ anon: anonSample.json, refresh: refreshSample.json, current: currentSample.json });
    const bareRun = (path: string, headers: Record<string, string>) =>
      measure(`bare ${path}`, { url: bare!.baseUrl, path, connections: CONNECTIONS, headers }, 1, DURATION);
    const bareAnon = await bareRun('/anon', h);
    const bareRefresh = await bareRun('/refresh', h);
    const bareCurrent = await bareRun('/current', baseHeaders(shopperJwt));
    await bare.stop();
    bare = undefined;

    const { defaultArgon2, defaultHashThreads } = await import('../src/config/defaults.ts');
    // The service's default number of hashing threads (the bench leaves passwords.hashThreads unset).
    const hashThreads = defaultHashThreads();
    // Two ways to verify, and the ceiling is whichever the machine did faster: the service's own way
    // (its hashing threads) and @node-rs/argon2's async verify on libuv's pool.
    log(
      `ceiling: raw argon2id verify ${JSON.stringify(defaultArgon2)}, ${ARGON2_CONCURRENCY} in flight on ${hashThreads} hashing threads, ${DURATION}s`,
    );
    const argonThreads: Argon2Ceiling = await measureArgon2(
      defaultArgon2,
      ARGON2_CONCURRENCY,
      DURATION * 1000,
      1000,
      hashThreads,
    );
    log(`ceiling: argon2id on hashing threads ${argonThreads.verifiesPerSec.toFixed(1)} verifies/s`);
    log(`ceiling: raw argon2id verify, ${ARGON2_CONCURRENCY} in flight on libuv's pool, ${DURATION}s`);
    const argonLibuv: Argon2Ceiling = await measureArgon2(defaultArgon2, ARGON2_CONCURRENCY, DURATION * 1000, 1000);
    log(`ceiling: argon2id on libuv's pool ${argonLibuv.verifiesPerSec.toFixed(1)} verifies/s`);
    const argon = argonThreads.verifiesPerSec >= argonLibuv.verifiesPerSec ? argonThreads : argonLibuv;

    const scenarios: Scenario[] = [
      {
        name: 'GET anonymousshopper',
        result: anon,
        ceilingName: 'bare Fastify, same-size JSON',
        ceilingPerSec: bareAnon.requestsPerSec,
        target: { kind: 'ratio', min: 0.35 },
        responseBytes: Buffer.byteLength(anonSample.text),
      },
      {
        name: 'POST authtickets (password login)',
        result: loginRes,
        ceilingName: 'raw argon2id verifies/s',
        ceilingPerSec: argon.verifiesPerSec,
        target: { kind: 'ratio', min: 0.8 },
        responseBytes: Buffer.byteLength(login.text),
      },
      {
        name: 'PUT authtickets/refresh',
        result: refresh,
        ceilingName: 'bare Fastify, same-size JSON',
        ceilingPerSec: bareRefresh.requestsPerSec,
        target: { kind: 'p99', maxMs: 20 },
        responseBytes: Buffer.byteLength(refreshSample.text),
      },
      {
        name: 'GET accounts/current',
        result: current,
        ceilingName: 'bare Fastify, same-size JSON',
        ceilingPerSec: bareCurrent.requestsPerSec,
        responseBytes: Buffer.byteLength(currentSample.text),
      },
    ];

    const rows = [
      ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx/err', 'ceiling', 'ceiling /s', 'ratio', 'target', 'result'],
    ];
    for (const s of scenarios) {
      const v = verdict(s);
      rows.push([
        s.name,
        fmt(s.result.requestsPerSec),
        fmt(s.result.p50, 0),
        fmt(s.result.p99, 0),
        `${s.result.non2xx}/${s.result.errors}`,
        s.ceilingName,
        fmt(s.ceilingPerSec, s.ceilingPerSec < 100 ? 1 : 0),
        fmt(v.ratio, 2),
        v.target,
        v.status,
      ]);
    }
    const bareRows = [['ceiling run', 'req/s', 'p50 ms', 'p99 ms', 'body bytes']];
    bareRows.push([
      'bare /anon',
      fmt(bareAnon.requestsPerSec),
      fmt(bareAnon.p50),
      fmt(bareAnon.p99),
      String(scenarios[0].responseBytes),
    ]);
    bareRows.push([
      'bare /refresh',
      fmt(bareRefresh.requestsPerSec),
      fmt(bareRefresh.p50),
      fmt(bareRefresh.p99),
      String(scenarios[2].responseBytes),
    ]);
    bareRows.push([
      'bare /current',
      fmt(bareCurrent.requestsPerSec),
      fmt(bareCurrent.p50),
      fmt(bareCurrent.p99),
      String(scenarios[3].responseBytes),
    ]);

    const floodRuns = [
      { name: `GET anonymousshopper (${FLOOD_GUESTS} connections)`, result: floodGuest },
      { name: `POST authtickets (${CONNECTIONS} connections)`, result: flood },
    ];
    const floodRows = [['during a login flood', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx/err']];
    for (const f of floodRuns)
      floodRows.push([
        f.name,
        fmt(f.result.requestsPerSec),
        fmt(f.result.p50),
        fmt(f.result.p99),
        `${f.result.non2xx}/${f.result.errors}`,
      ]);
    const out = [
      '',
      `storefront-auth benchmark — ${new Date().toISOString()}`,
      `machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.platform}, node ${machine.node}, UV_THREADPOOL_SIZE ${machine.uvThreadpool}`,
      `service: child process on 127.0.0.1, ${DATABASE_URL ? 'PostgreSQL (BENCH_DATABASE_URL, pool 10)' : 'embedded PGlite'}, LOG_LEVEL=warn, argon2id m=${defaultArgon2.memoryCost},t=${defaultArgon2.timeCost},p=${defaultArgon2.parallelism}`,
      `load average (1/5/15 min) at start: ${machine.loadAvgAtStart}, at end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} — other work on the machine skews absolute numbers`,
      `load: autocannon, ${CONNECTIONS} connections, pipelining 1, ${WARMUP}s warm-up + ${DURATION}s measured (refresh: a fixed number of single-use tokens, ${refresh.total} requests in ${refresh.durationSec}s)`,
      `argon2 ceiling: the faster of ${argonThreads.verifiesPerSec.toFixed(1)} verifies/s on ${argonThreads.threads} hashing threads (the service's way) and ${argonLibuv.verifiesPerSec.toFixed(1)} on libuv's pool (${argonLibuv.threads} threads), ${argon.concurrency} in flight`,
      '',
      table(rows),
      '',
      table(bareRows),
      '',
      table(floodRows),
      '',
    ];
    const checked = [
      ...scenarios,
      ...floodRuns.map((f) => ({ name: `${f.name} during a login flood`, result: f.result })),
    ];
    const anyErrors = checked.some((s) => s.result.non2xx > 0 || s.result.errors > 0);
    for (const s of checked) {
      if (s.result.non2xx > 0 || s.result.errors > 0)
        out.push(
          `ERRORS in ${s.name}: non-2xx ${s.result.non2xx} ${JSON.stringify(s.result.statusCodes)}, socket errors/timeouts ${s.result.errors}`,
        );
    }
    if (anyErrors && serverOutput)
      out.push('', 'server output (last lines):', serverOutput.split('\n').slice(-20).join('\n'));
    out.push(`total bench time ${((Date.now() - started) / 1000).toFixed(0)}s`, '');
    process.stdout.write(out.join('\n') + '\n');

    if (JSON_OUT) {
      process.stdout.write(
        JSON.stringify(
          {
            date: new Date().toISOString(),
            machine,
            database: DATABASE_URL ? 'postgresql' : 'pglite',
            connections: CONNECTIONS,
            warmupSec: WARMUP,
            durationSec: DURATION,
            argon2: { params: defaultArgon2, ceiling: argon, threads: argonThreads, libuv: argonLibuv },
            ceilings: { anon: bareAnon, refresh: bareRefresh, current: bareCurrent },
            loginFlood: { guests: floodGuest, logins: flood },
            scenarios: scenarios.map((s) => ({ ...s, ...verdict(s) })),
          },
          null,
          2,
        ) + '\n',
      );
    }
    if (anyErrors) process.exitCode = 1;
  } finally {
    await bare?.stop().catch(() => {});
    await server?.stop().catch(() => {});
  }
}

const scenario = SCENARIOS[process.argv[2]];
(scenario ? scenario().then((m) => m.run(process.argv.slice(3))) : main()).catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
