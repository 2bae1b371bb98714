import { sql, type Kysely } from 'kysely';

/**
 * Signing-key rotation and apps managed by the admin CLI. A key is published from its creation,
 * signs from `activates_at` (published ahead, so every verifier knows it before it signs), stops
 * signing at `retired_at` and leaves the JWKS at `expires_at` (once every token it signed has
 * expired). Keys retired before this migration left the JWKS at once, so theirs is `retired_at`.
 * An app's `secret_changed_at` ends the access tokens issued before its secret changed.
 * Immutable once landed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('signing_keys').addColumn('activates_at', 'timestamptz').execute();
  await db.schema.alterTable('signing_keys').addColumn('expires_at', 'timestamptz').execute();
  await sql`update signing_keys set activates_at = created_at, expires_at = retired_at`.execute(db);
  await sql`alter table signing_keys alter column activates_at set not null`.execute(db);
  await db.schema.alterTable('apps').addColumn('secret_changed_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').dropColumn('secret_changed_at').execute();
  await db.schema.alterTable('signing_keys').dropColumn('expires_at').execute();
  await db.schema.alterTable('signing_keys').dropColumn('activates_at').execute();
}
