import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigFile } from '../src/config/schema.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_APP = { clientId: 'bench-storefront', clientSecret: 'bench-storefront-secret' };

/** A child process the bench started; every one is killed on exit, errors and SIGINT. */
const children = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

/**
 * Spawns `node --import tsx <script>` (or, `tsx` false, plain `node <args>`) in `cwd` (default the
 * checkout) and tracks it for cleanup.
 */
export function spawnNode(
  script: string | string[],
  env: Record<string, string>,
  label: string,
  nodeArgs: string[] = [],
  { tsx = true, cwd = ROOT }: { tsx?: boolean; cwd?: string } = {},
): { child: ChildProcess; output: () => string } {
  hookExit();
  const args = [...nodeArgs, ...(tsx ? ['--import', 'tsx'] : []), ...(Array.isArray(script) ? script : [script])];
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString('utf8');
    if (out.length > 20_000) out = out.slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (err) => keep(Buffer.from(`${label}: ${err.message}\n`)));
  return { child, output: () => out };
}

/** Stops a child: SIGTERM, then SIGKILL after a grace period. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A free TCP port on loopback (bind to 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200, the child dies, or the timeout passes. */
export async function waitForOk(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`child exited (${child.exitCode ?? child.signalCode}) before ${url} was ready:\n${output()}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${url}:\n${output()}`);
}

export interface BenchServer {
  readonly baseUrl: string;
  /** The service's process id (with WORKERS > 1, the primary: its workers are its children). */
  readonly pid: number;
  readonly argon2: { memoryCost: number; timeCost: number; parallelism: number };
  /** The service's DATA_DIR (its embedded database, when no databaseUrl). */
  readonly dataDir: string;
  /** Last lines the server wrote (warnings, errors). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The bench's CONFIG_FILE: one tenant/site and one storefront app; production argon2 defaults.
 * `extra` is merged over it, then `configure` may edit it in place.
 */
export async function writeBenchConfig(
  dir: string,
  extra: Partial<ConfigFile> = {},
  configure?: (config: ConfigFile) => void,
): Promise<string> {
  const config: ConfigFile = {
    tenants: [
      {
        id: 1,
        name: 'Bench',
        domain: 't1.localhost',
        customerSets: [{ code: 'default', name: 'Default' }],
        sites: [{ id: 1, name: 'Main', customerSet: 'default' }],
      },
    ],
    apps: [{ ...BENCH_APP, tenantId: 1, behaviors: [] }],
    // 50 connections logging in as one shopper from one IP is exactly what the limiter stops;
    // the bench measures the work behind it, so it is off.
    rateLimits: { enabled: false },
    ...extra,
  };
  configure?.(config);
  const configFile = path.join(dir, 'config.json');
  await fs.writeFile(configFile, JSON.stringify(config, null, 2));
  return configFile;
}

/** The compiled entry point `npm start` runs (`node --enable-source-maps dist/src/main.js`). */
export const MAIN_JS = 'dist/src/main.js';
export const START_ARGS = ['--enable-source-maps', MAIN_JS];

/** Runs `npm run build` unless dist/ is newer than every file in src/ (the bench measures the build). */
export async function ensureBuilt(): Promise<void> {
  const newest = async (dir: string): Promise<number> => {
    let t = 0;
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? await newest(p) : (await fs.stat(p)).mtimeMs);
    }
    return t;
  };
  const built = await fs.stat(path.join(ROOT, MAIN_JS)).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (built > (await newest(path.join(ROOT, 'src')))) return;
  process.stderr.write('[bench] building dist/ (npm run build)…\n');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm run build failed (${r.status ?? r.signal})`);
}

/** Spawns the compiled service as `npm start` does, with plain node (no TypeScript loader). */
export function spawnService(
  env: Record<string, string>,
  nodeArgs: string[] = [],
): { child: ChildProcess; output: () => string } {
  return spawnNode(START_ARGS, env, 'server', nodeArgs, { tsx: false });
}

/**
 * Starts the real service, compiled, as `npm start` runs it (`node dist/src/main.js`, built first
 * when src/ changed), in a child process on a free loopback port with a temp DATA_DIR (embedded
 * PGlite) and the bench's CONFIG_FILE. The passwords section is left out, so the production argon2
 * defaults apply. With `databaseUrl` (an empty, throwaway PostgreSQL database) the service uses it
 * instead of PGlite. With `root` (another checkout: the storage bench's baseline) that checkout's
 * source runs through tsx, as it may predate the compiled build.
 */
export async function startServer(
  opts: {
    databaseUrl?: string;
    /** Reuse this directory (kept on stop) instead of a new temp one (removed on stop). */
    dir?: string;
    /** Merged over the bench's CONFIG_FILE (e.g. short lifetimes, retention). */
    config?: Partial<ConfigFile>;
    /** Run the service from another checkout of the code (the storage bench's baseline). */
    root?: string;
    logLevel?: string;
    /** Edits the bench's CONFIG_FILE in place, after `config` is merged. */
    configure?: (config: ConfigFile) => void;
    /** More environment for the service (e.g. WORKERS). */
    env?: Record<string, string>;
  } = {},
): Promise<BenchServer> {
  if (!opts.root) await ensureBuilt();
  const dir = opts.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'storefront-auth-bench-')));
  const configFile = await writeBenchConfig(dir, opts.config, opts.configure);
  const port = await freePort();
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: path.join(dir, 'data'),
    CONFIG_FILE: configFile,
    LOG_LEVEL: opts.logLevel ?? 'warn',
    NODE_ENV: 'production',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`]
    : [];
  const { child, output } = opts.root
    ? spawnNode('src/main.ts', env, 'server', profile, { cwd: opts.root })
    : spawnService(env, profile);
  const baseUrl = `http://127.0.0.1:${port}`;
  const cleanup = async () => {
    await stopChild(child);
    if (!opts.dir) await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForOk(`${baseUrl}/readyz`, child, output);
  } catch (err) {
    await cleanup();
    throw err;
  }
  // Same values as src/config/defaults.ts (defaultArgon2); the config file leaves them unset.
  const { defaultArgon2 } = await import('../src/config/defaults.ts');
  return {
    baseUrl,
    pid: child.pid ?? 0,
    dataDir: path.join(dir, 'data'),
    argon2: { ...defaultArgon2 },
    output,
    stop: cleanup,
  };
}
