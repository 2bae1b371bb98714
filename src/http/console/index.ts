import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyView from '@fastify/view';
import { Liquid } from 'liquidjs';
import type { Config } from '../../config/load.ts';
import type { ConsoleLogin } from '../../domain/operators/console-login.ts';
import type { SupportDesk } from '../../domain/operators/support.ts';
import { KiboError } from '../../domain/errors.ts';
import { HIDDEN } from './hidden.ts';
import { setConsoleHeaders } from './security-headers.ts';
import { isHttps, sessionToken } from './session-cookie.ts';
import { loginRoutes } from './login.ts';
import { accountRoutes } from './accounts.ts';
import type { ConsoleAdmin } from '../../domain/admin/console-admin.ts';
import type { MetricsHistory } from '../../domain/admin/metrics-history.ts';
import { requireAdmin } from './admin-access.ts';
import { adminAppRoutes } from './admin-apps.ts';
import { adminKeyRoutes } from './admin-keys.ts';
import { adminOperatorRoutes } from './admin-operators.ts';
import { dashboardRoutes } from './dashboard.ts';
import { accountActionRoutes } from './account-actions.ts';

/** Templates and the stylesheet sit beside this file (the build copies them to dist/ too). */
const VIEWS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');
/** Pages anyone may open: the sign-in steps and the stylesheet. */
const PUBLIC = new Set(['/console/login', '/console/login/totp', '/console/console.css']);

export interface ConsoleDeps {
  config: Config;
  consoleLogin: ConsoleLogin;
  support: SupportDesk;
  admin: ConsoleAdmin;
  metricsHistory: MetricsHistory;
}

/**
 * The support console under /console (issue #18): server-rendered LiquidJS pages, no script; a
 * session cookie, a CSRF token in every form (double submit: a secret cookie and a token derived
 * from it), a strict CSP on every answer. Failures are HTML pages here; /api keeps its Kibo JSON.
 * Registered with `prefix: '/console'` and encapsulated: its cookie, CSRF and view plugins and its
 * error handler apply to these routes only.
 */
export async function consolePlugin(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const liquid = new Liquid({ root: VIEWS, extname: '.liquid', outputEscape: 'escape', cache: true });
  await app.register(fastifyCookie);
  await app.register(fastifyCsrf, {
    cookieKey: 'sa_console_csrf',
    cookieOpts: { path: '/console', httpOnly: true, sameSite: 'strict' },
  });
  await app.register(fastifyView, { engine: { liquid }, root: VIEWS });
  app.decorateRequest('consoleOperator', null);

  const css = fs.readFileSync(path.join(VIEWS, 'console.css'));
  app.addHook('onRequest', async (request, reply) => {
    setConsoleHeaders(reply);
    const url = request.url.split('?')[0].replace(/\/$/, '').toLowerCase();
    request.consoleOperator = (await deps.consoleLogin.resume(sessionToken(request))) ?? null;
    if (!request.consoleOperator && !PUBLIC.has(url)) return reply.redirect('/console/login', 303);
  });

  const errorPage = (request: FastifyRequest, reply: FastifyReply, status: number, message: string) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      // The layout's sign-out form needs its token on error pages too.
      .view('error', {
        status,
        message,
        operator: request.consoleOperator,
        csrf: reply.generateCsrf({ secure: isHttps(request) }),
      });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof KiboError && err.status < 500) {
      // A rate-limited sign-in (429) says when to try again, as /api does.
      if (err.retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfter))));
      return errorPage(request, reply, err.status, err.message);
    }
    if (err.code === 'FST_CSRF_MISSING_SECRET' || err.code === 'FST_CSRF_INVALID_TOKEN')
      return errorPage(request, reply, 403, 'The form has expired or did not come from this console; open it again.');
    if (err.validation) return errorPage(request, reply, 400, 'That request is not one this console makes.');
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return errorPage(request, reply, err.statusCode, 'That request could not be handled.');
    request.log.error({ err }, 'console error');
    return errorPage(request, reply, 500, 'Something went wrong; try again.');
  });
  app.setNotFoundHandler((request, reply) => errorPage(request, reply, 404, 'No such page.'));

  app.get('/console.css', HIDDEN, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css),
  );
  loginRoutes(app, deps.consoleLogin);
  accountRoutes(app, deps);
  dashboardRoutes(app, deps.metricsHistory);
  // The admin pages: their own scope, so that its guard runs first on every one of them.
  await app.register(
    async (admin) => {
      admin.addHook('onRequest', requireAdmin);
      adminAppRoutes(admin, deps.admin);
      adminKeyRoutes(admin, deps.admin);
      adminOperatorRoutes(admin, deps.admin);
    },
    { prefix: '/admin' },
  );
  accountActionRoutes(app, deps);
}
