import type { FastifyRequest } from 'fastify';
import type { TenantConfig } from '../../config/load.ts';
import type { CallContext } from '../../domain/context.ts';
import type { ConsoleOperator } from '../../domain/operators/console-login.ts';

/**
 * The call context of an operator acting on an account of `customerSet`: a site of the tenant with
 * that customer set (its login rules apply), the operator named as the audit log's actor.
 */
export function consoleContext(
  request: FastifyRequest,
  tenant: TenantConfig,
  customerSet: string,
  operator: ConsoleOperator,
): CallContext {
  const site = tenant.sites.find((s) => s.customerSet === customerSet) ?? { ...tenant.sites[0], customerSet };
  return {
    tenant,
    site,
    clientId: 'console',
    behaviors: [],
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    operator: operator.email,
  };
}
