import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Config, TenantConfig } from '../../config/load.ts';
import type { AccountRow } from '../../store/repos/accounts.ts';
import type { ConsoleOperator } from '../../domain/operators/console-login.ts';
import { SUPPORT_ACTIONS, type SupportAction, type SupportDesk } from '../../domain/operators/support.ts';
import { KiboError } from '../../domain/errors.ts';
import { HIDDEN } from './hidden.ts';
import { isHttps } from './session-cookie.ts';
import { consoleContext } from './context.ts';

const PAGE_SIZE = 20;

const SearchQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
});
const AccountParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });
const ActionParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  action: Type.Union(SUPPORT_ACTIONS.map((a) => Type.Literal(a))),
});
const DoneQuery = Type.Object({ done: Type.Optional(Type.Union(SUPPORT_ACTIONS.map((a) => Type.Literal(a)))) });

/** How each action is asked for and reported: fixed texts, nothing echoed from the request. */
const ACTION_TEXT: Record<SupportAction, { title: string; question: string; done: string }> = {
  lock: {
    title: 'Lock account',
    question: 'Lock this account? Every session it has ends now, and it cannot sign in until unlocked.',
    done: 'The account is locked and its sessions have ended.',
  },
  unlock: {
    title: 'Unlock account',
    question: 'Unlock this account? It can sign in again, and any lockout ends.',
    done: 'The account is unlocked.',
  },
  'force-password-change': {
    title: 'Force a password change',
    question: 'Require a new password at the next sign-in?',
    done: 'The shopper must change their password at the next sign-in.',
  },
  'revoke-sessions': {
    title: 'Revoke sessions',
    question: 'End every session of this account now? The shopper has to sign in again everywhere.',
    done: 'Every session of the account has ended.',
  },
};

const fmt = (d: Date | null | undefined) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—');

function summary(row: AccountRow) {
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

/** Finding shoppers, an account's page, and the confirmed actions on it. */
export function accountRoutes(app: FastifyInstance, deps: { config: Config; support: SupportDesk }): void {
  const { config, support } = deps;
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

  app.get('/', HIDDEN, async (_request, reply) => reply.redirect('/console/accounts', 303));

  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/accounts',
    { schema: { hide: true, querystring: SearchQuery } },
    async (request, reply) => {
      const { tenant } = who(request);
      const q = request.query.q ?? '';
      const pageNo = request.query.page ?? 1;
      const { total, rows } = await support.find(tenant, q, (pageNo - 1) * PAGE_SIZE, PAGE_SIZE);
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      const link = (p: number) => `/console/accounts?${new URLSearchParams({ q, page: String(p) })}`;
      return reply.view('accounts', {
        ...base(request, reply),
        q,
        total,
        rows: rows.map(summary),
        page: pageNo,
        pages,
        prev: pageNo > 1 ? link(pageNo - 1) : null,
        next: pageNo < pages ? link(pageNo + 1) : null,
      });
    },
  );

  app.get<{ Params: Static<typeof AccountParams>; Querystring: Static<typeof DoneQuery> }>(
    '/accounts/:id',
    { schema: { hide: true, params: AccountParams, querystring: DoneQuery } },
    async (request, reply) => {
      const { operator, tenant } = who(request);
      const row = await support.account(tenant, request.params.id);
      const { login, lockedUntil, liveSessions } = await support.state(
        consoleContext(request, tenant, row.customer_set, operator),
        row,
      );
      return reply.view('account', {
        ...base(request, reply),
        account: { ...summary(row), userId: row.user_id, createdAt: fmt(row.created_at) },
        state: {
          locked: login.isLocked,
          adminLocked: row.is_locked,
          failed: login.failedLoginAttemptCount,
          remaining: login.remainingLoginAttempts,
          lockedUntil: fmt(lockedUntil),
          lastLogin: fmt(login.lastLoginOn),
          passwordChangeRequired: login.isPasswordChangeRequired,
          liveSessions,
        },
        done: request.query.done ? ACTION_TEXT[request.query.done].done : null,
      });
    },
  );

  app.get<{ Params: Static<typeof ActionParams> }>(
    '/accounts/:id/:action',
    { schema: { hide: true, params: ActionParams } },
    async (request, reply) => {
      const { tenant } = who(request);
      const row = await support.account(tenant, request.params.id);
      return reply.view('confirm', {
        ...base(request, reply),
        account: summary(row),
        action: request.params.action,
        text: ACTION_TEXT[request.params.action],
      });
    },
  );

  app.post<{ Params: Static<typeof ActionParams> }>(
    '/accounts/:id/:action',
    { schema: { hide: true, params: ActionParams }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const { operator, tenant } = who(request);
      const row = await support.account(tenant, request.params.id);
      await support.act(consoleContext(request, tenant, row.customer_set, operator), row.id, request.params.action);
      return reply.redirect(`/console/accounts/${row.id}?done=${request.params.action}`, 303);
    },
  );
}
