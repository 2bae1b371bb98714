import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Config, TenantConfig } from '../../config/load.ts';
import type { AccountRow } from '../../store/repos/accounts.ts';
import type { ConsoleOperator } from '../../domain/operators/console-login.ts';
import { KiboError } from '../../domain/errors.ts';
import { isHttps } from './session-cookie.ts';

/** What the account pages share: the account id parameter, dates, an account's summary, the operator. */
export const AccountParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });

export const fmt = (d: Date | null | undefined) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—');

export function summary(row: AccountRow) {
  const name = [row.profile.firstName, row.profile.lastName].filter(Boolean).join(' ');
  return {
    id: row.id,
    customerSet: row.customer_set,
    email: row.email ?? '—',
    userName: row.user_name ?? '—',
    name: name || '—',
    locked: row.is_locked,
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in operator of a console page (set by the plugin's guard). */
    consoleOperator: ConsoleOperator | null;
  }
}

/** The signed-in operator and their tenant; the data every page's layout needs. */
export function pageKit(config: Config) {
  const who = (request: FastifyRequest): { operator: ConsoleOperator; tenant: TenantConfig } => {
    const operator = request.consoleOperator!;
    const tenant = config.tenants.find((t) => t.id === operator.tenantId);
    // An operator of a tenant no longer configured sees nothing.
    if (!tenant) throw new KiboError('FORBIDDEN', 'Your tenant is not configured on this service');
    return { operator, tenant };
  };
  const base = (request: FastifyRequest, reply: FastifyReply) => ({
    csrf: reply.generateCsrf({ secure: isHttps(request) }),
    operator: request.consoleOperator,
  });
  return { who, base };
}
