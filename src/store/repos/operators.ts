import type { Selectable } from 'kysely';
import type { Db } from '../db.ts';
import type { OperatorsTable } from '../schema.ts';
import { failureCounting } from './lockout.ts';

export type OperatorRow = Selectable<OperatorsTable>;

export interface NewOperator {
  tenantId: number;
  email: string;
  role: 'support' | 'admin';
  passwordHash: string;
  totpSecret: string | null;
  at: Date;
}

/** Support-console operators (migration 0010). SQL only; the rules are in domain/operators/. */
export function createOperatorsRepo(db: Db) {
  return {
    /** @throws a unique violation on operators_email_key when the email is taken */
    async insert(o: NewOperator): Promise<OperatorRow> {
      return db
        .insertInto('operators')
        .values({
          tenant_id: o.tenantId,
          email: o.email,
          role: o.role,
          password_hash: o.passwordHash,
          totp_secret: o.totpSecret,
          created_at: o.at,
          updated_at: o.at,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    /** The TOTP secret is sealed under a name holding the row's id, known only after the insert. */
    async setTotpSecret(id: number, sealed: string | null): Promise<void> {
      await db
        .updateTable('operators')
        .set({ totp_secret: sealed, totp_last_step: null })
        .where('id', '=', id)
        .execute();
    },

    /** Every stored TOTP secret, to seal again under a new SECRETS_KEY. */
    totpSecrets: () =>
      db
        .selectFrom('operators')
        .select(['id', 'totp_secret'])
        .where('totp_secret', 'is not', null)
        .execute() as Promise<{ id: number; totp_secret: string }[]>,

    /** Replaces a sealed secret, unless it changed meanwhile. */
    async replaceTotpSecret(id: number, was: string, sealed: string): Promise<void> {
      await db
        .updateTable('operators')
        .set({ totp_secret: sealed })
        .where('id', '=', id)
        .where('totp_secret', '=', was)
        .execute();
    },

    findByEmail: (email: string) =>
      db.selectFrom('operators').selectAll().where('email', '=', email).executeTakeFirst(),
    findById: (id: number) => db.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst(),
    list: () => db.selectFrom('operators').selectAll().orderBy('id').execute(),

    async setDisabled(email: string, disabled: boolean, at: Date): Promise<OperatorRow | undefined> {
      return db
        .updateTable('operators')
        .set({ disabled, updated_at: at })
        .where('email', '=', email)
        .returningAll()
        .executeTakeFirst();
    },

    /** A new password also ends a lockout. */
    async setPassword(email: string, passwordHash: string, at: Date): Promise<OperatorRow | undefined> {
      return db
        .updateTable('operators')
        .set({ password_hash: passwordHash, failed_attempts: 0, locked_until: null, updated_at: at })
        .where('email', '=', email)
        .returningAll()
        .executeTakeFirst();
    },

    /**
     * Counts a failed login in one statement (parallel failures all count), by the shoppers' rule
     * (`failureCounting` in repos/lockout.ts): the one that reaches `maxAttempts` locks for
     * `lockMinutes`; a lock that has run out starts a fresh count.
     */
    async recordFailure(id: number, maxAttempts: number, lockMinutes: number, at: Date): Promise<void> {
      await db
        .updateTable('operators')
        .set({ ...failureCounting(at, maxAttempts, lockMinutes).set, updated_at: at })
        .where('id', '=', id)
        .execute();
    },

    async recordLogin(id: number, at: Date): Promise<void> {
      await db
        .updateTable('operators')
        .set({ failed_attempts: 0, locked_until: null, last_login_at: at })
        .where('id', '=', id)
        .execute();
    },

    /** Spends a TOTP time step: false when it (or a later one) was spent already. */
    async spendTotpStep(id: number, step: number): Promise<boolean> {
      const r = await db
        .updateTable('operators')
        .set({ totp_last_step: step })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(step))]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}
export type OperatorsRepo = ReturnType<typeof createOperatorsRepo>;
