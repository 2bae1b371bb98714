import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Config } from '../../config/load.ts';
import { SUPPORT_ACTIONS, type SupportAction, type SupportDesk } from '../../domain/operators/support.ts';
import { consoleContext } from './context.ts';
import { AccountParams, fmt, pageKit, summary } from './pages.ts';

const ActionParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  action: Type.Union(SUPPORT_ACTIONS.map((a) => Type.Literal(a))),
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

/** The account page's notice after an action (`?done=`); fixed texts only. */
export const DONE = ['revoke-session', ...SUPPORT_ACTIONS] as const;
export const doneText = (done: string): string =>
  done === 'revoke-session' ? 'The session has ended.' : ACTION_TEXT[done as SupportAction].done;

/**
 * The confirmed actions on an account: each has a page asking to confirm (GET) and the form's
 * POST (CSRF-checked), which acts through the support desk and is audited naming the operator.
 */
export function accountActionRoutes(app: FastifyInstance, deps: { config: Config; support: SupportDesk }): void {
  const { support } = deps;
  const { who, base } = pageKit(deps.config);

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
      // An action refused for the account as it is (deactivated) says so instead of asking to confirm.
      support.assertMay(row, request.params.action);
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
      const { action } = request.params;
      // Refused (a deactivated account) before it counts against any limit.
      support.assertMay(row, action);
      // A reset mail counts against the account's Reset-Password limit (rateLimits.reset.perAccount),
      // the very counter the shopper's own requests by email use: an operator cannot mail more often.
      if (action === 'send-reset-mail' && row.email)
        await app.countForAccount(request, 'reset', {
          tenantId: tenant.id,
          customerSet: row.customer_set,
          target: row.email,
        });
      await support.act(consoleContext(request, tenant, row.customer_set, operator), row, action);
      return reply.redirect(`/console/accounts/${row.id}?done=${action}`, 303);
    },
  );

  app.get<{ Params: Static<typeof AccountParams> }>(
    '/accounts/:id/impersonate',
    { schema: { hide: true, params: AccountParams } },
    async (request, reply) => {
      const { tenant } = who(request);
      const row = await support.account(tenant, request.params.id);
      support.assertMay(row, 'impersonate');
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
