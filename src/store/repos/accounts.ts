import { sql, type Expression, type ExpressionBuilder, type Selectable, type SqlBool } from 'kysely';
import type { Db } from '../db.ts';
import { executor } from '../transaction.ts';
import type { AccountProfile, AccountsTable, Database } from '../schema.ts';
import { batched } from '../batch.ts';

export type AccountRow = Selectable<AccountsTable>;

export interface NewAccount {
  tenantId: number;
  customerSet: string;
  userId: string;
  userName: string | null;
  email: string | null;
  passwordHash: string | null;
  profile: AccountProfile;
  hasExternalPassword?: boolean;
  migrationRequired?: boolean;
  at: Date;
  by: string | null;
}

export interface AccountScope {
  tenantId: number;
  customerSet: string;
}

/** A parsed list filter: simple comparisons joined by `and` (see domain/accounts/filter.ts). */
export interface FilterTerm {
  column: FilterColumn;
  op: 'eq' | 'ne' | 'sw' | 'cont' | 'gt' | 'lt' | 'ge' | 'le';
  value: string | number | boolean;
}
export type FilterColumn =
  | 'id'
  | 'userId'
  | 'userName'
  | 'emailAddress'
  | 'firstName'
  | 'lastName'
  | 'externalId'
  | 'isLocked'
  | 'createDate'
  | 'updateDate';

export interface ListQuery extends AccountScope {
  startIndex: number;
  pageSize: number;
  sortBy?: { column: FilterColumn; desc: boolean };
  filter: FilterTerm[];
  q?: string;
}

/** The scope an account row lives in. */
export const scopeOfRow = (row: Pick<AccountRow, 'tenant_id' | 'customer_set'>): AccountScope => ({
  tenantId: row.tenant_id,
  customerSet: row.customer_set,
});

/** The account `id` in `scope`, as SQL: every statement on one account's row names all three. */
export function theAccount(scope: AccountScope, id: number) {
  return (eb: ExpressionBuilder<Database, 'accounts'>): Expression<SqlBool> =>
    eb.and([eb('tenant_id', '=', scope.tenantId), eb('customer_set', '=', scope.customerSet), eb('id', '=', id)]);
}

/**
 * `select id from accounts` for the account `id` in `scope`: how a statement on a table that keeps
 * only an account id (devices, codes, resets, audit) is scoped by tenant and customer set.
 */
export function accountIn(db: Db, scope: AccountScope, id: number) {
  return db.selectFrom('accounts').select('id').where(theAccount(scope, id));
}

export const norm = (s: string | null | undefined): string | null => (s ? s.trim().toLowerCase() : null);

type Eb = ExpressionBuilder<Database, 'accounts'>;

function columnExpr(eb: Eb, c: FilterColumn): Expression<unknown> {
  switch (c) {
    case 'id':
      return eb.ref('id');
    case 'userId':
      return eb.ref('user_id');
    case 'userName':
      return eb.ref('user_name_norm');
    case 'emailAddress':
      return eb.ref('email_norm');
    case 'firstName':
      return sql`lower(profile->>'firstName')`;
    case 'lastName':
      return sql`lower(profile->>'lastName')`;
    case 'externalId':
      return sql`profile->>'externalId'`;
    case 'isLocked':
      return eb.ref('is_locked');
    case 'createDate':
      return eb.ref('created_at');
    case 'updateDate':
      return eb.ref('updated_at');
  }
}

function termExpr(eb: Eb, t: FilterTerm): Expression<SqlBool> {
  const col = columnExpr(eb, t.column);
  const caseless = ['userName', 'emailAddress', 'firstName', 'lastName'].includes(t.column);
  const v = typeof t.value === 'string' && caseless ? t.value.toLowerCase() : t.value;
  const like = (pattern: string) => sql<SqlBool>`${col} like ${pattern}`;
  const escaped = String(v).replace(/[\\%_]/g, (m) => `\\${m}`);
  switch (t.op) {
    case 'eq':
      return sql<SqlBool>`${col} = ${v}`;
    case 'ne':
      return sql<SqlBool>`${col} is distinct from ${v}`;
    case 'sw':
      return like(`${escaped}%`);
    case 'cont':
      return like(`%${escaped}%`);
    case 'gt':
      return sql<SqlBool>`${col} > ${v}`;
    case 'lt':
      return sql<SqlBool>`${col} < ${v}`;
    case 'ge':
      return sql<SqlBool>`${col} >= ${v}`;
    case 'le':
      return sql<SqlBool>`${col} <= ${v}`;
  }
}

