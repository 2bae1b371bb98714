import { sql, type Selectable } from 'kysely';
import type { Db } from '../db.ts';
import { executor } from '../transaction.ts';
import type { AuthEventsTable } from '../schema.ts';
import { batched } from '../batch.ts';
import { accountIn } from './accounts.ts';

export type AuthEventRow = Selectable<AuthEventsTable>;

/** A page of one account's events: filter on type and time, newest or oldest first. */
export interface AuthEventQuery {
  tenantId: number;
  customerSet: string;
  accountId: number;
  startIndex: number;
  pageSize: number;
  order: { column: 'created_at' | 'id'; desc: boolean };
  types?: string[];
  since?: { at: Date; inclusive: boolean };
  until?: { at: Date; inclusive: boolean };
}

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
  /** the console operator who caused it, if one did */
  actor?: string | null;
}

export function createAuditRepo(root: Db) {
  // Each statement runs on the transaction its caller is inside, if any (store/transaction.ts).
  const db = () => executor(root);
  const insert = batched(async (events: readonly NewAuthEvent[]) => {
    await db()
      .insertInto('auth_events')
      .values(
        events.map((e) => ({
          tenant_id: e.tenantId,
          site_id: e.siteId,
          account_id: e.accountId,
          type: e.type,
          client_id: e.clientId,
          ip: e.ip,
          user_agent: e.userAgent?.slice(0, 500) ?? null,
          detail: JSON.stringify(e.detail),
          created_at: e.at,
          actor: e.actor ?? null,
        })),
      )
      .execute();
    return events.map(() => undefined);
  });

  return {
    /** Events of concurrent requests are written together (one statement per round of I/O). */
    async insert(e: NewAuthEvent): Promise<void> {
      await insert(e);
    },

    async listForAccount(q: AuthEventQuery): Promise<{ total: number; rows: AuthEventRow[] }> {
      let base = db()
        .selectFrom('auth_events')
        .where('tenant_id', '=', q.tenantId)
        .where('account_id', 'in', accountIn(db(), { tenantId: q.tenantId, customerSet: q.customerSet }, q.accountId));
      if (q.types) base = base.where('type', 'in', q.types.length ? q.types : ['']);
      if (q.since) base = base.where('created_at', q.since.inclusive ? '>=' : '>', q.since.at);
      if (q.until) base = base.where('created_at', q.until.inclusive ? '<=' : '<', q.until.at);
      const count = await base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
      const dir = q.order.desc ? 'desc' : 'asc';
      const rows = await base
        .selectAll()
        .orderBy(q.order.column, dir)
        .orderBy('id', dir)
        .offset(q.startIndex)
        .limit(q.pageSize)
        .execute();
      return { total: Number(count.n), rows };
    },
  };
}
export type AuditRepo = ReturnType<typeof createAuditRepo>;
