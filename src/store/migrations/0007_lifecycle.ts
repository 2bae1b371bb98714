import { sql, type Kysely } from 'kysely';

/**
 * Data lifecycle (issue #14): what pruning needs to find dead rows by index, and the two tables of
 * self-authenticating guest chains. Immutable once landed: change the schema in a new migration.
 *
 * - sessions.live_until: when the chain's last issued token expires (set at login, raised by each
 *   refresh); a chain past it, or revoked, can no longer be used and is pruned with its tokens.
 * - token session_id indexes (dropped by 0004 for their write cost): pruning removes a chain's
 *   tokens with it, spent ones included, so reuse stays detected for as long as the chain lives.
 *   Their cost on the ticket path is measured in docs/performance.md.
 * - guest_chains: one row per guest chain that came back (refreshed) or was revoked; a guest never
 *   seen again has none. guest_spent_tokens: the spent guest refresh tokens (unique per chain).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sessions add column live_until timestamptz`.execute(db);
  // Existing chains end when their last token expires (a hash join, once).
  await sql`
    update sessions s set live_until = t.m
    from (select session_id, max(expires_at) m from (
      select session_id, expires_at from refresh_tokens union all select session_id, expires_at from access_tokens) u
      group by session_id) t
    where t.session_id = s.id`.execute(db);
  await sql`update sessions set live_until = created_at where live_until is null`.execute(db);
  await db.schema.createIndex('sessions_live_until_idx').on('sessions').column('live_until').execute();
  await db.schema
    .createIndex('sessions_revoked_idx')
    .on('sessions')
    .column('revoked_at')
    .where(sql.ref('revoked_at'), 'is not', null)
    .execute();
  await db.schema.createIndex('access_tokens_session_idx').on('access_tokens').column('session_id').execute();
  await db.schema.createIndex('refresh_tokens_session_idx').on('refresh_tokens').column('session_id').execute();

  await db.schema.createIndex('app_refresh_tokens_expires_idx').on('app_refresh_tokens').column('expires_at').execute();
  await db.schema.createIndex('verification_codes_expires_idx').on('verification_codes').column('expires_at').execute();
  await db.schema.createIndex('code_sends_sent_idx').on('code_sends').column('sent_at').execute();
  await db.schema.createIndex('password_resets_expires_idx').on('password_resets').column('expires_at').execute();
  await db.schema.createIndex('known_devices_seen_idx').on('known_devices').column('last_seen_at').execute();
  await db.schema.createIndex('auth_events_created_idx').on('auth_events').column('created_at').execute();

  await db.schema
    .createTable('guest_chains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'integer', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoke_reason', 'text')
    .execute();
  await db.schema.createIndex('guest_chains_ends_idx').on('guest_chains').column('ends_at').execute();
  await db.schema
    .createTable('guest_spent_tokens')
    .addColumn('chain_id', 'text', (c) => c.notNull())
    .addColumn('token_id', 'text', (c) => c.notNull())
    .addColumn('spent_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('guest_spent_tokens_pk', ['chain_id', 'token_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('guest_spent_tokens').ifExists().execute();
  await db.schema.dropTable('guest_chains').ifExists().execute();
  for (const i of [
    'auth_events_created_idx',
    'known_devices_seen_idx',
    'password_resets_expires_idx',
    'code_sends_sent_idx',
    'verification_codes_expires_idx',
    'app_refresh_tokens_expires_idx',
    'refresh_tokens_session_idx',
    'access_tokens_session_idx',
    'sessions_revoked_idx',
    'sessions_live_until_idx',
  ])
    await db.schema.dropIndex(i).ifExists().execute();
  await sql`alter table sessions drop column if exists live_until`.execute(db);
}
