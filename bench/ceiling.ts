import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnNode, stopChild, waitForOk } from './server.ts';

export interface BareServer {
  readonly baseUrl: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** What the necessary-work ceiling does for one route (bench/bare-server.ts). */
export interface CeilingSample {
  /** The real service's answer, served with fresh tokens in place. */
  body: Record<string, unknown>;
  /** The field holding the JWT to sign per request (a ticket route). */
  jwtField?: string;
  /** The fields holding opaque tokens to mint and hash per request. */
  tokenFields?: string[];
  /** A JWT whose claims are signed once and verified per request (a verify route). */
  verify?: string;
}

/** Starts bench/bare-server.ts in its own process, doing each sample's necessary work at GET /<name>. */
export async function startBareServer(samples: Record<string, CeilingSample>): Promise<BareServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'storefront-auth-bare-'));
  const bodiesFile = path.join(dir, 'samples.json');
  await fs.writeFile(bodiesFile, JSON.stringify(samples));
  const port = await freePort();
  const { child, output } = spawnNode(
    'bench/bare-server.ts',
    { PORT: String(port), SAMPLES_FILE: bodiesFile },
    'bare-server',
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForOk(`${baseUrl}/ok`, child, output, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, pid: child.pid ?? 0, stop };
}

export interface Argon2Ceiling {
  readonly verifiesPerSec: number;
  readonly verifies: number;
  /** CPU ms (all threads) per verify. */
  readonly cpuMsPerVerify: number;
  readonly failures: number;
  readonly concurrency: number;
  /** `threads`: the service's own hashing threads; `libuv`: async verify on libuv's pool. */
  readonly way: 'threads' | 'libuv';
  /** How many threads verified (for libuv: UV_THREADPOOL_SIZE, or '4 (default)'). */
  readonly threads: string;
}

/**
 * Raw argon2id verifies/s at `params`, with `concurrency` verifies in flight, measured in a child
 * process (bench/argon2-worker.ts) while nothing else runs: on `threads` hashing threads as the
 * service does it, or (threads omitted) on libuv's pool.
 */
export async function measureArgon2(
  params: { memoryCost: number; timeCost: number; parallelism: number },
  concurrency: number,
  durationMs: number,
  warmupMs: number,
  threads?: number,
): Promise<Argon2Ceiling> {
  const { child, output } = spawnNode(
    'bench/argon2-worker.ts',
    {
      ...(threads === undefined ? { WAY: 'libuv' } : { WAY: 'threads', THREADS: String(threads) }),
      MEMORY_COST: String(params.memoryCost),
      TIME_COST: String(params.timeCost),
      PARALLELISM: String(params.parallelism),
      CONCURRENCY: String(concurrency),
      DURATION_MS: String(durationMs),
      WARMUP_MS: String(warmupMs),
    },
    'argon2-worker',
  );
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  await stopChild(child);
  const line = output()
    .split('\n')
    .find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`argon2 worker failed (exit ${code}):\n${output()}`);
  return JSON.parse(line) as Argon2Ceiling;
}
