import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { StorefrontApi, WireTicket } from './storefront-api.ts';
import { clearGuest, readShopper, tokensOf, writeChallenge, writeShopper } from './cookies.ts';
import { guestId, guestTokens, visitorOf } from './session.ts';
import { messageFor } from './messages.ts';
import { FORM, render } from './render.ts';

const SignInForm = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 320 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
  _csrf: Type.Optional(Type.String()),
});

/**
 * After a sign-in step answered: a 2FA challenge goes to the code step (its token in a short-lived
 * cookie), a ticket becomes the shopper cookie and the guest cookie goes (its id is now linked).
 */
export function signedIn(request: FastifyRequest, reply: FastifyReply, ticket: WireTicket) {
  if (ticket.requires2FA) {
    writeChallenge(request, reply, { token: ticket.accessToken, userId: ticket.userId });
    return reply.redirect('/account/two-factor', 303);
  }
  writeShopper(request, reply, tokensOf(ticket));
  clearGuest(request, reply);
  return reply.redirect('/account/me', 303);
}

/** Sign in with a user name (or email) and password, as the visitor's guest, and sign out. */
export function signInRoutes(app: FastifyInstance, api: StorefrontApi): void {
  app.get<{ Querystring: { reset?: string; out?: string } }>('/sign-in', FORM, async (request, reply) => {
    if (readShopper(request)) return reply.redirect('/account/me', 303);
    const guest = await guestTokens(request, reply, api);
    const notice =
      request.query.reset !== undefined
        ? 'Your password was changed. Sign in with the new one.'
        : request.query.out === 'all'
          ? 'You were signed out everywhere.'
          : undefined;
    return render(request, reply, 'sign-in', { guestId: guestId(guest), notice });
  });

  app.post<{ Body: Static<typeof SignInForm> }>(
    '/sign-in',
    { schema: { hide: true, body: SignInForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const guest = await guestTokens(request, reply, api);
      try {
        const ticket = await api.login(
          request.pageSite!.site,
          visitorOf(request),
          request.body.username,
          request.body.password,
          guest.jwt,
        );
        return signedIn(request, reply, ticket);
      } catch (err) {
        const error = messageFor(err);
        if (!error) throw err;
        return render(request, reply.code(400), 'sign-in', {
          error,
          username: request.body.username,
          guestId: guestId(guest),
        });
      }
    },
  );
}
