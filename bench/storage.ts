/**
 * `npm run bench -- storage`: what the service keeps in its database (issue #14), on PostgreSQL
 * and on embedded PGlite. Not part of the tests; never run in CI.
 *
 *   (a) 10,000 guest tickets → rows inserted and bytes added (target 0), for the code before the
 *       change (BENCH_BASELINE_REF, default the main before issue #14, run from `git archive`) and now;
 *   (b) a sustained mixed load (guests, returning guests, logins, refreshes, logouts) with short
 *       lifetimes (access 1 min, refresh 2 min, a pass every 10 s) → live rows and database size
 *       every 30 s; they should be flat after the first lifetime;
 *   (c) guest tickets/s before and after, from the runs of (a).
 *
 *   BENCH_STORAGE_MINUTES=5   length of (b) (default 5)
 *   BENCH_STORAGE_ONLY=pglite|postgresql   one database only
 *   TEST_DATABASE_URL=postgres://…   the PostgreSQL server (a fresh database is made and dropped)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { ConfigFile } from '../src/config/schema.ts';
import { BENCH_APP, ROOT, startServer, type BenchServer } from './server.ts';
import { load } from './load.ts';

const MINUTES = Number(process.env.BENCH_STORAGE_MINUTES ?? 5);
const PG_BASE = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const BASELINE_REF = process.env.BENCH_BASELINE_REF ?? '7ba02b3';
const GUESTS = 10_000;
const TICKETS = '/api/commerce/customer/authtickets';
const log = (msg: string) => process.stderr.write(`[storage] ${msg}\n`);

/** What the database holds now: exact rows per table and bytes. */
interface Snapshot {
  rows: Record<string, number>;
  inserted?: number;
  bytes: number;
  /** PostgreSQL: tables with their indexes and TOAST, the audit log apart */
  stateBytes?: number;
  auditBytes?: number;
}

interface Probe {
  snapshot(settle?: boolean): Promise<Snapshot>;
  close(): Promise<void>;
}

async function countTables(q: (text: string) => Promise<{ rows: any[] }>): Promise<Record<string, number>> {
  const { rows } = await q(
    `select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely_%' order by 1`,
  );
  const out: Record<string, number> = {};
  for (const { t } of rows) out[t] = Number((await q(`select count(*) as n from "${t}"`)).rows[0].n);
  return out;
}

async function postgresProbe(url: string): Promise<Probe> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  return {
    async snapshot(settle = true) {
      // an idle backend publishes its counters (n_tup_ins) within 10 s (PGSTAT_IDLE_INTERVAL)
      if (settle) await new Promise((r) => setTimeout(r, 11_000));
      const ins = await c.query(
        `select coalesce(sum(n_tup_ins), 0) as n from pg_stat_user_tables where relname not like 'kysely_%'`,
      );
      const size = await c.query(`select pg_database_size(current_database()) as b`);
      const rel = await c.query(
        `select coalesce(sum(pg_total_relation_size(relid)) filter (where relname <> 'auth_events'), 0) as s,
           coalesce(sum(pg_total_relation_size(relid)) filter (where relname = 'auth_events'), 0) as a
         from pg_stat_user_tables where relname not like 'kysely_%'`,
      );
      return {
        rows: await countTables((t) => c.query(t)),
        inserted: Number(ins.rows[0].n),
        bytes: Number(size.rows[0].b),
        stateBytes: Number(rel.rows[0].s),
        auditBytes: Number(rel.rows[0].a),
      };
    },
    close: () => c.end(),
  };
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await dirBytes(p) : (await fs.stat(p)).size;
  }
  return total;
}

/** PGlite is one process: its rows are counted with the service stopped, its files at any time. */
async function pgliteRows(dataDir: string): Promise<Record<string, number>> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(path.join(dataDir, 'pglite'));
  try {
    return await countTables((t) => db.query(t));
  } finally {
    await db.close();
  }
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

async function call(base: string, method: string, p: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(base + p, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as any) : undefined };
}

