import { sql, type Selectable } from 'kysely';
import type { Db } from '../db.ts';
import { batched } from '../batch.ts';
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

interface NewAppRefreshToken {
  tokenHash: string;
  clientId: string;
  tenantId: number;
  expiresAt: Date;
  createdAt: Date;
}

export function createAppsRepo(root: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  // Every app token writes its refresh token: concurrent ones share one insert (store/batch.ts), one
  // JSON parameter for all the rows, as the shopper tickets do (repos/sessions.ts). On PostgreSQL
  // each statement is a round trip and a commit; one per app token capped them at the commit rate.
  const insertRefresh = batched(async (items: readonly NewAppRefreshToken[]) => {
    const rows = JSON.stringify(
      items.map((t) => ({
        token_hash: t.tokenHash,
        client_id: t.clientId,
        tenant_id: t.tenantId,
        expires_at: t.expiresAt.toISOString(),
        created_at: t.createdAt.toISOString(),
      })),
    );
    await sql`
      insert into app_refresh_tokens (token_hash, client_id, tenant_id, expires_at, created_at)
      select token_hash, client_id, tenant_id, expires_at, created_at from json_to_recordset(${rows}::json) as x(
        token_hash text, client_id text, tenant_id integer, expires_at timestamptz, created_at timestamptz)`.execute(
      db(),
    );
    return items.map(() => undefined);
  });
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
    insertRefreshToken(t: NewAppRefreshToken): Promise<void> {
      return insertRefresh(t);
    },
    /** Retires a live refresh token in one conditional update; undefined when it was not live. */
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
