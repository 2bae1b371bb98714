import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ConsoleLogin } from '../../domain/operators/console-login.ts';
import { KiboError } from '../../domain/errors.ts';
import { HIDDEN } from './hidden.ts';
import { clearSessionCookie, isHttps, sessionToken, setSessionCookie } from './session-cookie.ts';

const LoginForm = Type.Object({
  email: Type.String({ maxLength: 320 }),
  password: Type.String({ maxLength: 256 }),
  _csrf: Type.Optional(Type.String()),
});
const TotpForm = Type.Object({ code: Type.String({ maxLength: 16 }), _csrf: Type.Optional(Type.String()) });

/** What a refused sign-in shows: the reason, never which part was wrong. */
function refusal(err: unknown): { status: number; message: string } {
  if (err instanceof KiboError && ['INVALID_CREDENTIALS', 'INVALID_CODE', 'ACCOUNT_LOCKED'].includes(err.code))
    return { status: err.status, message: err.message };
  throw err;
}

/** Sign-in (email and password, then a TOTP code when the operator has a secret) and sign-out. */
export function loginRoutes(app: FastifyInstance, login: ConsoleLogin): void {
  const csrf = (reply: FastifyReply, request: FastifyRequest) => reply.generateCsrf({ secure: isHttps(request) });
  const page = (request: FastifyRequest, reply: FastifyReply, view: string, data: object = {}) =>
    reply.view(view, { csrf: csrf(reply, request), ...data });

  app.get('/login', HIDDEN, async (request, reply) => page(request, reply, 'login'));

  app.post<{ Body: Static<typeof LoginForm> }>(
    '/login',
    // Per IP before anything is read (rateLimits.console), beneath it the operator lockout.
    { schema: { hide: true, body: LoginForm }, config: { limit: 'console' }, preValidation: app.csrfProtection },
    async (request, reply) => {
      try {
        const r = await login.passwordStep(request.body.email, request.body.password);
        setSessionCookie(request, reply, r.token);
        return reply.redirect(r.stage === 'totp' ? '/console/login/totp' : '/console/accounts', 303);
      } catch (err) {
        const { status, message } = refusal(err);
        return reply
          .code(status)
          .view('login', { csrf: csrf(reply, request), error: message, email: request.body.email });
      }
    },
  );

  app.get('/login/totp', HIDDEN, async (request, reply) => page(request, reply, 'totp'));

  app.post<{ Body: Static<typeof TotpForm> }>(
    '/login/totp',
    { schema: { hide: true, body: TotpForm }, config: { limit: 'console' }, preValidation: app.csrfProtection },
    async (request, reply) => {
      try {
        setSessionCookie(request, reply, await login.totpStep(sessionToken(request), request.body.code));
        return reply.redirect('/console/accounts', 303);
      } catch (err) {
        // The password step has to be done again (expired, or no such step).
        if (err instanceof KiboError && err.code === 'UNAUTHORIZED') return reply.redirect('/console/login', 303);
        const { status, message } = refusal(err);
        return reply.code(status).view('totp', { csrf: csrf(reply, request), error: message });
      }
    },
  );

  app.post('/logout', { ...HIDDEN, preValidation: app.csrfProtection }, async (request, reply) => {
    await login.logout(sessionToken(request));
    clearSessionCookie(request, reply);
    return reply.redirect('/console/login', 303);
  });
}
