/**
 * Raw argon2id verify throughput, run as its own process by bench/ceiling.ts. It uses the same
 * library and call as the server (@node-rs/argon2's async `verify`, which runs on libuv's thread
 * pool) with CONCURRENCY verifies in flight for DURATION_MS, and prints one JSON line.
 * Env: MEMORY_COST, TIME_COST, PARALLELISM, CONCURRENCY, DURATION_MS, WARMUP_MS.
 */
import { Algorithm, hash, verify } from '@node-rs/argon2';

const params = {
  algorithm: Algorithm.Argon2id,
  memoryCost: Number(process.env.MEMORY_COST),
  timeCost: Number(process.env.TIME_COST),
  parallelism: Number(process.env.PARALLELISM),
};
const concurrency = Number(process.env.CONCURRENCY ?? 4);
const durationMs = Number(process.env.DURATION_MS ?? 5000);
const warmupMs = Number(process.env.WARMUP_MS ?? 1000);
const password = 'Bench-password-1';
const stored = await hash(password, params);

async function runFor(ms: number): Promise<{ done: number; elapsedMs: number; failures: number }> {
  const start = performance.now();
  const end = start + ms;
  let done = 0;
  let failures = 0;
  const lane = async () => {
    while (performance.now() < end) {
      if (await verify(stored, password)) done += 1;
      else failures += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { done, failures, elapsedMs: performance.now() - start };
}

await runFor(warmupMs);
const r = await runFor(durationMs);
process.stdout.write(`${JSON.stringify({ verifiesPerSec: r.done / (r.elapsedMs / 1000), verifies: r.done, failures: r.failures, elapsedMs: r.elapsedMs, concurrency, params: { memoryCost: params.memoryCost, timeCost: params.timeCost, parallelism: params.parallelism }, threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)' })}\n`);
