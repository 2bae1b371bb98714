import { Worker } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';

/** Signs a JWS signing input with ES256 (P-256, SHA-256, r||s) and answers the base64url signature. */
export type Es256Signer = (input: string, key: KeyObject) => Promise<string>;

interface Queued { input: string; key: KeyObject; resolve: (s: string) => void; reject: (e: Error) => void }

/**
 * ES256 in one thread of its own per process, fed in batches: the inputs of one round of the event
 * loop go in one message and come back in one. Handing each signature to libuv's pool instead cost
 * the event loop ~40 µs per token under load, and the pool is where argon2 runs (docs/performance.md).
 * The key travels with each batch (a handle, not key material); the thread holds the process open
 * only while signatures are owed.
 */
export const es256: Es256Signer = (input, key) => new Promise<string>((resolve, reject) => {
  if (queue.length === 0) setImmediate(flush);
  queue.push({ input, key, resolve, reject });
});

let worker: Worker | undefined;
let queue: Queued[] = [];
let seq = 0;
const pending = new Map<number, Queued[]>();

function start(): Worker {
  const w = new Worker(new URL('./sign-thread.mjs', import.meta.url));
  w.on('message', (m: { id: number; out?: string[]; error?: string }) => {
    const items = pending.get(m.id) ?? [];
    pending.delete(m.id);
    if (m.out) items.forEach((it, i) => it.resolve(m.out![i]));
    else items.forEach((it) => it.reject(new Error(m.error ?? 'signing failed')));
    if (pending.size === 0) w.unref();
  });
  const fail = (err: Error) => {
    if (worker !== w) return;
    worker = undefined; // the next batch starts a new thread
    for (const items of pending.values()) items.forEach((it) => it.reject(err));
    pending.clear();
  };
  w.on('error', fail);
  w.on('exit', () => fail(new Error('the signing thread stopped')));
  return w;
}

function flush(): void {
  const batch = queue;
  queue = [];
  const w = (worker ??= start());
  // The thread holds the process open only while signatures are owed (an idle one never does).
  if (pending.size === 0) w.ref();
  // One message per key: a batch rarely holds more than one.
  const byKey = new Map<KeyObject, Queued[]>();
  for (const item of batch) {
    const list = byKey.get(item.key);
    if (list) list.push(item);
    else byKey.set(item.key, [item]);
  }
  for (const [key, items] of byKey) {
    const id = ++seq;
    pending.set(id, items);
    w.postMessage({ id, key, inputs: items.map((it) => it.input) });
  }
}
