// A password-hashing thread (hash-pool.ts): argon2id hashes and verifies, one after another.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/argon2';

// Yield to the event loop: on Linux a nice value is a thread's own (setpriority(2)), and
// /proc/thread-self names this thread. Elsewhere the thread keeps the process's priority.
if (workerData?.nice > 0 && process.platform === 'linux') {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), workerData.nice);
  } catch {
    /* best effort: an equal priority only costs the event loop latency */
  }
}

parentPort.on('message', ({ id, job: { op, password, stored, options } }) => {
  try {
    const out = op === 'verify' ? verifySync(stored, password) : hashSync(password, options);
    parentPort.postMessage({ id, out });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