async function appHeaders(base: string): Promise<Record<string, string>> {
  const r = await call(
    base,
    'POST',
    '/api/platform/applications/authtickets/oauth',
    {},
    {
      client_id: BENCH_APP.clientId,
      client_secret: BENCH_APP.clientSecret,
      grant_type: 'client_credentials',
    },
  );
  if (r.status !== 200) throw new Error(`app token: ${r.status}`);
  return { 'x-vol-tenant': '1', 'x-vol-site': '1', authorization: `Bearer ${r.json.access_token}` };
}

/** The code before the change, extracted from git (no worktree is made), sharing our node_modules. */
async function baselineRoot(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'storefront-auth-baseline-'));
  const tar = execFileSync('git', ['archive', BASELINE_REF, 'src', 'package.json', 'tsconfig.json'], {
    cwd: ROOT,
    maxBuffer: 1 << 28,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  await fs.symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sa_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_BASE });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(PG_BASE);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_BASE });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

interface GuestRun {
  label: string;
  perSec: number;
  rows: number;
  inserted?: number;
  bytes: number;
  baseBytes?: number;
  non2xx: number;
}

/** (a) and (c): 10,000 guest tickets on a fresh database, with `root`'s code. */
async function guestRun(kind: 'postgresql' | 'pglite', label: string, root?: string): Promise<GuestRun> {
  const pgdb = kind === 'postgresql' ? await freshPostgres() : undefined;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'storefront-auth-storage-'));
  let server: BenchServer | undefined;
  try {
    const start = () => startServer({ databaseUrl: pgdb?.url, dir, root });
    server = await start();
    const h = await appHeaders(server.baseUrl);
    const probe = pgdb ? await postgresProbe(pgdb.url) : undefined;
    let before: Snapshot;
    if (probe) before = await probe.snapshot();
    else {
      await server.stop();
      before = { rows: await pgliteRows(server.dataDir), bytes: await dirBytes(path.join(server.dataDir, 'pglite')) };
      server = await start();
    }
    const baseBefore = pgdb ? 0 : await dirBytes(path.join(server.dataDir, 'pglite', 'base'));
    log(`${kind} ${label}: ${GUESTS} guest tickets`);
    const r = await load({
      url: server.baseUrl,
      path: `${TICKETS}/anonymousshopper`,
      connections: 50,
      amount: GUESTS,
      headers: h,
    });
    let after: Snapshot;
    let baseAfter = 0;
    if (probe) {
      after = await probe.snapshot();
      await probe.close();
    } else {
      await server.stop();
      baseAfter = await dirBytes(path.join(server.dataDir, 'pglite', 'base'));
      after = { rows: await pgliteRows(server.dataDir), bytes: await dirBytes(path.join(server.dataDir, 'pglite')) };
    }
    return {
      label,
      perSec: r.requestsPerSec,
      rows: sum(after.rows) - sum(before.rows),
      inserted:
        after.inserted !== undefined && before.inserted !== undefined ? after.inserted - before.inserted : undefined,
      bytes: after.bytes - before.bytes,
      baseBytes: pgdb ? undefined : baseAfter - baseBefore,
      non2xx: r.non2xx + r.errors,
    };
  } finally {
    await server?.stop().catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
    await pgdb?.drop();
  }
}

/** A pool of recent tokens: taken once, dropped when older than `maxAgeMs`. */
class Pool {
  private items: { v: string; at: number }[] = [];
  constructor(private maxAgeMs: number) {}
  put(v: string) {
    this.items.push({ v, at: Date.now() });
    if (this.items.length > 5000) this.items.shift();
  }
  take(): string | undefined {
    const now = Date.now();
    while (this.items.length && now - this.items[0].at > this.maxAgeMs) this.items.shift();
    return this.items.pop()?.v;
  }
}

