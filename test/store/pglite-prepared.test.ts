import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { PreparedPGliteDialect } from '../../src/store/pglite-prepared.ts';

// The embedded database's driver, on its own PGlite (whichever database the suite runs on).
describe('PreparedPGliteDialect (Kysely over PGlite with prepared statements)', () => {
  let pg: PGlite;
  let db: Kysely<any>;
  const prepared = async () =>
    Number((await pg.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements')).rows[0].n);

  before(async () => {
    pg = await PGlite.create();
    db = new Kysely<any>({ dialect: new PreparedPGliteDialect(pg, { maxStatements: 4 }) });
    await sql`create table t (id serial primary key, name text unique, n bigint, ok boolean, at timestamptz, doc jsonb, price numeric)`.execute(
      db,
    );
  });
  after(async () => {
    await db.destroy();
  });

  it('answers rows typed exactly as PGlite query() does, for the same statement and values', async () => {
    const at = new Date('2026-11-23T10:00:00.123Z');
    await db
      .insertInto('t')
      .values({ name: 'a', n: 42, ok: true, at, doc: JSON.stringify({ x: [1, 'two'] }), price: '9.90' })
      .execute();
    await db.insertInto('t').values({ name: 'b', n: null, ok: false, at: null, doc: null, price: null }).execute();
    const text = 'select * from t where name = any(array[$1, $2]) order by id';
    const ours = await sql.raw(text.replace('$1', "'a'").replace('$2', "'b'")).execute(db);
    const theirs = await pg.query(text, ['a', 'b']);
    assert.deepEqual(ours.rows, theirs.rows);
    const [a] = ours.rows as any[];
    assert.ok(a.at instanceof Date && a.at.getTime() === at.getTime(), 'timestamptz → Date');
    assert.deepEqual(a.doc, { x: [1, 'two'] }, 'jsonb → object');
    assert.equal(a.ok, true);
  });

  it('sends long text and json values intact, non-ASCII included', async () => {
    const long = `ünïcødé ✓ ${'x'.repeat(400)} 🛒`;
    const rows = JSON.stringify([
      { name: long, n: 7 },
      { name: 'short', n: 8 },
    ]);
    const r = await sql<{ name: string; n: number; echo: string }>`
      select x.name, x.n, ${long}::text as echo from json_to_recordset(${rows}::json) as x(name text, n integer) order by x.n`.execute(
      db,
    );
    assert.deepEqual(r.rows, [
      { name: long, n: 7, echo: long },
      { name: 'short', n: 8, echo: long },
    ]);
  });

  it('prepares a statement once and reuses it', async () => {
    const find = (name: string) =>
      db.selectFrom('t').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
    await find('a');
    const before = await prepared();
    for (const name of ['a', 'b', 'zz', 'a']) await find(name);
    assert.equal(await prepared(), before, 'no new prepared statement for the same SQL text');
    assert.equal((await find('b'))?.name, 'b', 'each run binds its own values');
  });

  it('keeps at most maxStatements prepared, closing the least recently used', async () => {
    for (let i = 0; i < 10; i++) await sql`select ${i}::int as v, ${sql.raw(String(i))} as k`.execute(db);
    assert.ok((await prepared()) <= 4, `prepared statements: ${await prepared()}`);
  });

  it('reports affected rows of insert, update and delete', async () => {
    const ins = await db
      .insertInto('t')
      .values([{ name: 'c' }, { name: 'd' }])
      .executeTakeFirst();
    assert.equal(ins.numInsertedOrUpdatedRows, 2n);
    const upd = await db.updateTable('t').set({ ok: true }).where('name', 'in', ['c', 'd', 'nope']).executeTakeFirst();
    assert.equal(upd.numUpdatedRows, 2n);
    const del = await db.deleteFrom('t').where('name', '=', 'c').executeTakeFirst();
    assert.equal(del.numDeletedRows, 1n);
  });

  it('keeps the error code and constraint of a failed statement, and goes on working', async () => {
    await assert.rejects(db.insertInto('t').values({ name: 'a' }).execute(), (err: any) => {
      assert.equal(err.code, '23505');
      assert.equal(err.constraint, 't_name_key');
      return true;
    });
    await assert.rejects(sql`select * from no_such_table`.execute(db), (err: any) => err.code === '42P01');
    assert.equal((await db.selectFrom('t').select('name').where('name', '=', 'a').executeTakeFirst())?.name, 'a');
  });

  it('rolls a failed transaction back whole', async () => {
    await assert.rejects(
      db.transaction().execute(async (tx) => {
        await tx.insertInto('t').values({ name: 'in-tx' }).execute();
        await tx.insertInto('t').values({ name: 'a' }).execute();
      }),
      (err: any) => err.code === '23505',
    );
    assert.equal(await db.selectFrom('t').select('id').where('name', '=', 'in-tx').executeTakeFirst(), undefined);
  });

  it('forgets prepared statements when the schema changes, so select * sees the new column', async () => {
    const all = () => db.selectFrom('t').selectAll().where('name', '=', 'a').executeTakeFirstOrThrow();
    assert.equal('extra' in (await all()), false);
    await sql`alter table t add column extra text default 'x'`.execute(db);
    assert.equal((await all()).extra, 'x');
  });

  it('serialises concurrent callers on its one connection', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `p${i}`);
    await Promise.all(names.map((name) => db.insertInto('t').values({ name }).execute()));
    const got = await Promise.all(
      names.map((name) => db.selectFrom('t').select('name').where('name', '=', name).executeTakeFirst()),
    );
    assert.deepEqual(
      got.map((r) => r?.name),
      names,
    );
  });
});
