import { Worker } from 'node:worker_threads';

/**
 * A worker thread that answers each message `{ id, job }` with `{ id, out }` or `{ id, error }`
 * (sign-thread.mjs, hash-thread.mjs). It holds the process open only while it owes answers; when
 * it stops, every job it owed fails with `stopped(why)` and `onStopped` tells its owner to start
 * another for the next job.
 */
export interface JobThread {
  run<T>(job: object): Promise<T>;
  /** Jobs sent and not yet answered. */
  readonly owed: number;
  terminate(): Promise<void>;
}

interface Owed {
  resolve: (out: unknown) => void;
  reject: (err: Error) => void;
}

export function startJobThread(
  url: URL,
  opts: {
    workerData?: unknown;
    /** The error each owed job fails with when the thread stops (`why`: 'stopped' or 'failed: …'). */
    stopped: (why: string) => Error;
    onStopped: () => void;
  },
): JobThread {
  const worker = new Worker(url, { workerData: opts.workerData });
  const owed = new Map<number, Owed>();
  let seq = 0;
  worker.unref();
  worker.on('message', (m: { id: number; out?: unknown; error?: string }) => {
    const job = owed.get(m.id);
    owed.delete(m.id);
    if (owed.size === 0) worker.unref();
    if (!job) return;
    if (m.error === undefined) job.resolve(m.out);
    else job.reject(new Error(m.error));
  });
  let stopped = false;
  const fail = (why: string) => {
    if (!stopped) opts.onStopped();
    stopped = true;
    for (const job of owed.values()) job.reject(opts.stopped(why));
    owed.clear();
  };
  worker.on('error', (err) => fail(`failed: ${err.message}`));
  worker.on('exit', () => fail('stopped'));
  return {
    run<T>(job: object) {
      const id = ++seq;
      return new Promise<T>((resolve, reject) => {
        if (owed.size === 0) worker.ref();
        owed.set(id, { resolve: (out) => resolve(out as T), reject });
        worker.postMessage({ id, job });
      });
    },
    get owed() {
      return owed.size;
    },
    async terminate() {
      await worker.terminate();
    },
  };
}