/** (b): the mixed load for MINUTES, printing live rows and sizes every 30 s. */
async function sustained(kind: 'postgresql' | 'pglite'): Promise<string[]> {
  const pgdb = kind === 'postgresql' ? await freshPostgres() : undefined;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'storefront-auth-storage-'));
  const config: Partial<ConfigFile> = {
    tenants: [
      {
        id: 1,
        name: 'Bench',
        domain: 't1.localhost',
        customerSets: [{ code: 'default', name: 'Default' }],
        sites: [{ id: 1, name: 'Main', customerSet: 'default' }],
        tokens: { accessMinutes: 1, refreshMinutes: 2, maxAccessMinutes: 1, maxRefreshMinutes: 2 },
      },
    ],
    retention: { intervalSeconds: 10, guestKeyDays: 1 },
    // argon2 at its cheapest: the bench measures storage, not hashing
    passwords: { argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 } },
  };
  const server = await startServer({ databaseUrl: pgdb?.url, dir, config });
  const out: string[] = [];
  try {
    const base = server.baseUrl;
    const h = await appHeaders(base);
    const users = Array.from({ length: 20 }, (_, i) => ({
      email: `load${i}@example.com`,
      password: `Load-passw0rd-${i}`,
    }));
    for (const u of users)
      await call(base, 'POST', '/api/commerce/customer/accounts/Add-Account-And-Login', h, {
        account: { emailAddress: u.email },
        password: u.password,
      });
    const probe = pgdb ? await postgresProbe(pgdb.url) : undefined;
    const guests = new Pool(90_000);
    const shoppers = new Pool(90_000);
    const counts: Record<string, number> = {};
    const bump = (k: string, status: number) => {
      const key = status < 300 ? k : `${k}:${status}`;
      counts[key] = (counts[key] ?? 0) + 1;
    };
    const refresh = (t: string) => call(base, 'PUT', `${TICKETS}/refresh?refreshToken=${encodeURIComponent(t)}`, h);
    const logout = (t: string) => call(base, 'DELETE', `${TICKETS}?refreshToken=${encodeURIComponent(t)}`, h);
    const step = async () => {
      const x = Math.random();
      if (x < 0.6) {
        const r = await call(base, 'GET', `${TICKETS}/anonymousshopper`, h);
        bump('guest', r.status);
        // one guest in ten comes back
        if (r.status === 200 && Math.random() < 0.1) guests.put(r.json.refreshToken);
      } else if (x < 0.7) {
        const t = guests.take();
        if (!t) return;
        const r = await refresh(t);
        bump('guest refresh', r.status);
        if (r.status === 200) guests.put(r.json.refreshToken);
      } else if (x < 0.73) {
        const t = guests.take();
        if (!t) return;
        bump('guest logout', (await logout(t)).status);
      } else if (x < 0.8) {
        const u = users[Math.floor(Math.random() * users.length)];
        const r = await call(base, 'POST', TICKETS, h, { username: u.email, password: u.password });
        bump('login', r.status);
        if (r.status === 200) shoppers.put(r.json.refreshToken);
      } else if (x < 0.95) {
        const t = shoppers.take();
        if (!t) return;
        const r = await refresh(t);
        bump('refresh', r.status);
        if (r.status === 200) shoppers.put(r.json.refreshToken);
      } else {
        const t = shoppers.take();
        if (!t) return;
        bump('logout', (await logout(t)).status);
      }
    };
    const end = Date.now() + MINUTES * 60_000;
    const workers = Array.from({ length: 8 }, async () => {
      while (Date.now() < end) await step().catch(() => bump('error', 599));
    });
    const header =
      kind === 'postgresql'
        ? '| t (s) | requests | sessions | access_tokens | refresh_tokens | guest_chains | guest_spent_tokens | live rows (all but audit) | auth_events | tables but audit (MB) | auth_events (MB) | database size (MB) |'
        : '| t (s) | requests | data dir (MB) | base/ (MB) | pruned rows (total) |';
    out.push(header, header.replace(/[^|]+/g, ' --- '));
    const started = Date.now();
    const tick = async () => {
      const t = Math.round((Date.now() - started) / 1000);
      const total = sum(counts);
      if (probe) {
        const s = await probe.snapshot(false);
        const r = s.rows;
        out.push(
          `| ${t} | ${total} | ${r.sessions} | ${r.access_tokens} | ${r.refresh_tokens} | ${r.guest_chains} | ${r.guest_spent_tokens} | ${sum(r) - r.auth_events} | ${r.auth_events} | ${(s.stateBytes! / 1e6).toFixed(2)} | ${(s.auditBytes! / 1e6).toFixed(2)} | ${(s.bytes / 1e6).toFixed(1)} |`,
        );
      } else {
        const m = await fetch(`${base}/metrics`).then((x) => x.text());
        const pruned = [...m.matchAll(/^storefront_auth_pruned_rows_total\{[^}]*\} (\d+)/gm)].reduce(
          (a, x) => a + Number(x[1]),
          0,
        );
        const all = await dirBytes(path.join(server.dataDir, 'pglite'));
        const b = await dirBytes(path.join(server.dataDir, 'pglite', 'base'));
        out.push(`| ${t} | ${total} | ${(all / 1e6).toFixed(1)} | ${(b / 1e6).toFixed(1)} | ${pruned} |`);
      }
      log(out[out.length - 1]);
    };
    await tick();
    const timer = setInterval(() => void tick(), 30_000);
    await Promise.all(workers);
    clearInterval(timer);
    await tick();
    out.push('', `requests by kind: ${JSON.stringify(counts)}`);
    if (probe) await probe.close();
    else {
      await server.stop();
      const rows = await pgliteRows(server.dataDir);
      out.push(`rows at the end (service stopped): ${JSON.stringify(rows)} — ${sum(rows)} in all`);
    }
  } finally {
    await server.stop().catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
    await pgdb?.drop();
  }
  return out;
}

