import { sql } from 'kysely';
import type { Db } from '../../src/store/db.ts';

/** Exact row counts of every table of the service's schema (migrations' bookkeeping left out). */
export async function countRows(db: Db): Promise<Record<string, number>> {
  const { rows: tables } = await sql<{ t: string }>`
    select table_name as t from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely_%'
    order by table_name`.execute(db);
  const out: Record<string, number> = {};
  for (const { t } of tables) {
    const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(t)}`.execute(db);
    out[t] = Number(rows[0].n);
  }
  return out;
}
