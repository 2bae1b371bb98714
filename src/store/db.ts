import fs from 'node:fs/promises';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { lockDataDir } from './data-dir-lock.ts';

export type Db = Kysely<Database>;

export interface Store {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres:// URL; absent → embedded PGlite. */
  databaseUrl?: string;
  /** PGlite files go to `<dataDir>/pglite`; `memory` keeps them in memory (tests). */
  dataDir?: string | 'memory';
  poolSize?: number;
}

/** Opens Kysely over PostgreSQL (pg Pool) or embedded PGlite. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  let release = () => {};
  if (!opts.databaseUrl && opts.dataDir !== 'memory') {
    await fs.mkdir(path.resolve(opts.dataDir ?? './data'), { recursive: true });
    release = lockDataDir(opts.dataDir ?? './data');
  }
  let db: Db;
  try {
    db = opts.databaseUrl
      ? openPostgres(opts.databaseUrl, opts.poolSize ?? 10)
      : await openPglite(opts.dataDir ?? './data');
  } catch (err) {
    release();
    throw err;
  }
  const store: Store = {
    db,
    kind: opts.databaseUrl ? 'postgres' : 'pglite',
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

function openPostgres(url: string, max: number): Db {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

async function openPglite(dataDir: string): Promise<Db> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PreparedPGliteDialect } = await import('./pglite-prepared.ts');
  let client;
  if (dataDir === 'memory') {
    client = await PGlite.create();
  } else {
    const dir = path.resolve(dataDir, 'pglite');
    await fs.mkdir(dir, { recursive: true });
    client = await PGlite.create(dir);
    // PostgreSQL fills each new 16 MB WAL segment with zeroes before use; PGlite writes them through
    // Emscripten's file layer on the event loop, which froze every request for 20–50 ms each time a
    // segment was made (every few seconds under load). Off, the file is sized in one write. Durability
    // does not change: PGlite already runs with fsync off (`-F`); see docs/configuration.md.
    await client.exec('set wal_init_zero = off');
  }
  return new Kysely<Database>({ dialect: new PreparedPGliteDialect(client) });
}
