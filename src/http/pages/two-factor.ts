import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { StorefrontApi } from './storefront-api.ts';
import { clearChallenge, readChallenge } from './cookies.ts';
import { visitorOf } from './session.ts';
import { messageFor } from './messages.ts';
import { FORM, render } from './render.ts';
import { signedIn } from './sign-in.ts';

const CodeForm = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 16 }),
  _csrf: Type.Optional(Type.String()),
});
const Csrf = Type.Object({ _csrf: Type.Optional(Type.String()) });

/** The 2FA step of a sign-in: the code the API mailed when it answered a challenge; a new one on request. */
export function twoFactorRoutes(app: FastifyInstance, api: StorefrontApi): void {
  app.get('/two-factor', FORM, async (request, reply) => {
    if (!readChallenge(request)) return reply.redirect('/account/sign-in', 303);
    return render(request, reply, 'two-factor');
  });

  app.post<{ Body: Static<typeof CodeForm> }>(
    '/two-factor',
    { schema: { hide: true, body: CodeForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const challenge = readChallenge(request);
      if (!challenge) return reply.redirect('/account/sign-in', 303);
      try {
        const ticket = await api.finish2fa(
          request.pageSite!.site,
          visitorOf(request),
          challenge.token,
          request.body.code.trim(),
        );
        clearChallenge(request, reply);
        return signedIn(request, reply, ticket);
      } catch (err) {
        const error = messageFor(err);
        if (!error) throw err;
        return render(request, reply.code(400), 'two-factor', { error });
      }
    },
  );

  app.post<{ Body: Static<typeof Csrf> }>(
    '/two-factor/resend',
    { schema: { hide: true, body: Csrf }, preValidation: app.csrfProtection },
    async (request, reply) => {
      const challenge = readChallenge(request);
      if (!challenge) return reply.redirect('/account/sign-in', 303);
      try {
        await api.resend2fa(request.pageSite!.site, visitorOf(request), challenge.token);
        return render(request, reply, 'two-factor', { notice: 'A new code is on its way.' });
      } catch (err) {
        const error = messageFor(err);
        if (!error) throw err;
        return render(request, reply.code(400), 'two-factor', { error });
      }
    },
  );
}