export async function runStorage(): Promise<void> {
  const only = process.env.BENCH_STORAGE_ONLY;
  const kinds = (['postgresql', 'pglite'] as const).filter((k) => !only || k === only);
  if (only === 'sustained-postgresql') {
    process.stdout.write((await sustained('postgresql')).join('\n') + '\n');
    return;
  }
  if (only === 'per-operation') {
    process.stdout.write(
      ['### postgresql: per operation (capacity planning)', '', ...(await perOperation())].join('\n') + '\n',
    );
    return;
  }
  const root = await baselineRoot();
  // Each table is written as soon as it is measured, so an interrupted run keeps what it measured.
  const report = { push: (...lines: string[]) => void process.stdout.write(lines.join('\n') + '\n') };
  report.push(
    `storage bench — ${new Date().toISOString()}, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  try {
    for (const kind of kinds) {
      const runs = [await guestRun(kind, `before (${BASELINE_REF})`, root), await guestRun(kind, 'now')];
      report.push(
        '',
        `### ${kind}: ${GUESTS} guest tickets (50 connections)`,
        '',
        '| code | guest tickets/s | rows inserted | n_tup_ins | bytes added | of which table files | non-2xx/errors |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...runs.map(
          (r) =>
            `| ${r.label} | ${r.perSec.toFixed(0)} | ${r.rows} | ${r.inserted ?? '—'} | ${r.bytes} | ${r.baseBytes ?? '—'} | ${r.non2xx} |`,
        ),
      );
      report.push(
        '',
        `### ${kind}: sustained mixed load, ${MINUTES} min, access 1 min / refresh 2 min, a pass every 10 s`,
        '',
      );
      report.push(...(await sustained(kind)));
    }
    if (kinds.includes('postgresql'))
      report.push('', '### postgresql: per operation (capacity planning)', '', ...(await perOperation()));
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

/** Runs `workers` loops of `fn` until `n` calls are done; answers calls/s. */
async function loops(n: number, workers: number, fn: (worker: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (next++ < n) await fn(w);
    }),
  );
  return n / ((Date.now() - t0) / 1000);
}

/**
 * (d) on PostgreSQL: rows and bytes per login, per refresh and per returning guest, and what the
 * indexes that pruning needs cost the refresh path (the same refresh run, then again without them).
 */
