import type { KeyObject } from 'node:crypto';
import { startJobThread, type JobThread } from '../job-thread.ts';

/** Signs a JWS signing input with ES256 (P-256, SHA-256, r||s) and answers the base64url signature. */
export type Es256Signer = (input: string, key: KeyObject) => Promise<string>;

interface Queued {
  input: string;
  key: KeyObject;
  resolve: (s: string) => void;
  reject: (e: Error) => void;
}

/**
 * ES256 in one thread of its own per process, fed in batches: the inputs of one round of the event
 * loop go in one message and come back in one. Handing each signature to libuv's pool instead cost
 * the event loop ~40 µs per token under load (docs/performance.md). The key travels with each batch
 * (a handle, not key material); the thread holds the process open only while signatures are owed.
 */
export const es256: Es256Signer = (input, key) =>
  new Promise<string>((resolve, reject) => {
    if (queue.length === 0) setImmediate(flush);
    queue.push({ input, key, resolve, reject });
  });

let thread: JobThread | undefined;
let queue: Queued[] = [];

function start(): JobThread {
  const t = startJobThread(new URL('./sign-thread.mjs', import.meta.url), {
    stopped: (why) => new Error(`the signing thread ${why}`),
    onStopped: () => {
      if (thread === t) thread = undefined; // the next batch starts a new thread
    },
  });
  return t;
}

function flush(): void {
  const batch = queue;
  queue = [];
  const t = (thread ??= start());
  // One message per key: a batch rarely holds more than one.
  const byKey = new Map<KeyObject, Queued[]>();
  for (const item of batch) {
    const list = byKey.get(item.key);
    if (list) list.push(item);
    else byKey.set(item.key, [item]);
  }
  for (const [key, items] of byKey) {
    t.run<string[]>({ key, inputs: items.map((it) => it.input) }).then(
      (out) => items.forEach((it, i) => it.resolve(out[i])),
      (err: Error) => items.forEach((it) => it.reject(err)),
    );
  }
}
