// A password-hashing thread (hash-pool.ts): argon2id hashes and verifies, one after another.
import { parentPort } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/argon2';

parentPort.on('message', ({ id, op, password, stored, options }) => {
  try {
    const out = op === 'verify' ? verifySync(stored, password) : hashSync(password, options);
    parentPort.postMessage({ id, out });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
