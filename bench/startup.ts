/**
 * `npm run bench -- startup`: resident memory and start time of the compiled service, started as
 * `npm start` starts it (`node --enable-source-maps dist/src/main.js`, embedded PGlite), on one
 * data directory through its life:
 *
 *   1. first start on an empty DATA_DIR (initdb + migrations): time to the first answer
 *   2. RSS at idle, then under guest load (autocannon, GET anonymousshopper) and after it
 *   3. a clean stop (SIGTERM) and a restart on the existing data: time to the first answer
 *   4. `kill -9` in the middle of a guest load, and a restart: time to the first answer
 *   5. the same restarts again, BENCH_STARTUP_ROUNDS times (default 3), reported as median and max
 *
 * "First answer" is the first 200 from GET /readyz (the database answered a query), timed from the
 * spawn. The service logs how long each step of its start took (`startupMs`, src/main.ts); the
 * bench prints those steps too, so a slow restart says where its time went. RSS is VmRSS from
 * /proc/<pid>/status, sampled every 100 ms; PGlite's share is the resident part of the
 * WebAssembly memory (the anonymous mapping of exactly the size the service reports on /metrics,
 * storefront_auth_pglite_memory_bytes, in /proc/<pid>/smaps). Last, bench/memory-steps.mjs shows
 * what each part of the service adds, step by step, in one process.
 * Linux only. See docs/performance.md ("Memory and start time").
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { BENCH_APP, ROOT, ensureBuilt, freePort, spawnService, stopChild, writeBenchConfig } from './server.ts';
import { load, type LoadResult } from './load.ts';

const ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 3);
const LOAD_SECONDS = Number(process.env.BENCH_DURATION ?? 6);
const CONNECTIONS = 50;
const ANON = '/api/commerce/customer/authtickets/anonymousshopper';
const log = (msg: string) => process.stderr.write(`[startup] ${msg}\n`);

interface Started {
  child: ChildProcess;
  output: () => string;
  /** Spawn to the first 200 from /readyz. */
  firstAnswerMs: number;
  /** The service's own `startupMs` marks (ms since its process began). */
  steps?: Record<string, number>;
}

interface Memory {
  rssMiB: number;
  /** Resident part of PGlite's WebAssembly memory, and its size. */
  wasmMiB: number;
  wasmSizeMiB: number;
  /** The main thread's V8 heap (committed), and memory outside it that V8 knows of. */
  heapMiB: number;
  externalMiB: number;
  threads: number;
}

const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10;

/** One sample value from the Prometheus text at /metrics. */
function metric(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

async function memoryOf(pid: number, baseUrl?: string): Promise<Memory> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const threads = Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0);
  let wasmBytes = NaN;
  let heap = NaN;
  let external = NaN;
  if (baseUrl) {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    wasmBytes = metric(text, 'storefront_auth_pglite_memory_bytes');
    heap = metric(text, 'nodejs_heap_size_total_bytes');
    external = metric(text, 'nodejs_external_memory_bytes');
  }
  // smaps: a header line per mapping ("start-end perms …"), then "Size:", "Rss:", … in kB. PGlite's
  // WebAssembly memory is the anonymous mapping exactly its size.
  let wasm = 0;
  let size = 0;
  if (Number.isFinite(wasmBytes)) {
    const smaps = await fs.readFile(`/proc/${pid}/smaps`, 'utf8');
    for (const line of smaps.split('\n')) {
      if (line.startsWith('Size:')) size = Number(line.split(/\s+/)[1]);
      else if (line.startsWith('Rss:') && size * 1024 === wasmBytes) wasm += Number(line.split(/\s+/)[1]);
    }
  }
  return {
    rssMiB: mib(rss),
    wasmMiB: mib(wasm),
    wasmSizeMiB: mib(wasmBytes / 1024),
    heapMiB: mib(heap / 1024),
    externalMiB: mib(external / 1024),
    threads,
  };
}

const memText = (m: Memory) =>
  `PGlite wasm ${m.wasmMiB} of ${m.wasmSizeMiB} MiB resident, V8 heap ${m.heapMiB} MiB, external ${m.externalMiB} MiB, ${m.threads} threads`;

