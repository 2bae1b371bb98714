import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startCliTarget, type CliTarget } from '../helpers/cli.ts';

// `prune` beside a running service: through its admin socket on the embedded database, on the
// database directly with DATABASE_URL. Either way it is the service's own pass.
describe('admin CLI: prune beside a running service', () => {
  let t: CliTarget;
  before(async () => {
    t = await startCliTarget();
  });
  after(() => t?.close());

  it('removes what can no longer be used and keeps the rest', async () => {
    const db = t.s.store.db;
    await sql`insert into code_sends (key, sent_at) values ('old', now() - interval '1 day'), ('new', now())`.execute(
      db,
    );
    const r = await t.cli('--json', 'prune');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.ran, true);
    assert.equal(r.json.pruned.code_sends, 1);
    const keys = await sql<{ key: string }>`select key from code_sends order by key`.execute(db);
    assert.deepEqual(
      keys.rows.map((k) => k.key),
      ['new'],
    );
  });
});
