import type { Db } from '../db.ts';

export interface StoredApp {
  clientId: string;
  tenantId: number;
  secretHash: string;
  behaviors: string[];
}

export function createAppsRepo(db: Db) {
  return {
    async find(clientId: string): Promise<StoredApp | undefined> {
      const r = await db.selectFrom('apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return r && { clientId: r.client_id, tenantId: r.tenant_id, secretHash: r.secret_hash, behaviors: r.behaviors };
    },
    /** Inserts unless the client id exists; true when this call inserted it. */
    async insertIfAbsent(app: StoredApp, at: Date): Promise<boolean> {
      const res = await db
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
    async insertRefreshToken(t: {
      tokenHash: string;
      clientId: string;
      tenantId: number;
      expiresAt: Date;
      createdAt: Date;
    }): Promise<void> {
      await db
        .insertInto('app_refresh_tokens')
        .values({
          token_hash: t.tokenHash,
          client_id: t.clientId,
          tenant_id: t.tenantId,
          expires_at: t.expiresAt,
          created_at: t.createdAt,
        })
        .execute();
    },
    /** Retires a live refresh token in one conditional update; undefined when it was not live. */
    async consumeRefreshToken(tokenHash: string, now: Date): Promise<{ clientId: string } | undefined> {
      const r = await db
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
