import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store, type StoreOptions } from '../../src/store/db.ts';

/**
 * A fresh, empty database for one test server: PGlite in memory by default, or a new database
 * on the PostgreSQL server named by TEST_DATABASE_URL (dropped again by `drop`).
 */
export async function freshStore(
  opts: Pick<StoreOptions, 'onQuery'> = {},
): Promise<{ store: Store; url?: string; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) {
    const store = await openStore({ dataDir: 'memory', ...opts });
    return { store, drop: async () => {} };
  }
  const { url, drop } = await createDatabase(base);
  const store = await openStore({ databaseUrl: url, poolSize: 5, ...opts });
  return { store, url, drop };
}

/** Creates a uniquely named database next to `baseUrl`'s; `drop` removes it. */
export async function createDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sa_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
