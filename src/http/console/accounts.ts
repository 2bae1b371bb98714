import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Config, TenantConfig } from '../../config/load.ts';
import type { AccountRow } from '../../store/repos/accounts.ts';
import type { ConsoleOperator } from '../../domain/operators/console-login.ts';
import { SUPPORT_ACTIONS, type SupportAction, type SupportDesk } from '../../domain/operators/support.ts';
import { KiboError } from '../../domain/errors.ts';
import type { AuthEventType } from '../../domain/audit/events.ts';
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
  'send-reset-mail': {
    title: 'Send a reset mail',
    question: 'Mail the account\'s email address a password reset code, as the shopper\'s own "forgot password" does?',
    done: 'A password reset mail is on its way to the account’s email address.',
  },
};

/** The audit log's event types, offered in its filter. */
const EVENT_TYPES: readonly AuthEventType[] = [
  'login.succeeded',
  'login.failed',
  'login.locked',
  'account.locked',
  'account.unlocked',
  'password.change_required',
  'password.reset_requested',
  'password.reset',
  'password.changed',
  'sessions.revoked',
  'impersonation',
  'logout',
  'refresh.reuse_detected',
  '2fa.challenged',
  '2fa.passed',
  '2fa.failed',
  'otp.passed',
  'otp.failed',
  'account.created',
  'account.updated',
  'contact.added',
  'contact.updated',
  'contact.deleted',
  'attribute.set',
  'attribute.deleted',
];
const AUDIT_PAGE_SIZE = 20;
/** A date of `<input type="date">`, or empty (no bound). */
const DateField = Type.String({ pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' });

const AccountQuery = Type.Object({
  done: Type.Optional(Type.Union([...SUPPORT_ACTIONS, 'revoke-session'].map((a) => Type.Literal(a)))),
  type: Type.Optional(Type.Union(['', ...EVENT_TYPES].map((t) => Type.Literal(t)))),
  from: Type.Optional(DateField),
  to: Type.Optional(DateField),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
});
const SessionParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  // A session's id is a UUID; anything else is no session.
  sid: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }),
});
const CartForm = Type.Object({
  cartId: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  app: Type.String({ minLength: 1, maxLength: 200 }),
  _csrf: Type.Optional(Type.String()),
});

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

  app.get<{ Params: Static<typeof AccountParams>; Querystring: Static<typeof AccountQuery> }>(
    '/accounts/:id',
    { schema: { hide: true, params: AccountParams, querystring: AccountQuery } },
    async (request, reply) => {
      const { operator, tenant } = who(request);
      const row = await support.account(tenant, request.params.id);
      const ctx = consoleContext(request, tenant, row.customer_set, operator);
      const { login, lockedUntil, liveSessions } = await support.state(ctx, row);
      const { contacts, devices, sessions } = await support.details(ctx, row);
      const q = request.query;
      const filter = { type: q.type ?? '', from: q.from ?? '', to: q.to ?? '' };
      const pageNo = q.page ?? 1;
      const day = (d: string) => new Date(`${d}T00:00:00Z`);
      const log = await support.auditLog(ctx, row, {
        types: filter.type ? [filter.type as AuthEventType] : undefined,
        from: filter.from ? day(filter.from) : undefined,
        // The range includes its last day.
        to: filter.to ? new Date(day(filter.to).getTime() + 86_400_000) : undefined,
        offset: (pageNo - 1) * AUDIT_PAGE_SIZE,
        limit: AUDIT_PAGE_SIZE,
      });
      const pages = Math.max(1, Math.ceil(log.total / AUDIT_PAGE_SIZE));
      const link = (p: number) =>
        `/console/accounts/${row.id}?${new URLSearchParams({ ...filter, page: String(p) })}#audit`;
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
        contacts: contacts.map((c) => ({
          name: [c.firstName, c.lastNameOrSurname].filter(Boolean).join(' ') || '—',
          email: c.email || '—',
          types: c.types.map((t) => (t.isPrimary ? `${t.name} (primary)` : t.name)).join(', ') || '—',
          address: c.address
            ? [c.address.address1, c.address.cityOrTown, c.address.postalOrZipCode, c.address.countryCode]
                .filter(Boolean)
                .join(', ')
            : '—',
          phone: c.phoneNumbers.mobile ?? c.phoneNumbers.home ?? c.phoneNumbers.work ?? '—',
        })),
        // A device is known by a keyed hash of its fingerprint; its start names it well enough.
        devices: devices.map((d) => ({
          id: d.fingerprint_hash.slice(0, 12),
          firstSeen: fmt(d.first_seen_at),
          lastSeen: fmt(d.last_seen_at),
        })),
        sessions: sessions.map((x) => ({
          id: x.id,
          app: x.client_id,
          started: fmt(x.created_at),
          liveUntil: fmt(x.live_until),
          impersonation: x.impersonated_by
            ? `by ${x.impersonated_by}, cart ${x.cart_id ?? '—'}, ends ${fmt(x.ends_at)}`
            : null,
        })),
        audit: {
          types: EVENT_TYPES,
          filter,
          total: log.total,
          rows: log.rows.map((e) => ({
            at: fmt(e.created_at),
            type: e.type,
            by: e.actor ? `${e.actor} (console)` : (e.client_id ?? '—'),
            ip: e.ip ?? '—',
            detail: Object.keys(e.detail).length ? JSON.stringify(e.detail) : '',
          })),
          page: pageNo,
          pages,
          prev: pageNo > 1 ? link(pageNo - 1) : null,
          next: pageNo < pages ? link(pageNo + 1) : null,
        },
        done: q.done
          ? q.done === 'revoke-session'
            ? 'The session has ended.'
            : ACTION_TEXT[q.done as SupportAction].done
          : null,
      });
    },
  );

  app.get<{ Params: Static<typeof SessionParams> }>(
    '/accounts/:id/sessions/:sid/revoke',
    { schema: { hide: true, params: SessionParams } },
    async (request, reply) => {
      const { tenant } = who(request);
      const row = await support.account(tenant, request.params.id);
      return reply.view('confirm', {
        ...base(request, reply),
        account: summary(row),
        action: `sessions/${request.params.sid}/revoke`,
        text: {
          title: 'Revoke session',
          question: 'End this session now? The shopper has to sign in again on that device.',
        },
      });
    },
  );

  app.post<{ Params: Static<typeof SessionParams> }>(
    '/accounts/:id/sessions/:sid/revoke',
    { schema: { hide: true, params: SessionParams }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const { operator, tenant } = who(request);
      const row = await support.account(tenant, request.params.id);
      await support.revokeSession(consoleContext(request, tenant, row.customer_set, operator), row, request.params.sid);
      return reply.redirect(`/console/accounts/${row.id}?done=revoke-session`, 303);
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
      await support.act(consoleContext(request, tenant, row.customer_set, operator), row, request.params.action);
      return reply.redirect(`/console/accounts/${row.id}?done=${request.params.action}`, 303);
    },
  );

  app.get<{ Params: Static<typeof AccountParams> }>(
    '/accounts/:id/impersonate',
    { schema: { hide: true, params: AccountParams } },
    async (request, reply) => {
      const { tenant } = who(request);
      const row = await support.account(tenant, request.params.id);
      return reply.view('confirm', {
        ...base(request, reply),
        account: summary(row),
        action: 'impersonate',
        cart: { apps: support.impersonationApps(tenant) },
        text: {
          title: 'Impersonate a cart',
          question: `Issue a ticket acting as this shopper for one cart? It ends ${tenant.tokens.impersonationMinutes} minutes from now and is shown only once.`,
        },
      });
    },
  );

  app.post<{ Params: Static<typeof AccountParams>; Body: Static<typeof CartForm> }>(
    '/accounts/:id/impersonate',
    { schema: { hide: true, params: AccountParams, body: CartForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const { operator, tenant } = who(request);
      const row = await support.account(tenant, request.params.id);
      const cartId = request.body.cartId.trim();
      const ctx = consoleContext(request, tenant, row.customer_set, operator);
      const ticket = await support.impersonate(ctx, row, cartId, request.body.app);
      // Shown this once: never stored in clear, never in a URL (a page, not a redirect), never cached.
      return reply.header('cache-control', 'no-store').view('impersonation', {
        ...base(request, reply),
        account: summary(row),
        cartId,
        app: request.body.app,
        ticket: {
          userId: ticket.userId,
          jwt: ticket.jwtAccessToken,
          accessToken: ticket.accessToken,
          refreshToken: ticket.refreshToken,
          accessEnds: fmt(ticket.accessTokenExpiration),
          ends: fmt(ticket.refreshTokenExpiration),
          endsIso: ticket.refreshTokenExpiration.toISOString(),
        },
      });
    },
  );
}
