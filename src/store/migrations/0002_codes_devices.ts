import type { Kysely } from 'kysely';

/**
 * Two-factor and one-time codes, known devices, and the resend throttle (CONTRACT §5).
 * Immutable once landed: change the schema in a new numbered migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per code sent. Only an HMAC of the code is kept. A 2FA row also holds the pending
  // login (lifetimes, device, site, app) so that 2fa/auth can finish it, and the SHA-256 of the
  // challenge token that the password login answered.
  await db.schema
    .createTable('verification_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('challenge_hash', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('consumed_at', 'timestamptz')
    .addColumn('site_id', 'integer', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('access_minutes', 'integer')
    .addColumn('refresh_minutes', 'integer')
    .addColumn('fingerprint_hash', 'text')
    .addColumn('region', 'text')
    .execute();
  await db.schema
    .createIndex('verification_codes_account_idx')
    .on('verification_codes')
    .columns(['account_id', 'purpose', 'created_at'])
    .execute();
  await db.schema
    .createIndex('verification_codes_challenge_unique')
    .on('verification_codes')
    .column('challenge_hash')
    .unique()
    .execute();

  // Devices an account has logged in from, by keyed hash of the fingerprint (never the raw value).
  await db.schema
    .createTable('known_devices')
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('fingerprint_hash', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('known_devices_pk', ['account_id', 'fingerprint_hash'])
    .execute();

  // When a code was last sent for a throttle key (account + purpose, or a keyed hash of an email),
  // so that re-sending is limited across every instance sharing the database.
  await db.schema
    .createTable('code_sends')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['code_sends', 'known_devices', 'verification_codes']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
