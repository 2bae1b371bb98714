import fs from 'node:fs/promises';
import path from 'node:path';
import { Kysely, PostgresDialect, sql, type KyselyConfig } from 'kysely';
import type { Database } from './schema.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { keepStatementsPrepared } from './pg-prepared.ts';

export type Db = Kysely<Database>;

export interface Store {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Connections open, in use, and callers waiting for one (PGlite: one connection). */
  pool(): PoolStats;
  /** Bytes of PGlite's WebAssembly memory (reserved; it only grows); undefined on PostgreSQL. */
  engineMemory(): number | undefined;
  close(): Promise<void>;
}

export interface PoolStats {
  size: number;
  inUse: number;
  waiting: number;
}

export interface StoreOptions {
  /** postgres:// URL; absent → embedded PGlite. */
  databaseUrl?: string;
  /** PGlite files go to `<dataDir>/pglite`; `memory` keeps them in memory (tests). */
  dataDir?: string | 'memory';
  poolSize?: number;
  /** Told the text of every statement run (tests count a route's statements with it). */
  onQuery?: (sql: string) => void;
}

/** Opens Kysely over PostgreSQL (pg Pool) or embedded PGlite. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  let release = () => {};
  if (!opts.databaseUrl && opts.dataDir !== 'memory') {
    await fs.mkdir(path.resolve(opts.dataDir ?? './data'), { recursive: true });
    release = lockDataDir(opts.dataDir ?? './data');
  }
  let opened: Opened;
  try {
    opened = opts.databaseUrl
      ? await openPostgres(opts.databaseUrl, opts.poolSize ?? 10, logOf(opts))
      : await openPglite(opts.dataDir ?? './data', logOf(opts));
  } catch (err) {
    release();
    throw err;
  }
  const { db, pool, engineMemory } = opened;
  const store: Store = {
    db,
    kind: opts.databaseUrl ? 'postgres' : 'pglite',
    pool,
    engineMemory,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
      release();
    },
  };
  return store;
}

type Opened = { db: Db; pool: () => PoolStats; engineMemory: () => number | undefined };

function logOf(opts: StoreOptions): KyselyConfig['log'] {
  const { onQuery } = opts;
  return onQuery ? (event) => onQuery(event.query.sql) : undefined;
}

async function openPostgres(url: string, max: number, log: KyselyConfig['log']): Promise<Opened> {
  // Imported here: the embedded default never loads the PostgreSQL driver (start time, issue #15).
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on('error', () => {});
  keepStatementsPrepared(pool);
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log }),
    pool: () => ({ size: pool.totalCount, inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),
    engineMemory: () => undefined,
  };
}

/** PostgreSQL's shared buffer pool inside PGlite (its default is 160 MB). */
const PGLITE_SHARED_BUFFERS = '16MB';

async function openPglite(dataDir: string, log: KyselyConfig['log']): Promise<Opened> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PreparedPGliteDialect } = await import('./pglite-prepared.ts');
  // PGlite's PostgreSQL would keep 160 MB of shared buffers, and touches most of them as it
  // starts: ~150 MB of resident memory before the first query. 16 MB holds this service's hot
  // rows; pages beyond it are read through the OS page cache (docs/performance.md, "Memory").
  const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`];
  let client;
  if (dataDir === 'memory') {
    client = await PGlite.create({ startParams });
  } else {
    const dir = path.resolve(dataDir, 'pglite');
    await fs.mkdir(dir, { recursive: true });
    client = await PGlite.create(dir, { startParams });
    // PostgreSQL fills each new 16 MB WAL segment with zeroes before use; PGlite writes them through
    // Emscripten's file layer on the event loop, which froze every request for 20–50 ms each time a
    // segment was made (every few seconds under load). Off, the file is sized in one write. Durability
    // does not change: PGlite already runs with fsync off (`-F`); see docs/configuration.md.
    await client.exec('set wal_init_zero = off');
  }
  const dialect = new PreparedPGliteDialect(client);
  return {
    db: new Kysely<Database>({ dialect, log }),
    pool: () => dialect.pool(),
    engineMemory: () => client.Module.HEAP8.buffer.byteLength,
  };
}
