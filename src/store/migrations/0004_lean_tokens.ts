import { sql, type Kysely } from 'kysely';

/**
 * Every ticket writes a session and two token rows, so their write cost is the service's ceiling.
 * Token rows are only ever found by hash and always joined to their session, so they need neither
 * a foreign key (a check per row) nor an index on session_id; guests' sessions have no account, so
 * the account index covers only accounts' sessions. Tokens of a deleted account's sessions stay
 * behind unreachable (every lookup joins the session) until they expire. Immutable once landed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table access_tokens drop constraint if exists access_tokens_session_id_fkey`.execute(db);
  await sql`alter table refresh_tokens drop constraint if exists refresh_tokens_session_id_fkey`.execute(db);
  await db.schema.dropIndex('access_tokens_session_idx').ifExists().execute();
  await db.schema.dropIndex('refresh_tokens_session_idx').ifExists().execute();
  await db.schema.dropIndex('sessions_account_idx').ifExists().execute();
  await db.schema
    .createIndex('sessions_account_idx')
    .on('sessions')
    .column('account_id')
    .where(sql.ref('account_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sessions_account_idx').ifExists().execute();
  await db.schema.createIndex('sessions_account_idx').on('sessions').column('account_id').execute();
  await db.schema.createIndex('refresh_tokens_session_idx').on('refresh_tokens').column('session_id').execute();
  await db.schema.createIndex('access_tokens_session_idx').on('access_tokens').column('session_id').execute();
}
