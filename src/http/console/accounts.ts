import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Config } from '../../config/load.ts';
import type { SupportDesk } from '../../domain/operators/support.ts';
import { KiboError } from '../../domain/errors.ts';
import type { AuthEventType } from '../../domain/audit/events.ts';
import { HIDDEN } from './hidden.ts';
import { consoleContext } from './context.ts';
import { AccountParams, fmt, pageKit, summary } from './pages.ts';
import { DONE, doneText } from './account-actions.ts';

const PAGE_SIZE = 20;

const SearchQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
});
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
const DateField = Type.String({ pattern: '^((19|20)\\d{2}-\\d{2}-\\d{2})?$' });

const AccountQuery = Type.Object({
  done: Type.Optional(Type.Union(DONE.map((a) => Type.Literal(a)))),
  type: Type.Optional(Type.Union(['', ...EVENT_TYPES].map((t) => Type.Literal(t)))),
  from: Type.Optional(DateField),
  to: Type.Optional(DateField),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
});
/** Finding shoppers, and an account's page. */
export function accountRoutes(app: FastifyInstance, deps: { config: Config; support: SupportDesk }): void {
  const { support } = deps;
  const { who, base } = pageKit(deps.config);

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
      const day = (d: string, field: string) => {
        const at = new Date(`${d}T00:00:00Z`);
        // 2021-02-30 is no date (the pattern lets it through; Date would roll it on to March).
        if (Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== d)
          throw new KiboError('MISSING_OR_INVALID_PARAMETER', `${field} is not a date`);
        return at;
      };
      const log = await support.auditLog(ctx, row, {
        types: filter.type ? [filter.type as AuthEventType] : undefined,
        from: filter.from ? day(filter.from, 'From') : undefined,
        // The range includes its last day.
        to: filter.to ? new Date(day(filter.to, 'To').getTime() + 86_400_000) : undefined,
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
        done: q.done ? doneText(q.done) : null,
      });
    },
  );
}
