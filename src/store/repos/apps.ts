import { sql, type Selectable } from 'kysely';
import type { Db } from '../db.ts';
import { executor, transaction } from '../transaction.ts';
import type { AppsTable } from '../schema.ts';

export interface StoredApp {
  clientId: string;
  tenantId: number;
  secretHash: string;
  behaviors: string[];
  /** App access tokens issued before this are refused (the secret was changed). */
  secretChangedAt?: Date | null;
  createdAt?: Date;
}

const fromRow = (r: Selectable<AppsTable>): StoredApp => ({
  clientId: r.client_id,
  tenantId: r.tenant_id,
  secretHash: r.secret_hash,
  behaviors: r.behaviors,
  secretChangedAt: r.secret_changed_at,
  createdAt: r.created_at,
});

/** An app refresh token being spent (domain/tokens/app-refresh.ts): who it names, when it was issued and ends. */
export interface SpentAppRefresh {
  tokenHash: string;
  clientId: string;
  tenantId: number;
  issuedAt: Date;
  expiresAt: Date;
  /** a database app: it must still exist, unchanged (not re-created, same secret) since `issuedAt` */
  stored: boolean;
}

export function createAppsRepo(root: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  return {
    async find(clientId: string): Promise<StoredApp | undefined> {
      const r = await db().selectFrom('apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return r && fromRow(r);
    },
    async list(): Promise<StoredApp[]> {
      const rows = await db().selectFrom('apps').selectAll().orderBy('client_id').execute();
      return rows.map(fromRow);
    },
    /** A new secret (hash); answers false for an unknown client id. */
    async setSecret(clientId: string, secretHash: string, at: Date): Promise<boolean> {
      const r = await db()
        .updateTable('apps')
        .set({ secret_hash: secretHash, secret_changed_at: at })
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async setBehaviors(clientId: string, behaviors: string[]): Promise<boolean> {
      const r = await db()
        .updateTable('apps')
        .set({ behaviors: JSON.stringify(behaviors) })
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** Deletes an app and its refresh tokens together. */
    async delete(clientId: string): Promise<boolean> {
      return transaction(root, async () => {
        const trx = db();
        await trx.deleteFrom('app_refresh_tokens').where('client_id', '=', clientId).execute();
        const r = await trx.deleteFrom('apps').where('client_id', '=', clientId).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      });
    },
    /** Retires every live refresh token of an app (its secret changed). */
    async retireRefreshTokens(clientId: string, now: Date): Promise<void> {
      await db()
        .updateTable('app_refresh_tokens')
        .set({ consumed_at: now })
        .where('client_id', '=', clientId)
        .where('consumed_at', 'is', null)
        .execute();
    },
    /** Inserts unless the client id exists; true when this call inserted it. */
    async insertIfAbsent(app: StoredApp, at: Date): Promise<boolean> {
      const res = await db()
        .insertInto('apps')
        .values({
          client_id: app.clientId,
          tenant_id: app.tenantId,
          secret_hash: app.secretHash,
          behaviors: JSON.stringify(app.behaviors),
          created_at: at,
        })
        .onConflict((oc) => oc.column('client_id').doNothing())
        .returning('client_id')
        .executeTakeFirst();
      return res !== undefined;
    },
    /**
     * Spends a self-authenticating app refresh token in one statement: recorded as spent (until it
     * would have expired, for the lifecycle pass to remove), only if it was not spent before and,
     * for a database app, only while the app exists as it was when the token was issued — so a
     * deleted, re-created or re-keyed app's tokens fail on every instance at once, not when each
     * instance's app list is next read. True when this call spent it.
     */
    async spendRefreshToken(t: SpentAppRefresh, now: Date): Promise<boolean> {
      const r = await sql<{ token_hash: string }>`
        insert into app_refresh_tokens (token_hash, client_id, tenant_id, expires_at, created_at, consumed_at)
        select ${t.tokenHash}::text, ${t.clientId}::text, ${t.tenantId}::integer, ${t.expiresAt}::timestamptz,
          ${t.issuedAt}::timestamptz, ${now}::timestamptz
        where ${!t.stored}::boolean or exists (
          select 1 from apps where client_id = ${t.clientId} and tenant_id = ${t.tenantId}
            and created_at <= ${t.issuedAt}::timestamptz
            and (secret_changed_at is null or secret_changed_at <= ${t.issuedAt}::timestamptz))
        on conflict (token_hash) do nothing
        returning token_hash`.execute(db());
      return r.rows.length === 1;
    },
    /** Retires a token issued before app refresh tokens were sealed (stored ones live up to 30 days). */
    async consumeRefreshToken(tokenHash: string, now: Date): Promise<{ clientId: string } | undefined> {
      const r = await db()
        .updateTable('app_refresh_tokens')
        .set({ consumed_at: now })
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('client_id')
        .executeTakeFirst();
      return r && { clientId: r.client_id };
    },
  };
}
export type AppsRepo = ReturnType<typeof createAppsRepo>;