export function createAccountsRepo(root: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  /** Every account of one customer set of one tenant. */
  const inScope = (scope: AccountScope) =>
    db()
      .selectFrom('accounts')
      .selectAll()
      .where('tenant_id', '=', scope.tenantId)
      .where('customer_set', '=', scope.customerSet);

  // On every refresh and accounts/current: concurrent lookups share one statement.
  const findById = batched(async (keys: readonly { scope: AccountScope; id: number }[]) => {
    const rows = await db()
      .selectFrom('accounts')
      .selectAll()
      .where((eb) =>
        eb(
          eb.refTuple('tenant_id', 'customer_set', 'id'),
          'in',
          keys.map((k) => eb.tuple(k.scope.tenantId, k.scope.customerSet, k.id)),
        ),
      )
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return keys.map(({ scope, id }) => {
      const r = byId.get(id);
      return r && r.tenant_id === scope.tenantId && r.customer_set === scope.customerSet ? r : undefined;
    });
  });

  return {
    async insert(a: NewAccount): Promise<AccountRow> {
      return db()
        .insertInto('accounts')
        .values({
          tenant_id: a.tenantId,
          customer_set: a.customerSet,
          user_id: a.userId,
          user_name: a.userName,
          user_name_norm: norm(a.userName),
          email: a.email,
          email_norm: norm(a.email),
          password_hash: a.passwordHash,
          profile: JSON.stringify(a.profile),
          has_external_password: a.hasExternalPassword ?? false,
          migration_required: a.migrationRequired ?? false,
          last_password_change_at: a.passwordHash ? a.at : null,
          created_at: a.at,
          updated_at: a.at,
          created_by: a.by,
          updated_by: a.by,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    findById(scope: AccountScope, id: number): Promise<AccountRow | undefined> {
      return findById({ scope, id });
    },

    /** An account of the tenant in any of its customer sets (a reset code names its account). */
    async findInTenant(tenantId: number, id: number): Promise<AccountRow | undefined> {
      return db()
        .selectFrom('accounts')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
    },

    /** The account whose user name or email is `login` (case-insensitive); a user name match wins. */
    async findByLogin(scope: AccountScope, login: string): Promise<AccountRow | undefined> {
      const n = norm(login);
      if (!n) return undefined;
      const rows = await inScope(scope)
        .where((eb) => eb.or([eb('user_name_norm', '=', n), eb('email_norm', '=', n)]))
        .limit(2)
        .execute();
      return rows.find((r) => r.user_name_norm === n) ?? rows[0];
    },

    findByEmail(scope: AccountScope, email: string): Promise<AccountRow | undefined> {
      return inScope(scope).where('email_norm', '=', norm(email)).executeTakeFirst();
    },

    /** By the shopper's userId (the id tickets carry), inside one customer set. */
    findByUserId(scope: AccountScope, userId: string): Promise<AccountRow | undefined> {
      return inScope(scope).where('user_id', '=', userId).executeTakeFirst();
    },

    findByUserName(scope: AccountScope, userName: string): Promise<AccountRow | undefined> {
      return inScope(scope).where('user_name_norm', '=', norm(userName)).executeTakeFirst();
    },

    async updateProfile(
      scope: AccountScope,
      id: number,
      patch: { userName: string | null; email: string | null; profile: AccountProfile; at: Date; by: string | null },
    ): Promise<AccountRow | undefined> {
      return db()
        .updateTable('accounts')
        .set({
          user_name: patch.userName,
          user_name_norm: norm(patch.userName),
          email: patch.email,
          email_norm: norm(patch.email),
          profile: JSON.stringify(patch.profile),
          updated_at: patch.at,
          updated_by: patch.by,
        })
        .where(theAccount(scope, id))
        .returningAll()
        .executeTakeFirst();
    },

    /** Gives a login to an account that has none; undefined when it already had a password. */
    async setInitialLogin(
      scope: AccountScope,
      id: number,
      l: {
        userName: string | null;
        email: string | null;
        passwordHash: string;
        hasExternalPassword: boolean;
        migrationRequired: boolean;
        at: Date;
        by: string | null;
      },
    ): Promise<AccountRow | undefined> {
      return db()
        .updateTable('accounts')
        .set({
          user_name: l.userName,
          user_name_norm: norm(l.userName),
          email: l.email,
          email_norm: norm(l.email),
          password_hash: l.passwordHash,
          has_external_password: l.hasExternalPassword,
          migration_required: l.migrationRequired,
          last_password_change_at: l.at,
          updated_at: l.at,
          updated_by: l.by,
        })
        .where(theAccount(scope, id))
        .where('password_hash', 'is', null)
        .returningAll()
        .executeTakeFirst();
    },

    async setPasswordHash(
      scope: AccountScope,
      id: number,
      hash: string,
      at: Date,
      fields: { hasExternalPassword?: boolean; migrationRequired?: boolean; passwordChanged?: boolean } = {},
    ): Promise<void> {
      await db()
        .updateTable('accounts')
        .set({
          password_hash: hash,
          ...(fields.hasExternalPassword !== undefined ? { has_external_password: fields.hasExternalPassword } : {}),
          ...(fields.migrationRequired !== undefined ? { migration_required: fields.migrationRequired } : {}),
          ...(fields.passwordChanged ? { last_password_change_at: at, password_change_required: false } : {}),
          updated_at: at,
        })
        .where(theAccount(scope, id))
        .execute();
    },

    /** Set-Login-Locked: an admin lock holds until unlocked; unlocking also clears a timed lock. */
    async setLocked(
      scope: AccountScope,
      id: number,
      locked: boolean,
      at: Date,
      by: string | null,
    ): Promise<AccountRow | undefined> {
      return db()
        .updateTable('accounts')
        .set(
          locked
            ? { is_locked: true, last_locked_at: at, updated_at: at, updated_by: by }
            : {
                is_locked: false,
                locked_until: null,
                failed_attempts: 0,
                first_failed_at: null,
                updated_at: at,
                updated_by: by,
              },
        )
        .where(theAccount(scope, id))
        .returningAll()
        .executeTakeFirst();
    },

    async setPasswordChangeRequired(
      scope: AccountScope,
      id: number,
      required: boolean,
      at: Date,
      by: string | null,
    ): Promise<AccountRow | undefined> {
      return db()
        .updateTable('accounts')
        .set({ password_change_required: required, updated_at: at, updated_by: by })
        .where(theAccount(scope, id))
        .returningAll()
        .executeTakeFirst();
    },

    async delete(scope: AccountScope, id: number): Promise<boolean> {
      const r = await db().deleteFrom('accounts').where(theAccount(scope, id)).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async list(q: ListQuery): Promise<{ total: number; rows: AccountRow[] }> {
      let base = db()
        .selectFrom('accounts')
        .where('tenant_id', '=', q.tenantId)
        .where('customer_set', '=', q.customerSet);
      for (const t of q.filter) base = base.where((eb) => termExpr(eb, t));
      if (q.q) {
        const pattern = `%${q.q.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
        base = base.where(
          sql<SqlBool>`(email_norm like ${pattern} or user_name_norm like ${pattern} or lower(profile->>'firstName') like ${pattern} or lower(profile->>'lastName') like ${pattern})`,
        );
      }
      const countRow = await base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
      let page = base.selectAll();
      if (q.sortBy) {
        const col = q.sortBy.column;
        page = page.orderBy((eb) => columnExpr(eb, col) as never, q.sortBy.desc ? 'desc' : 'asc');
      }
      const rows = await page.orderBy('id', 'asc').offset(q.startIndex).limit(q.pageSize).execute();
      return { total: Number(countRow.n), rows };
    },
  };
}
export type AccountsRepo = ReturnType<typeof createAccountsRepo>;
