import type { Kysely } from 'kysely';

/**
 * A pending 2FA login remembers the guest who began it (the caller's anonymous shopper at the
 * password step), so the ticket the code finishes links that guest (`prevAnonymousId`), as a
 * one-step login does. Immutable once landed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('verification_codes').addColumn('previous_anonymous_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('verification_codes').dropColumn('previous_anonymous_id').execute();
}
