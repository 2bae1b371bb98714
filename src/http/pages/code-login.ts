import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { StorefrontApi } from './storefront-api.ts';
import { visitorOf } from './session.ts';
import { messageFor } from './messages.ts';
import { FORM, render } from './render.ts';
import { signedIn } from './sign-in.ts';

const EmailForm = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 320 }),
  _csrf: Type.Optional(Type.String()),
});
const CodeForm = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 320 }),
  code: Type.String({ minLength: 1, maxLength: 16 }),
  _csrf: Type.Optional(Type.String()),
});

/** Passwordless sign-in with a mailed one-time code, on sites whose `login.otpLogin` is on (else 404). */
export function codeLoginRoutes(app: FastifyInstance, api: StorefrontApi): void {
  const off = (request: FastifyRequest, reply: FastifyReply) => {
    if (request.pageSite!.site.login.otpLogin.enabled) return false;
    render(request, reply.code(404), 'error', { status: 404, message: 'This site has no sign-in by code.' });
    return true;
  };

  app.get('/code', FORM, async (request, reply) => {
    if (off(request, reply)) return reply;
    return render(request, reply, 'code-login');
  });

  app.post<{ Body: Static<typeof EmailForm> }>(
    '/code',
    { schema: { hide: true, body: EmailForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      if (off(request, reply)) return reply;
      const email = request.body.email.trim();
      try {
        // The API answers the same whether or not the email has an account; so does this page.
        await api.requestOtp(request.pageSite!.site, visitorOf(request), email);
        return render(request, reply, 'code-login', { email, sent: true });
      } catch (err) {
        const error = messageFor(err);
        if (!error) throw err;
        return render(request, reply.code(400), 'code-login', { error, email });
      }
    },
  );

  app.post<{ Body: Static<typeof CodeForm> }>(
    '/code/verify',
    { schema: { hide: true, body: CodeForm }, preValidation: app.csrfProtection },
    async (request, reply) => {
      if (off(request, reply)) return reply;
      const email = request.body.email.trim();
      try {
        const ticket = await api.loginOtp(request.pageSite!.site, visitorOf(request), email, request.body.code.trim());
        return signedIn(request, reply, ticket);
      } catch (err) {
        const error = messageFor(err);
        if (!error) throw err;
        return render(request, reply.code(400), 'code-login', { error, email, sent: true });
      }
    },
  );
}
