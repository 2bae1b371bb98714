import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findSite, type Config, type SiteConfig, type TenantConfig } from '../../config/load.ts';
import { KiboError } from '../../domain/errors.ts';

export interface Tenancy {
  tenant: TenantConfig;
  site: SiteConfig;
}

declare module 'fastify' {
  interface FastifyRequest {
    tenancy: Tenancy | null;
  }
}

const HOST_RE = /^t(\d+)-s(\d+)\./i;

/** Reads tenant and site from x-vol-tenant / x-vol-site, else from a `t{T}-s{S}.` host. */
export function resolveTenancy(config: Config, request: FastifyRequest): Tenancy {
  const h = request.headers;
  let tenantRaw = single(h['x-vol-tenant']);
  let siteRaw = single(h['x-vol-site']);
  const hostMatch = HOST_RE.exec(request.hostname ?? '');
  if (!tenantRaw && hostMatch) tenantRaw = hostMatch[1];
  if (!siteRaw && hostMatch) siteRaw = hostMatch[2];
  if (!tenantRaw || !siteRaw) {
    throw new KiboError(
      'MISSING_OR_INVALID_PARAMETER',
      'The x-vol-tenant and x-vol-site headers (or a t{tenant}-s{site} host) are required',
      { field: tenantRaw ? 'x-vol-site' : 'x-vol-tenant' },
    );
  }
  const tenantId = toId(tenantRaw, 'x-vol-tenant');
  const siteId = toId(siteRaw, 'x-vol-site');
  const found = findSite(config, tenantId, siteId);
  if (!found) {
    const tenantKnown = config.tenants.some((t) => t.id === tenantId);
    throw new KiboError(
      'ITEM_NOT_FOUND',
      tenantKnown ? `Site ${siteId} not found in tenant ${tenantId}` : `Tenant ${tenantId} not found`,
    );
  }
  return found;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function toId(raw: string, field: string): number {
  const s = raw.trim();
  if (!/^\d{1,10}$/.test(s) || Number(s) < 1 || Number(s) > 2 ** 31 - 1) {
    throw new KiboError('MISSING_OR_INVALID_PARAMETER', `${field} must be a positive integer`, { field });
  }
  return Number(s);
}

/** Every /api/commerce route knows its tenant and site before anything else runs. */
export function registerTenancy(app: FastifyInstance, config: Config): void {
  app.decorateRequest('tenancy', null);
  app.addHook('onRequest', (request, _reply, done) => {
    if (!request.url.startsWith('/api/commerce/')) return done();
    try {
      request.tenancy = resolveTenancy(config, request);
    } catch (err) {
      return done(err as Error);
    }
    done();
  });
}
