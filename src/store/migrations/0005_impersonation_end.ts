import type { Kysely } from 'kysely';

/**
 * An impersonation chain ends at a time fixed when it is made: `sessions.ends_at`. Refresh caps every
 * new token's expiry at it and refuses to spend once it has passed. Null for ordinary chains, so
 * existing rows need no backfill. Immutable once landed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('ends_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('ends_at').execute();
}
