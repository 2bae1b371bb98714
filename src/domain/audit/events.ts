import type { AuditRepo, NewAuthEvent } from '../../store/repos/audit.ts';
import type { Clock } from '../clock.ts';
import type { CallContext } from '../context.ts';

/** Every kind of auth event the audit log keeps. */
export type AuthEventType =
  | 'account.created'
  | 'account.updated'
  | 'account.deleted'
  | 'login.succeeded'
  | 'login.failed'
  | 'login.locked'
  | '2fa.challenged'
  | '2fa.passed'
  | '2fa.failed'
  | 'otp.passed'
  | 'otp.failed'
  | 'password.changed'
  | 'password.reset'
  | 'password.reset_requested'
  | 'account.locked'
  | 'account.unlocked'
  | 'password.change_required'
  | 'refresh.reuse_detected'
  | 'logout'
  | 'impersonation'
  | 'contact.added'
  | 'contact.updated'
  | 'contact.deleted'
  | 'attribute.set'
  | 'attribute.deleted'
  | 'sessions.revoked';

export interface Audit {
  /** The event as stored, for a statement that writes it with other rows (a login's one write). */
  event(
    ctx: CallContext,
    type: AuthEventType,
    accountId: number | null,
    detail?: Record<string, unknown>,
  ): NewAuthEvent;
  /** Told that such a statement stored `e` (the telemetry counts it then, as `record`'s). */
  stored(e: NewAuthEvent): void;
  record(
    ctx: CallContext,
    type: AuthEventType,
    accountId: number | null,
    detail?: Record<string, unknown>,
  ): Promise<void>;
}

export function createAudit(deps: { repo: AuditRepo; clock: Clock }): Audit {
  const event: Audit['event'] = (ctx, type, accountId, detail = {}) => ({
    tenantId: ctx.tenant.id,
    siteId: ctx.site.id,
    clientId: ctx.clientId,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    accountId,
    type,
    // Whatever is done under an impersonation ticket is on the record as the impersonating app's.
    detail: ctx.shopper?.impersonatedBy ? { ...detail, impersonatedBy: ctx.shopper.impersonatedBy } : detail,
    at: deps.clock.now(),
    actor: ctx.operator ?? null,
  });
  return {
    event,
    stored: () => undefined,
    async record(ctx, type, accountId, detail = {}) {
      await deps.repo.insert(event(ctx, type, accountId, detail));
    },
  };
}
