import DataLoader from 'dataloader';
import { inTransaction } from './transaction.ts';

/**
 * Group commit for the hot token paths. Calls made while the event loop works through one round of
 * I/O are sent to the database as one statement: on embedded PGlite every statement costs a fixed
 * few hundred microseconds whatever its size, and on PostgreSQL every statement is a round trip.
 *
 * `run` answers one result per item, in order. If the whole batch fails (one bad row fails a
 * multi-row statement), every item is retried alone, so an item only ever fails for its own reason.
 * A call made inside a transaction (store/transaction.ts) runs alone and at once, on the transaction:
 * a batch is shared with other requests and must neither leave the transaction nor join it.
 */
export function batched<I, O>(
  run: (items: readonly I[]) => Promise<readonly O[]>,
  maxBatchSize = 256,
): (item: I) => Promise<O> {
  const loader = new DataLoader<I, O>(
    async (items) => {
      if (items.length === 1) return [await run(items).then((r) => r[0])];
      try {
        return await run(items);
      } catch {
        return Promise.all(
          items.map((i) =>
            run([i]).then(
              (r) => r[0],
              (err: unknown) => toError(err),
            ),
          ),
        );
      }
    },
    {
      cache: false,
      maxBatchSize,
      // setImmediate, not the default microtask tick: wait for the other requests that arrived in
      // this round of I/O, so that a batch holds more than one call under load.
      batchScheduleFn: (dispatch) => setImmediate(dispatch),
    },
  );
  return (item) => (inTransaction() ? run([item]).then((r) => r[0]) : loader.load(item));
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
