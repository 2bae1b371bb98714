import { sql } from 'kysely';
import type { Db } from '../db.ts';
import { executor, transaction } from '../transaction.ts';
import type { AccountScope } from './accounts.ts';

/** The lists of an account's profile that have routes of their own (CustomerAccount.contacts / .attributes). */
export type ProfileSection = 'contacts' | 'attributes';

/** What a change does inside its transaction. */
export interface SectionTx {
  /** A new contact id from the database's sequence (never reused, across instances). */
  nextContactId(): Promise<number>;
}

/**
 * An account's contacts and attributes. They stay in the account's profile, so every read of the
 * account (tickets, accounts/current) shows them without another query; a change locks the
 * account row, so parallel changes of one account apply one after the other and none is lost.
 * Every statement names tenant, customer set and account id.
 */
export function createAccountSectionsRepo(root: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  const items = (section: ProfileSection) => sql<unknown>`profile -> ${section}`.as('items');
  const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

  return {
    /** The section of an account, or undefined when the account is not in `scope`. */
    async read(scope: AccountScope, accountId: number, section: ProfileSection): Promise<unknown[] | undefined> {
      const row = await db()
        .selectFrom('accounts')
        .select(items(section))
        .where('tenant_id', '=', scope.tenantId)
        .where('customer_set', '=', scope.customerSet)
        .where('id', '=', accountId)
        .executeTakeFirst();
      return row ? asList(row.items) : undefined;
    },

    /**
     * Replaces the section with what `change` makes of it, in one transaction with the account row
     * locked; `change` may throw (nothing is written then). Answers change's result, or undefined
     * when the account is not in `scope`.
     */
    async update<R>(
      scope: AccountScope,
      accountId: number,
      section: ProfileSection,
      at: { at: Date; by: string | null },
      change: (current: unknown[], tx: SectionTx) => Promise<{ next: unknown[]; result: R }>,
    ): Promise<R | undefined> {
      return transaction(root, async () => {
        const trx = db();
        const row = await trx
          .selectFrom('accounts')
          .select(items(section))
          .where('tenant_id', '=', scope.tenantId)
          .where('customer_set', '=', scope.customerSet)
          .where('id', '=', accountId)
          .forUpdate()
          .executeTakeFirst();
        if (!row) return undefined;
        const tx: SectionTx = {
          async nextContactId() {
            const r = await sql<{ id: number }>`select nextval('account_contact_ids')::int as id`.execute(trx);
            return r.rows[0].id;
          },
        };
        const { next, result } = await change(asList(row.items), tx);
        await trx
          .updateTable('accounts')
          .set({
            profile: sql<string>`jsonb_set(profile, array[${section}]::text[], ${JSON.stringify(next)}::jsonb)`,
            updated_at: at.at,
            updated_by: at.by,
          })
          .where('tenant_id', '=', scope.tenantId)
          .where('customer_set', '=', scope.customerSet)
          .where('id', '=', accountId)
          .execute();
        return result;
      });
    },
  };
}
export type AccountSectionsRepo = ReturnType<typeof createAccountSectionsRepo>;