export async function perOperation(): Promise<string[]> {
  const pgdb = await freshPostgres();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'storefront-auth-storage-'));
  const server = await startServer({
    databaseUrl: pgdb.url,
    dir,
    config: {
      passwords: { argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 } },
      retention: { intervalSeconds: 86400 },
    },
  });
  const out: string[] = [];
  try {
    const base = server.baseUrl;
    const h = await appHeaders(base);
    const probe = await postgresProbe(pgdb.url);
    const c = new pg.Client({ connectionString: pgdb.url });
    c.on('error', () => {});
    await c.connect();
    const bytes = async () => Number((await c.query(`select pg_database_size(current_database()) as b`)).rows[0].b);
    const measure = async (label: string, n: number, fn: () => Promise<number>) => {
      await c.query('checkpoint');
      const b0 = await bytes();
      const r0 = sum((await probe.snapshot(false)).rows);
      const perSec = await fn();
      const b1 = await bytes();
      const r1 = sum((await probe.snapshot(false)).rows);
      out.push(
        `| ${label} | ${n} | ${((r1 - r0) / n).toFixed(2)} | ${((b1 - b0) / n).toFixed(0)} | ${perSec.toFixed(0)} |`,
      );
      log(out[out.length - 1]);
    };
    out.push('| operation | count | rows each | bytes each | per second |', '| --- | --- | --- | --- | --- |');
    const user = { email: 'cap@example.com', password: 'Cap-passw0rd-1' };
    await call(base, 'POST', '/api/commerce/customer/accounts/Add-Account-And-Login', h, {
      account: { emailAddress: user.email },
      password: user.password,
    });
    const chains: string[] = [];
    await measure('login (password)', 2000, () =>
      loops(2000, 20, async () => {
        const r = await call(base, 'POST', TICKETS, h, { username: user.email, password: user.password });
        if (r.status === 200) chains.push(r.json.refreshToken);
      }),
    );
    const refreshChains = (n: number) => {
      const pool = chains.splice(0, 20);
      // each worker refreshes its own chain, one refresh at a time
      return loops(n, pool.length, async (k) => {
        const r = await call(base, 'PUT', `${TICKETS}/refresh?refreshToken=${encodeURIComponent(pool[k])}`, h);
        if (r.status !== 200) throw new Error(`refresh: ${r.status}`);
        pool[k] = r.json.refreshToken;
      });
    };
    await measure('refresh (login chain)', 4000, () => refreshChains(4000));
    await measure('returning guest (ticket + first refresh)', 2000, () =>
      loops(2000, 20, async () => {
        const g = await call(base, 'GET', `${TICKETS}/anonymousshopper`, h);
        await call(base, 'PUT', `${TICKETS}/refresh?refreshToken=${encodeURIComponent(g.json.refreshToken)}`, h);
      }),
    );
    await measure('guest (never returns)', 10000, () =>
      loops(10000, 20, async () => {
        await call(base, 'GET', `${TICKETS}/anonymousshopper`, h);
      }),
    );
    // the indexes migration 0007 added on the login/refresh path, dropped for one more refresh run
    await c.query('drop index access_tokens_session_idx, refresh_tokens_session_idx, sessions_live_until_idx');
    await measure('refresh (login chain), without the 0007 indexes', 4000, () => refreshChains(4000));
    await measure('login (password), without the 0007 indexes', 2000, () =>
      loops(2000, 20, async () => {
        await call(base, 'POST', TICKETS, h, { username: user.email, password: user.password });
      }),
    );
    // and once more with them, so that warm-up and the machine's other work show as the spread
    await c.query(
      'create index access_tokens_session_idx on access_tokens (session_id); create index refresh_tokens_session_idx on refresh_tokens (session_id); create index sessions_live_until_idx on sessions (live_until)',
    );
    await measure('refresh (login chain), with them again', 4000, () => refreshChains(4000));
    await measure('login (password), with them again', 2000, () =>
      loops(2000, 20, async () => {
        await call(base, 'POST', TICKETS, h, { username: user.email, password: user.password });
      }),
    );
    await c.end();
    await probe.close();
  } finally {
    await server.stop().catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
    await pgdb.drop();
  }
  return out;
}
