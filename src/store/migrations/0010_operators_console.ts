import { sql, type Kysely } from 'kysely';

/**
 * Support-console operators (issue #18): staff accounts apart from shoppers and apps, scoped to a
 * tenant, argon2id passwords, an optional TOTP secret (sealed with SECRETS_KEY when set), lockout
 * counters as shoppers have. Console sessions are stored by SHA-256 of their cookie. An audit event
 * names the operator who caused it in `actor`. Immutable once landed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('operators')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('tenant_id', 'integer', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('support', 'admin')`))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('totp_secret', 'text')
    // The last TOTP time step accepted: a code is good once (no replay within its window).
    .addColumn('totp_last_step', 'bigint')
    .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('last_login_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('operators_email_key', ['email'])
    .execute();

  await db.schema
    .createTable('console_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('operator_id', 'integer', (c) => c.notNull().references('operators.id').onDelete('cascade'))
    // 'totp': the password was right, the second factor is still owed; 'full': signed in.
    .addColumn('stage', 'text', (c) => c.notNull().check(sql`stage in ('totp', 'full')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('console_sessions_operator_idx').on('console_sessions').column('operator_id').execute();

  await db.schema.alterTable('auth_events').addColumn('actor', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('auth_events').dropColumn('actor').execute();
  await db.schema.dropTable('console_sessions').execute();
  await db.schema.dropTable('operators').execute();
}
