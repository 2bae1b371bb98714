// The signing thread (signer.ts): signs batches of JWS signing inputs with ES256, one after another.
import { parentPort } from 'node:worker_threads';
import { sign } from 'node:crypto';

parentPort.on('message', ({ id, job: { key, inputs } }) => {
  try {
    const out = inputs.map((input) =>
      sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
    );
    parentPort.postMessage({ id, out });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err) });
  }
});
