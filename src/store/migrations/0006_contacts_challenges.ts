import { sql, type Kysely } from 'kysely';

/**
 * Ids of address-book contacts, and extra challenge tokens of a 2FA code.
 *
 * Contacts live in the account's profile (CustomerAccount.contacts), so they need no table, only
 * ids that are never handed out twice: a sequence, shared by every instance.
 *
 * A second password login while a 2FA code is still fresh answers a new challenge token that leads
 * to the code already sent (no second mail): its SHA-256 is kept here with the challenge it stands
 * for. It lives exactly as long as that challenge (a lookup joins the live code).
 * Immutable once landed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create sequence if not exists account_contact_ids as integer`.execute(db);
  await db.schema
    .createTable('challenge_aliases')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('challenge_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('challenge_aliases_account_idx')
    .on('challenge_aliases')
    .columns(['tenant_id', 'account_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('challenge_aliases').ifExists().execute();
  await sql`drop sequence if exists account_contact_ids`.execute(db);
}
