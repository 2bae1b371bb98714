import type { AuthEventRow } from '../../store/repos/audit.ts';

/** The wire CustomerAuditEntry of an event: its type is the description, its app the application. */
export function toAuditEntry(e: AuthEventRow) {
  const d = e.detail ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    customerAuditEntryId: Number(e.id),
    customerAccountId: e.account_id ?? 0,
    entryDate: e.created_at.toISOString(),
    entryUser: str(d.actor) ?? e.client_id,
    application: e.client_id,
    site: e.site_id === null ? null : String(e.site_id),
    description: e.type,
    fieldPath: str(d.fieldPath),
    oldValue: str(d.oldValue),
    newValue: str(d.newValue),
    ipAddress: e.ip,
    userAgent: e.user_agent,
    detail: d,
  };
}
