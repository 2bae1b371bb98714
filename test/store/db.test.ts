import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/db.ts';

// The embedded database on disk, as `npm start` opens it (whichever database the suite runs on).
describe('openStore: embedded PGlite in a data directory', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sa-store-'));
    store = await openStore({ dataDir: dir });
  });
  after(async () => {
    await store?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps its files under <dataDir>/pglite and answers queries', async () => {
    await store.ping();
    assert.equal(store.kind, 'pglite');
    assert.ok((await fs.readdir(path.join(dir, 'pglite'))).includes('pg_wal'));
  });

  it('does not zero-fill new WAL segments (a multi-millisecond stall of the event loop per segment)', async () => {
    const r = await sql<{ wal_init_zero: string }>`show wal_init_zero`.execute(store.db);
    assert.equal(r.rows[0].wal_init_zero, 'off');
  });
});
