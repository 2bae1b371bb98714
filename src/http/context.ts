import type { FastifyRequest } from 'fastify';
import type { CallContext } from '../domain/context.ts';
import { KiboError } from '../domain/errors.ts';

/** The domain's view of a request: tenant, site, app, shopper, client IP and agent. */
export async function callContext(request: FastifyRequest): Promise<CallContext> {
  const t = request.tenancy;
  if (!t) throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'Tenant and site are required');
  const caller = await request.caller();
  if (!caller.app) throw new KiboError('UNAUTHORIZED', 'An application token is required');
  const ua = request.headers['user-agent'];
  return {
    tenant: t.tenant,
    site: t.site,
    clientId: caller.app.clientId,
    behaviors: caller.app.behaviors,
    ip: request.ip ?? null,
    userAgent: typeof ua === 'string' ? ua : null,
    shopper: caller.shopper,
  };
}
