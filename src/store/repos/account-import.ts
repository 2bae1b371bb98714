import { sql } from 'kysely';
import type { Db } from '../db.ts';
import type { AccountProfile } from '../schema.ts';
import { norm, type AccountRow, type AccountScope, type NewAccount } from './accounts.ts';

/** The audit row written with an imported account, in the same statement. */
export interface ImportEvent {
  siteId: number;
  clientId: string;
  type: 'account.created' | 'account.updated';
  at: Date;
}

export interface ImportPatch {
  userName: string | null;
  email: string | null;
  profile: AccountProfile;
  /** absent: the password stays as it is */
  secret?: { passwordHash: string; hasExternalPassword: boolean; migrationRequired: boolean };
  at: Date;
  by: string;
}

/**
 * Statements of the admin CLI's `accounts import` and `accounts export`. Each account is written
 * with its audit event by one statement (a data-modifying CTE), which PostgreSQL runs as one
 * transaction: an account is imported whole or not at all, and one round trip per account keeps
 * the import fast (docs/performance.md).
 */
export function createAccountImportRepo(db: Db) {
  const event = (e: ImportEvent, siteId: number) =>
    sql`insert into auth_events (tenant_id, site_id, account_id, type, client_id, detail, created_at)
        select tenant_id, ${siteId}, id, ${e.type}, ${e.clientId}, ${JSON.stringify({ source: 'import' })}::jsonb, ${e.at}::timestamptz from a
        returning account_id`;
  return {
    /** The accounts of `scope` holding any of these emails or user names (already normalised). */
    async findExisting(scope: AccountScope, emails: string[], userNames: string[]): Promise<AccountRow[]> {
      if (emails.length === 0 && userNames.length === 0) return [];
      return (
        db
          .selectFrom('accounts')
          .selectAll()
          .where('tenant_id', '=', scope.tenantId)
          .where('customer_set', '=', scope.customerSet)
          // One array parameter each: the same statement text for every batch (prepared once).
          .where(sql<boolean>`(email_norm = any(${emails}::text[]) or user_name_norm = any(${userNames}::text[]))`)
          .execute()
      );
    },

    /** Inserts the account and its event; undefined when its email or user name is taken (nothing written). */
    async insert(a: NewAccount, e: ImportEvent): Promise<number | undefined> {
      const r = await sql<{ account_id: number }>`
        with a as (
          insert into accounts (tenant_id, customer_set, user_id, user_name, user_name_norm, email, email_norm,
            password_hash, profile, has_external_password, migration_required, last_password_change_at,
            created_at, updated_at, created_by, updated_by)
          values (${a.tenantId}, ${a.customerSet}, ${a.userId}, ${a.userName}, ${norm(a.userName)}, ${a.email},
            ${norm(a.email)}, ${a.passwordHash}, ${JSON.stringify(a.profile)}::jsonb, ${a.hasExternalPassword ?? false},
            ${a.migrationRequired ?? false}, ${a.passwordHash ? a.at : null}::timestamptz, ${a.at}::timestamptz,
            ${a.at}::timestamptz, ${a.by}, ${a.by})
          on conflict do nothing
          returning id, tenant_id
        )
        ${event(e, e.siteId)}`.execute(db);
      return r.rows[0]?.account_id;
    },

    /** Updates an account of `scope` and writes its event; undefined when it is gone. */
    async update(scope: AccountScope, id: number, p: ImportPatch, e: ImportEvent): Promise<number | undefined> {
      const s = p.secret;
      const r = await sql<{ account_id: number }>`
        with a as (
          update accounts set user_name = ${p.userName}, user_name_norm = ${norm(p.userName)}, email = ${p.email},
            email_norm = ${norm(p.email)}, profile = ${JSON.stringify(p.profile)}::jsonb,
            password_hash = ${s ? s.passwordHash : sql`password_hash`},
            has_external_password = ${s ? s.hasExternalPassword : sql`has_external_password`},
            migration_required = ${s ? s.migrationRequired : sql`migration_required`},
            last_password_change_at = ${s ? sql`${p.at}::timestamptz` : sql`last_password_change_at`},
            updated_at = ${p.at}::timestamptz, updated_by = ${p.by}
          where id = ${id} and tenant_id = ${scope.tenantId} and customer_set = ${scope.customerSet}
          returning id, tenant_id
        )
        ${event(e, e.siteId)}`.execute(db);
      return r.rows[0]?.account_id;
    },

    /** A page of accounts in id order after `afterId` (all tenants, or one). */
    async page(q: { afterId: number; limit: number; tenantId?: number }): Promise<AccountRow[]> {
      let query = db.selectFrom('accounts').selectAll().where('id', '>', q.afterId);
      if (q.tenantId !== undefined) query = query.where('tenant_id', '=', q.tenantId);
      return query.orderBy('id').limit(q.limit).execute();
    },
  };
}
export type AccountImportRepo = ReturnType<typeof createAccountImportRepo>;
