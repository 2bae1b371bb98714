import { AsyncLocalStorage } from 'node:async_hooks';
import type { Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';

/** The transaction a call chain runs inside: which database it is on, and whether it is still open. */
interface Ambient {
  base: Db;
  trx: Transaction<Database>;
  open: boolean;
}

const ambient = new AsyncLocalStorage<Ambient>();
/**
 * Transactions running now. While the store is enabled Node 20 tracks every promise of the process
 * (measured: each await costs about half as much again), so it is enabled only while a transaction
 * runs: the hot paths that need none (tickets, refresh) pay nothing the rest of the time.
 */
let running = 0;

/**
 * Where a repository statement on `db` runs: on the transaction the calling chain is inside (see
 * `transaction`), else on `db` itself. Repositories resolve it per statement rather than being
 * built over a transaction, so that nothing called inside one — audit, sessions, devices, the
 * batched paths — can slip past it: on PGlite's single connection a statement outside the
 * transaction would wait for it to end, and the transaction for the statement, forever.
 */
export function executor(db: Db): Db {
  const a = ambient.getStore();
  return a !== undefined && a.open && a.base === db ? a.trx : db;
}

/** Whether the calling chain is inside an open transaction (batched calls then run alone, on it). */
export function inTransaction(): boolean {
  return ambient.getStore()?.open === true;
}

/**
 * Runs `fn` as one transaction on `db`: every repository statement it makes, directly or through
 * the services it calls, commits together when `fn` resolves, or is rolled back when it throws.
 * Inside a transaction on the same database it joins that one. Keep slow work (password hashing)
 * out of `fn`: on PGlite the transaction holds the only connection.
 */
export async function transaction<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  const outer = ambient.getStore();
  if (outer !== undefined && outer.open && outer.base === db) return fn();
  return db.transaction().execute(async (trx) => {
    const a: Ambient = { base: db, trx, open: true };
    running += 1;
    try {
      return await ambient.run(a, fn);
    } finally {
      // Work the callback started but did not await must not use a finished transaction.
      a.open = false;
      running -= 1;
      if (running === 0) ambient.disable();
    }
  });
}

/** Runs a function as one transaction (`transaction` bound to a database): what domain services take. */
export type Transact = <T>(fn: () => Promise<T>) => Promise<T>;
