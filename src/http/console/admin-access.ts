import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminActor } from '../../domain/admin/console-admin.ts';
import { KiboError } from '../../domain/errors.ts';
import { isHttps } from './session-cookie.ts';

/**
 * The admin pages' guard (an onRequest hook of their scope, before any CSRF check or body): a
 * support operator gets the 403 page, whatever the route, method or form.
 */
export async function requireAdmin(request: FastifyRequest): Promise<void> {
  if (request.consoleOperator?.role !== 'admin')
    throw new KiboError('FORBIDDEN', 'These pages are for console administrators only.');
}

/** The signed-in admin, as the audit log names them. */
export function actorOf(request: FastifyRequest): AdminActor {
  const o = request.consoleOperator!;
  return {
    operatorId: o.operatorId,
    email: o.email,
    tenantId: o.tenantId,
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  };
}

/** What every page's layout needs: the sign-out form's CSRF token and the operator. */
export const pageBase = (request: FastifyRequest, reply: FastifyReply) => ({
  csrf: reply.generateCsrf({ secure: isHttps(request) }),
  operator: request.consoleOperator,
});

export const fmtTime = (iso: string | null | undefined): string =>
  iso ? iso.replace('T', ' ').slice(0, 19) + ' UTC' : '—';
