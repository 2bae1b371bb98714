import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { keepStatementsPrepared } from '../../src/store/pg-prepared.ts';
import { createDatabase } from '../helpers/db.ts';

// The PostgreSQL pool's prepared statements, on a database of the real server (whichever database
// the rest of the suite runs on): PostgreSQL runs on every developer and CI machine.
const PG = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

describe('keepStatementsPrepared (Kysely over pg with named statements)', () => {
  let pool: pg.Pool;
  let db: Kysely<any>;
  let drop: () => Promise<void>;
  /** The statements prepared on the pool's one connection, as the server lists them, with their runs. */
  const prepared = async () =>
    (
      await sql<{
        statement: string;
        runs: number;
      }>`select statement, (generic_plans + custom_plans)::int as runs from pg_prepared_statements order by name`.execute(
        db,
      )
    ).rows;

  before(async () => {
    const d = await createDatabase(PG);
    drop = d.drop;
    // One connection, so that every statement below runs on it and pg_prepared_statements sees them.
    pool = new pg.Pool({ connectionString: d.url, max: 1 });
    keepStatementsPrepared(pool, 3);
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    await sql`create table t (id serial primary key, name text unique, doc jsonb)`.execute(db);
  });
  after(async () => {
    await db?.destroy();
    await drop?.();
  });

  it('prepares a statement once and reuses it, with the answers pg gives unprepared', async () => {
    await db
      .insertInto('t')
      .values({ name: 'a', doc: JSON.stringify({ x: [1, 'two'] }) })
      .execute();
    const find = () => db.selectFrom('t').selectAll().where('name', '=', 'a').executeTakeFirstOrThrow();
    const first = await find();
    const second = await find();
    assert.deepEqual(second, first);
    assert.deepEqual(second.doc, { x: [1, 'two'] });
    const lookups = (await prepared()).filter((p) => p.statement.startsWith('select * from "t" where "name"'));
    assert.deepEqual(
      lookups.map((p) => p.runs),
      [2],
      'the lookup is prepared once, and run twice',
    );
    const plain = new pg.Client({
      connectionString: (pool as unknown as { options: { connectionString: string } }).options.connectionString,
    });
    await plain.connect();
    const theirs = await plain.query('select * from t where name = $1', ['a']);
    await plain.end();
    assert.deepEqual(theirs.rows[0], first);
  });

  it('keeps at most max statements prepared, deallocating the least recently used', async () => {
    for (const name of ['b', 'c', 'd', 'e']) await db.insertInto('t').values({ name }).execute();
    for (let i = 1; i <= 5; i++) await sql`select ${i}::int + ${sql.raw(String(i))} as n`.execute(db);
    const left = await prepared();
    assert.ok(left.length <= 3, `prepared: ${left.map((p) => p.statement).join(' | ')}`);
  });

  it('prepares again when the table changed under a statement, so select * sees the new column', async () => {
    const all = () => db.selectFrom('t').selectAll().where('name', '=', 'a').executeTakeFirstOrThrow();
    assert.equal('extra' in (await all()), false);
    await sql`alter table t add column extra text default 'x'`.execute(db);
    assert.equal((await all()).extra, 'x');
  });

  it('keeps the error code of a failed statement, rolls a transaction back whole, and goes on working', async () => {
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ name: 'in-tx' }).execute();
        await trx.insertInto('t').values({ name: 'a' }).execute();
      }),
      (err: any) => err.code === '23505',
    );
    assert.equal(await db.selectFrom('t').select('id').where('name', '=', 'in-tx').executeTakeFirst(), undefined);
    assert.ok(await db.selectFrom('t').select('id').where('name', '=', 'a').executeTakeFirst());
  });
});
