/**
 * Raw argon2id verify throughput, run as its own process by bench/ceiling.ts, while nothing else
 * runs. CONCURRENCY verifies are kept in flight for DURATION_MS after WARMUP_MS, in one of two ways:
 *   WAY=threads  on the service's own hashing threads (src/runtime/hash-pool.ts), THREADS
 *                of them — exactly how the service verifies a login password;
 *   WAY=libuv    @node-rs/argon2's async `verify` on libuv's thread pool (UV_THREADPOOL_SIZE,
 *                4 by default) — how the service verified before it had threads of its own.
 * Prints one JSON line. Env: WAY, THREADS, MEMORY_COST, TIME_COST, PARALLELISM, CONCURRENCY,
 * DURATION_MS, WARMUP_MS.
 */
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { createHashPool } from '../src/runtime/hash-pool.ts';

const params = {
  algorithm: Algorithm.Argon2id,
  memoryCost: Number(process.env.MEMORY_COST),
  timeCost: Number(process.env.TIME_COST),
  parallelism: Number(process.env.PARALLELISM),
};
const way = process.env.WAY === 'libuv' ? 'libuv' : 'threads';
const threads = Number(process.env.THREADS ?? 2);
const concurrency = Number(process.env.CONCURRENCY ?? 4);
const durationMs = Number(process.env.DURATION_MS ?? 5000);
const warmupMs = Number(process.env.WARMUP_MS ?? 1000);
const password = 'Bench-password-1';
const stored = await hash(password, params);
const pool = way === 'threads' ? createHashPool(threads) : undefined;
const check = pool ? (s: string, p: string) => pool.verify(s, p) : (s: string, p: string) => verify(s, p);

async function runFor(ms: number): Promise<{ done: number; elapsedMs: number; failures: number; cpuMs: number }> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const end = start + ms;
  let done = 0;
  let failures = 0;
  const lane = async () => {
    while (performance.now() < end) {
      if (await check(stored, password)) done += 1;
      else failures += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const used = process.cpuUsage(cpu);
  return { done, failures, elapsedMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

await runFor(warmupMs);
const r = await runFor(durationMs);
await pool?.close();
process.stdout.write(
  `${JSON.stringify({
    verifiesPerSec: r.done / (r.elapsedMs / 1000),
    verifies: r.done,
    // CPU of every thread of this process (the verifying threads, or libuv's pool) per verify.
    cpuMsPerVerify: r.cpuMs / Math.max(1, r.done),
    failures: r.failures,
    elapsedMs: r.elapsedMs,
    concurrency,
    params: { memoryCost: params.memoryCost, timeCost: params.timeCost, parallelism: params.parallelism },
    way,
    threads: way === 'threads' ? String(threads) : (process.env.UV_THREADPOOL_SIZE ?? '4 (default)'),
  })}\n`,
);
