import type { KeyObject } from 'node:crypto';
import type { Es256Signer } from '../domain/tokens/jwt.ts';
import { startJobThread, type JobThread } from './job-thread.ts';

/** The signing thread and its owner's handle on it. */
export interface Signer {
  es256: Es256Signer;
  /** Stops the thread; signatures still owed are rejected. The next signature starts a new thread. */
  close(): Promise<void>;
}

interface Queued {
  input: string;
  key: KeyObject;
  resolve: (s: string) => void;
  reject: (e: Error) => void;
}

/**
 * ES256 in one thread of its own, fed in batches: the inputs of one round of the event loop go in
 * one message and come back in one, so signing stays off the event loop (docs/performance.md).
 * The key travels with each batch (a handle, not key material); the thread starts on first use and
 * holds the process open only while signatures are owed.
 */
export function createSigner(): Signer {
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

  return {
    es256: (input, key) =>
      new Promise<string>((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
        queue.push({ input, key, resolve, reject });
      }),
    async close() {
      const t = thread;
      thread = undefined;
      await t?.terminate();
    },
  };
}
