import type { Db } from '../db.ts';

export interface NewAuthEvent {
  tenantId: number;
  siteId: number | null;
  accountId: number | null;
  type: string;
  clientId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
  at: Date;
}

export function createAuditRepo(db: Db) {
  return {
    async insert(e: NewAuthEvent): Promise<void> {
      await db.insertInto('auth_events').values({
        tenant_id: e.tenantId, site_id: e.siteId, account_id: e.accountId, type: e.type, client_id: e.clientId,
        ip: e.ip, user_agent: e.userAgent?.slice(0, 500) ?? null, detail: JSON.stringify(e.detail), created_at: e.at,
      }).execute();
    },
  };
}
export type AuditRepo = ReturnType<typeof createAuditRepo>;
