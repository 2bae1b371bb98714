import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { CallContext } from '../../domain/context.ts';
import type { ShopperSessions } from '../../domain/accounts/shopper-sessions.ts';
import { ApiRefusal, type StorefrontApi, type WireAccount } from './storefront-api.ts';
import { clearShopper, readShopper, type ShopperTokens } from './cookies.ts';
import { shopperTokens, visitorOf } from './session.ts';
import { messageFor } from './messages.ts';
import { FORM, render } from './render.ts';

const Csrf = Type.Object({ _csrf: Type.Optional(Type.String()) });
const Str = (max: number) => Type.Optional(Type.String({ maxLength: max }));
const AddressForm = Type.Object({
  firstName: Str(100),
  lastName: Str(100),
  address1: Type.String({ minLength: 1, maxLength: 200 }),
  cityOrTown: Type.String({ minLength: 1, maxLength: 100 }),
  postalOrZipCode: Str(20),
  countryCode: Type.String({ minLength: 2, maxLength: 2 }),
  _csrf: Type.Optional(Type.String()),
});
const PasswordForm = Type.Object({
  oldPassword: Type.String({ minLength: 1, maxLength: 1024 }),
  newPassword: Type.String({ minLength: 1, maxLength: 1024 }),
  _csrf: Type.Optional(Type.String()),
});
const ContactParams = Type.Object({ contactId: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) });

const notices: Record<string, string> = {
  address: 'The address was added.',
  removed: 'The address was removed.',
  password: 'Your password was changed. Your other sessions were signed out.',
};

/**
 * My account: profile, addresses (the account's contacts), change password, sessions with "sign
 * out everywhere", and sign out. Every call is made with the shopper's own token, so the API
 * decides what they may see and change; the account id always comes from `accounts/current`.
 */
export function myAccountRoutes(app: FastifyInstance, api: StorefrontApi, sessions: ShopperSessions): void {
  /** The signed-in shopper and their account, or undefined after redirecting to the sign-in page. */
  async function shopper(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ tokens: ShopperTokens; account: WireAccount } | undefined> {
    let tokens = await shopperTokens(request, reply, api);
    for (let attempt = 0; tokens && attempt < 2; attempt++) {
      try {
        return { tokens, account: await api.current(request.pageSite!.site, visitorOf(request), tokens.jwt) };
      } catch (err) {
        if (!(err instanceof ApiRefusal) || err.status !== 401) throw err;
        // Expired by the API's clock though not by ours: refresh once and ask again.
        if (err.errorCode === 'TOKEN_EXPIRED' && attempt === 0) {
          tokens = await shopperTokens(request, reply, api, true);
          continue;
        }
        // The session ended elsewhere (signed out everywhere, password changed, locked).
        clearShopper(request, reply);
        tokens = undefined;
      }
    }
    void reply.redirect('/account/sign-in', 303);
    return undefined;
  }

  /** The domain's view of this request, for the sessions panel (the one thing the Kibo API has no route for). */
  const context = (request: FastifyRequest): CallContext => ({
    tenant: request.pageSite!.tenant,
    site: request.pageSite!.site,
    clientId: request.pageSite!.site.pages.clientId ?? 'pages',
    behaviors: [],
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  });

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    me: { tokens: ShopperTokens; account: WireAccount },
    extra: { error?: string; notice?: string; status?: number } = {},
  ) {
    const site = request.pageSite!.site;
    const contacts = await api.contacts(site, visitorOf(request), me.tokens.jwt, me.account.id);
    const liveSessions = await sessions.live(context(request), me.account.id);
    return render(request, reply.code(extra.status ?? 200), 'my-account', {
      account: me.account,
      contacts: contacts.items,
      liveSessions,
      linkedGuest: me.tokens.linkedGuest,
      error: extra.error,
      notice: extra.notice,
    });
  }

  app.get<{ Querystring: { done?: string } }>('/me', FORM, async (request, reply) => {
    const me = await shopper(request, reply);
    if (!me) return reply;
    return page(request, reply, me, { notice: notices[request.query.done ?? ''] });
  });

  app.post<{ Body: Static<typeof AddressForm> }>(
    '/me/addresses',
    { schema: { hide: true, body: AddressForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const me = await shopper(request, reply);
      if (!me) return reply;
      const b = request.body;
      try {
        await api.addContact(request.pageSite!.site, visitorOf(request), me.tokens.jwt, me.account.id, {
          email: me.account.emailAddress,
          firstName: b.firstName?.trim() || me.account.firstName || null,
          lastNameOrSurname: b.lastName?.trim() || me.account.lastName || null,
          types: [{ name: 'Shipping', isPrimary: false }],
          address: {
            address1: b.address1.trim(),
            cityOrTown: b.cityOrTown.trim(),
            postalOrZipCode: b.postalOrZipCode?.trim() || null,
            countryCode: b.countryCode.trim().toUpperCase(),
          },
        });
      } catch (err) {
        const error = messageFor(err);
        if (!error) throw err;
        return page(request, reply, me, { error, status: 400 });
      }
      return reply.redirect('/account/me?done=address', 303);
    },
  );

  app.post<{ Params: Static<typeof ContactParams>; Body: Static<typeof Csrf> }>(
    '/me/addresses/:contactId/remove',
    { schema: { hide: true, params: ContactParams, body: Csrf }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const me = await shopper(request, reply);
      if (!me) return reply;
      const { site } = request.pageSite!;
      await api.removeContact(site, visitorOf(request), me.tokens.jwt, me.account.id, request.params.contactId);
      return reply.redirect('/account/me?done=removed', 303);
    },
  );

  app.post<{ Body: Static<typeof PasswordForm> }>(
    '/me/password',
    { schema: { hide: true, body: PasswordForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const me = await shopper(request, reply);
      if (!me) return reply;
      const { oldPassword, newPassword } = request.body;
      try {
        await api.changePassword(
          request.pageSite!.site,
          visitorOf(request),
          me.tokens.jwt,
          me.account.id,
          oldPassword,
          newPassword,
        );
      } catch (err) {
        const error = messageFor(err);
        if (!error) throw err;
        return page(request, reply, me, { error, status: 400 });
      }
      return reply.redirect('/account/me?done=password', 303);
    },
  );

  app.post<{ Body: Static<typeof Csrf> }>(
    '/me/sign-out-everywhere',
    { schema: { hide: true, body: Csrf }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const me = await shopper(request, reply);
      if (!me) return reply;
      await sessions.endAll(context(request), me.account.id);
      clearShopper(request, reply);
      return reply.redirect('/account/sign-in?out=all', 303);
    },
  );

  app.post<{ Body: Static<typeof Csrf> }>(
    '/sign-out',
    { schema: { hide: true, body: Csrf }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const held = readShopper(request);
      if (held) {
        // Ends this login's chain at the API; a chain already ended is no reason to stay signed in here.
        await api.logout(request.pageSite!.site, visitorOf(request), held.refresh).catch((err: unknown) => {
          if (!(err instanceof ApiRefusal) || err.status >= 500) throw err;
        });
      }
      clearShopper(request, reply);
      return reply.redirect('/account/sign-in', 303);
    },
  );
}