async function start(env: Record<string, string>, baseUrl: string): Promise<Started> {
  const t0 = performance.now();
  const { child, output } = spawnService(env);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the service exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (performance.now() - t0 > 120_000) throw new Error(`no answer after 120 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const firstAnswerMs = Math.round(performance.now() - t0);
  // The line is logged once listening, so it may land just after the first answer.
  let steps: Record<string, number> | undefined;
  for (let i = 0; i < 50 && !steps; i++) {
    for (const line of output().split('\n')) {
      if (!line.includes('"startupMs"')) continue;
      try {
        steps = JSON.parse(line).startupMs;
      } catch {
        /* not a log line */
      }
    }
    if (!steps) await new Promise((r) => setTimeout(r, 20));
  }
  return { child, output, firstAnswerMs, steps };
}

async function appToken(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/platform/applications/authtickets/oauth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: BENCH_APP.clientId,
      client_secret: BENCH_APP.clientSecret,
      grant_type: 'client_credentials',
    }),
  });
  if (!res.ok) throw new Error(`app token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Guest load for `seconds`, sampling memory; with `killAfterMs`, SIGKILLs the service mid-run. */
async function guestLoad(
  baseUrl: string,
  s: Started,
  seconds: number,
  killAfterMs?: number,
): Promise<{ result: LoadResult; peak: Memory }> {
  const token = await appToken(baseUrl);
  let peak: Memory = { rssMiB: 0, wasmMiB: 0, wasmSizeMiB: 0, heapMiB: 0, externalMiB: 0, threads: 0 };
  const sampler = setInterval(() => {
    if (s.child.pid === undefined || s.child.exitCode !== null || s.child.signalCode !== null) return;
    memoryOf(s.child.pid, baseUrl).then(
      (m) => {
        if (m.rssMiB > peak.rssMiB) peak = m;
      },
      () => {},
    );
  }, 100);
  const killer = killAfterMs === undefined ? undefined : setTimeout(() => s.child.kill('SIGKILL'), killAfterMs);
  try {
    const result = await load({
      url: baseUrl,
      path: ANON,
      connections: CONNECTIONS,
      duration: seconds,
      headers: { 'x-vol-tenant': '1', 'x-vol-site': '1', authorization: `Bearer ${token}` },
    });
    return { result, peak };
  } finally {
    clearInterval(sampler);
    if (killer) clearTimeout(killer);
  }
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function stepsText(steps?: Record<string, number>): string {
  if (!steps) return '(no startupMs line)';
  let prev = 0;
  return Object.entries(steps)
    .map(([k, v]) => {
      const d = v - prev;
      prev = v;
      return `${k} +${d}`;
    })
    .join(', ');
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

export async function run(args: string[] = []): Promise<void> {
  if (process.platform !== 'linux') throw new Error('the startup bench reads /proc: Linux only');
  await ensureBuilt();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'storefront-auth-startup-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: path.join(dir, 'data'),
    CONFIG_FILE: await writeBenchConfig(dir),
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
  };
  // The service logs every request at info; the bench only reads its startup line.
  const rows: string[][] = [['measure', 'value', 'target', 'result', 'detail']];
  const verdict = (v: number, max: number) => (v <= max ? 'PASS' : 'FAIL');
  let s: Started | undefined;
  try {
    log(`first start on an empty DATA_DIR (${env.DATA_DIR})`);
    s = await start(env, baseUrl);
    rows.push(['first start (initdb)', `${s.firstAnswerMs} ms`, '—', 'info', stepsText(s.steps)]);
    log(`first answer after ${s.firstAnswerMs} ms: ${stepsText(s.steps)}`);

    await settle(5000);
    const firstIdle = await memoryOf(s.child.pid!, baseUrl);
    rows.push(['RSS at idle after the first start', `${firstIdle.rssMiB} MiB`, '—', 'info', memText(firstIdle)]);
    // The first start ran initdb in a second PGlite whose memory is never given back: measure the
    // service as it runs from then on, restarted on its data.
    await stopChild(s.child, 10_000);
    s = await start(env, baseUrl);
    await settle(5000);
    const idle = await memoryOf(s.child.pid!, baseUrl);
    log(`idle: ${JSON.stringify(idle)}`);
    rows.push(['RSS at idle', `${idle.rssMiB} MiB`, '≤ 120 MB', verdict(idle.rssMiB * 1.048576, 120), memText(idle)]);

    log(`guest load: ${CONNECTIONS} connections, ${LOAD_SECONDS}s`);
    const g = await guestLoad(baseUrl, s, LOAD_SECONDS);
    log(`guest load: ${g.result.requestsPerSec.toFixed(0)} req/s, peak ${JSON.stringify(g.peak)}`);
    rows.push([
      'RSS under guest load (peak)',
      `${g.peak.rssMiB} MiB`,
      '≤ 250 MB',
      verdict(g.peak.rssMiB * 1.048576, 250),
      `${memText(g.peak)}; ${g.result.requestsPerSec.toFixed(0)} req/s, non-2xx ${g.result.non2xx}`,
    ]);
    await settle(5000);
    const after = await memoryOf(s.child.pid!, baseUrl);
    rows.push(['RSS idle after the load', `${after.rssMiB} MiB`, '—', 'info', memText(after)]);

    const clean: number[] = [];
    const killed: number[] = [];
    const killedSteps: string[] = [];
    const cleanSteps: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}: SIGTERM, restart`);
      await stopChild(s.child, 10_000);
      s = await start(env, baseUrl);
      clean.push(s.firstAnswerMs);
      cleanSteps.push(stepsText(s.steps));
      log(`restart after a clean stop: ${s.firstAnswerMs} ms (${stepsText(s.steps)})`);

      log(`round ${round}: guest load, kill -9 after ${(LOAD_SECONDS * 1000) / 2} ms`);
      await guestLoad(baseUrl, s, LOAD_SECONDS, (LOAD_SECONDS * 1000) / 2).catch(() => undefined);
      await exited(s.child);
      s = await start(env, baseUrl);
      killed.push(s.firstAnswerMs);
      killedSteps.push(stepsText(s.steps));
      log(`restart after kill -9: ${s.firstAnswerMs} ms (${stepsText(s.steps)})`);
    }
    rows.push([
      'restart after SIGTERM',
      `${median(clean)} ms (max ${Math.max(...clean)})`,
      '≤ 2 s',
      verdict(Math.max(...clean), 2000),
      cleanSteps[cleanSteps.length - 1],
    ]);
    rows.push([
      'restart after kill -9 under load',
      `${median(killed)} ms (max ${Math.max(...killed)})`,
      '≤ 2 s',
      verdict(Math.max(...killed), 2000),
      killedSteps[killedSteps.length - 1],
    ]);
    await stopChild(s.child, 10_000);
    s = undefined;
    log('memory step by step (bench/memory-steps.mjs, the service stopped)');
    const steps = memorySteps(env.DATA_DIR, env.CONFIG_FILE);
    const dataBytes = await du(env.DATA_DIR);
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    const out = [
      '',
      `storefront-auth startup bench — ${new Date().toISOString()}`,
      `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      `service: node --enable-source-maps dist/src/main.js, embedded PGlite, data dir ${(dataBytes / 2 ** 20).toFixed(0)} MiB at the end, ${ROUNDS} restart rounds`,
      `steps: ms between the service's startupMs marks (loaded = modules imported, storeOpen = PGlite started)`,
      '',
      line(rows[0]),
      `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
      ...rows.slice(1).map(line),
      '',
      'resident memory step by step (one process, compiled modules, plain node):',
      ...steps,
      '',
      `restarts after SIGTERM (ms): ${clean.join(', ')}`,
      `restarts after kill -9 (ms): ${killed.join(', ')}`,
      '',
    ];
    process.stdout.write(out.join('\n') + '\n');
    if (args.includes('--json'))
      process.stdout.write(JSON.stringify({ idle, guest: g.peak, after, clean, killed }, null, 2) + '\n');
  } finally {
    if (s) await stopChild(s.child).catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Runs bench/memory-steps.mjs on the data directory and formats its steps. */
function memorySteps(dataDir: string, configFile: string): string[] {
  const r = spawnSync(process.execPath, ['--expose-gc', 'bench/memory-steps.mjs', dataDir, configFile], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) return [`  (memory-steps failed: ${r.stderr.slice(-500)})`];
  const { wasmMemoryMiB, steps } = JSON.parse(r.stdout) as {
    wasmMemoryMiB: number;
    steps: { step: string; rssMiB: number; heapUsedMiB: number; heapTotalMiB: number; threads: number }[];
  };
  let prev = 0;
  return [
    ...steps.map((st) => {
      const line = `  ${st.step.padEnd(44)} RSS ${String(st.rssMiB).padStart(6)} MiB (+${(st.rssMiB - prev).toFixed(1)}), V8 heap ${st.heapUsedMiB} used / ${st.heapTotalMiB} MiB, ${st.threads} threads`;
      prev = st.rssMiB;
      return line;
    }),
    `  PGlite WebAssembly memory: ${wasmMemoryMiB} MiB reserved`,
  ];
}

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await du(p) : (await fs.stat(p)).size;
  }
  return total;
}
