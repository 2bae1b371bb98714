import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { StorefrontApi } from './storefront-api.ts';
import { visitorOf } from './session.ts';
import { messageFor } from './messages.ts';
import { FORM, render } from './render.ts';

const ForgotForm = Type.Object({
  emailAddress: Type.String({ minLength: 1, maxLength: 320 }),
  _csrf: Type.Optional(Type.String()),
});
const ResetQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 200 })),
  userName: Type.Optional(Type.String({ maxLength: 320 })),
});
const ResetForm = Type.Object({
  userName: Type.String({ minLength: 1, maxLength: 320 }),
  code: Type.String({ minLength: 1, maxLength: 200 }),
  newPassword: Type.String({ minLength: 1, maxLength: 1024 }),
  _csrf: Type.Optional(Type.String()),
});

/**
 * Forgot password (Reset-Password mails a code, and a link here when the site has a reset URL) and
 * the reset page: opened from the mail's link, it shows the code and user name from the link in
 * the form; posting it calls Update-Forgotten-Password.
 */
export function resetRoutes(app: FastifyInstance, api: StorefrontApi): void {
  app.get('/forgot', FORM, async (request, reply) => render(request, reply, 'forgot'));

  app.post<{ Body: Static<typeof ForgotForm> }>(
    '/forgot',
    { schema: { hide: true, body: ForgotForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      try {
        await api.requestReset(request.pageSite!.site, visitorOf(request), request.body.emailAddress.trim());
      } catch (err) {
        // Only a refusal of the request itself (too many) is shown; the answer never says whether the account exists.
        const error = messageFor(err);
        if (!error) throw err;
        return render(request, reply.code(400), 'forgot', { error, emailAddress: request.body.emailAddress });
      }
      return render(request, reply, 'forgot', { sent: true });
    },
  );

  app.get<{ Querystring: Static<typeof ResetQuery> }>(
    '/reset',
    { schema: { hide: true, querystring: ResetQuery } },
    async (request, reply) =>
      render(request, reply, 'reset', { code: request.query.code ?? '', userName: request.query.userName ?? '' }),
  );

  app.post<{ Body: Static<typeof ResetForm> }>(
    '/reset',
    { schema: { hide: true, body: ResetForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const { userName, code, newPassword } = request.body;
      try {
        await api.completeReset(request.pageSite!.site, visitorOf(request), userName.trim(), code.trim(), newPassword);
        return reply.redirect('/account/sign-in?reset', 303);
      } catch (err) {
        const error = messageFor(err);
        if (!error) throw err;
        return render(request, reply.code(400), 'reset', { error, code, userName });
      }
    },
  );
}
