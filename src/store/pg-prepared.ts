import type { Pool, PoolClient } from 'pg';

/** Statements worth keeping prepared: queries. Transaction control and DDL run as sent. */
const CACHEABLE = /^\s*(select|insert|update|delete|with)\b/i;
/** "cached plan must not change result type": a kept statement outlived a change of its table. */
export const STALE_PLAN = '0A000';

/** pg's client.query, in the two forms used here (and passed any other). */
type Query = (...args: unknown[]) => Promise<unknown>;

/**
 * Server-side prepared statements on PostgreSQL, as store/pglite-prepared.ts keeps them on PGlite:
 * each connection of `pool` parses and plans a distinct statement once, under a name of its own,
 * and then only binds and executes it. Measured (docs/performance.md, tenth session): the login's
 * write spent 0.39 ms parsing and 0.59 ms binding and planning per run; named, PostgreSQL's CPU per
 * login fell from 3.1–3.7 to 1.5 ms, per session check from 0.046 to 0.015 ms.
 *
 * At most `max` statements stay prepared per connection, the least recently used deallocated. A
 * statement whose table changed under it (another instance migrated: `select *` gains a column)
 * fails with STALE_PLAN before it runs; it is prepared again under a new name and run once more —
 * safe, as nothing of it ran. Inside a transaction that failure aborts the transaction, so the
 * retry fails and the caller sees the error, as on the first try.
 */
export function keepStatementsPrepared(pool: Pool, max = 200): void {
  pool.on('connect', (client: PoolClient) => {
    const run = client.query.bind(client) as unknown as Query;
    /** statement text → its name on this connection, least recently used first */
    const names = new Map<string, string>();
    let seq = 0;

    /** Deallocates on the server; a connection in a failed transaction refuses, and keeps it. */
    const drop = (name: string) => void run(`deallocate ${name}`).catch(() => {});

    function nameOf(text: string): string {
      const known = names.get(text);
      if (known) {
        names.delete(text);
        names.set(text, known);
        return known;
      }
      const name = `sa_${++seq}`;
      names.set(text, name);
      if (names.size > max) {
        const [oldest, old] = names.entries().next().value as [string, string];
        names.delete(oldest);
        drop(old);
      }
      return name;
    }

    function forget(text: string): void {
      const name = names.get(text);
      if (name === undefined) return;
      names.delete(text);
      drop(name);
    }

    const query = async (text: string, values?: unknown[]) => {
      try {
        return await run({ name: nameOf(text), text, values });
      } catch (err) {
        if ((err as { code?: string }).code !== STALE_PLAN) throw err;
        forget(text);
        return run({ name: nameOf(text), text, values });
      }
    };

    // Kysely's driver calls query(text, values) and awaits the promise; every other form
    // (callbacks, config objects, streams) goes to pg as it was.
    (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
      const [text, values] = args;
      if (args.length <= 2 && typeof text === 'string' && CACHEABLE.test(text) && typeof values !== 'function')
        return query(text, values as unknown[] | undefined);
      return run(...args);
    };
  });
}
