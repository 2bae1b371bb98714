import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { migrateToLatest, SchemaTooNewError } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { createDatabase, freshStore } from '../helpers/db.ts';

async function appliedMigrations(store: Store): Promise<string[]> {
  const r = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
  return r.rows.map((x) => x.name);
}

describe('migrateToLatest', () => {
  it('is idempotent: a second run applies nothing and keeps the data', async () => {
    const { store, drop } = await freshStore();
    try {
      const first = await migrateToLatest(store.db);
      assert.ok(first.includes('0001_init'), `first run applied ${first.join(', ')}`);
      const applied = await appliedMigrations(store);
      await sql`insert into server_secrets (name, value, created_at) values ('probe', 'v', now())`.execute(store.db);
      assert.deepEqual(await migrateToLatest(store.db), []);
      assert.deepEqual(await appliedMigrations(store), applied);
      const kept = await sql<{ value: string }>`select value from server_secrets where name = 'probe'`.execute(
        store.db,
      );
      assert.equal(kept.rows[0]?.value, 'v');
    } finally {
      await store.close();
      await drop();
    }
  });

  it('two instances migrating one database at once both succeed, each migration runs once', async () => {
    const base = process.env.TEST_DATABASE_URL;
    if (!base) {
      // PGlite is one process's database: "two instances" can only take turns.
      const { store, drop } = await freshStore();
      try {
        const a = await migrateToLatest(store.db);
        const b = await migrateToLatest(store.db);
        assert.deepEqual(
          [...a, ...b].filter((n) => n === '0001_init'),
          ['0001_init'],
        );
      } finally {
        await store.close();
        await drop();
      }
      return;
    }
    const { url, drop } = await createDatabase(base);
    const stores = await Promise.all([1, 2, 3].map(() => openStore({ databaseUrl: url, poolSize: 2 })));
    try {
      const results = await Promise.all(stores.map((st) => migrateToLatest(st.db)));
      const all = results.flat();
      assert.deepEqual(
        all.filter((n) => n === '0001_init'),
        ['0001_init'],
        `applied: ${JSON.stringify(results)}`,
      );
      const names = await appliedMigrations(stores[0]);
      assert.equal(new Set(names).size, names.length, 'no migration recorded twice');
      assert.ok(names.includes('0001_init'));
    } finally {
      await Promise.all(stores.map((st) => st.close()));
      await drop();
    }
  });

  it('refuses a database whose schema is newer than the code (SchemaTooNewError)', async () => {
    const { store, drop } = await freshStore();
    try {
      await migrateToLatest(store.db);
      await sql`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', ${new Date().toISOString()})`.execute(
        store.db,
      );
      await assert.rejects(migrateToLatest(store.db), (err: unknown) => {
        assert.ok(err instanceof SchemaTooNewError, String(err));
        assert.match((err as Error).message, /9999_from_the_future/);
        return true;
      });
    } finally {
      await store.close();
      await drop();
    }
  });

  it('starts from an empty database', async () => {
    const { store, drop } = await freshStore();
    try {
      const exists = await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(
        store.db,
      );
      assert.equal(exists.rows[0]?.t, null);
      await migrateToLatest(store.db);
      const tables = await sql<{ t: string | null }>`select to_regclass('accounts')::text as t`.execute(store.db);
      assert.equal(tables.rows[0]?.t, 'accounts');
    } finally {
      await store.close();
      await drop();
    }
  });
});
