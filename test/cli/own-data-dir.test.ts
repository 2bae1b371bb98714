import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { runCli } from '../helpers/cli.ts';
import { openStore } from '../../src/store/db.ts';

// The embedded database with no service running: the CLI opens the files itself, and lets go.
describe('admin CLI on an embedded database no service holds', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-cli-own-'));
  const env = { DATA_DIR: path.join(tmp, 'data') };
  const lock = path.join(env.DATA_DIR, 'pglite.lock');
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('migrate --check exits 1 on a new data directory, other commands refuse, migrate makes the schema', async () => {
    const check = await runCli(['migrate', '--check'], env);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /^Pending migrations: 0001_init, /);
    const list = await runCli(['apps', 'list'], env);
    assert.equal(list.code, 1, 'refused before migrating');
    assert.match(
      list.stderr,
      /^storefront-auth: The database needs migrations \(.*\); run `storefront-auth migrate`\n$/,
    );
    const m = await runCli(['migrate'], env);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /^Ran 0001_init, .*0010_operators_console, 0011_pending_guest_link\.\n$/);
    const created = await runCli(['--json', 'apps', 'create', '--client-id', 'own', '--tenant', '1'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.ok(!fs.existsSync(lock), 'the CLI let go of the files');
  });

  it('prune runs one pass on the files: what can no longer be used goes, the rest stays', async () => {
    const store = await openStore({ dataDir: env.DATA_DIR });
    await sql`insert into code_sends (key, sent_at) values ('old', now() - interval '1 day'), ('new', now())`.execute(
      store.db,
    );
    await store.close();
    const r = await runCli(['--json', 'prune'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.ran, true);
    assert.equal(r.json.pruned.code_sends, 1);
    const after = await openStore({ dataDir: env.DATA_DIR });
    const keys = await sql<{ key: string }>`select key from code_sends order by key`.execute(after.db);
    await after.close();
    assert.deepEqual(
      keys.rows.map((k) => k.key),
      ['new'],
    );
  });
});
