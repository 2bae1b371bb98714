import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyView from '@fastify/view';
import { Liquid } from 'liquidjs';
import type { Config, SiteConfig, TenantConfig } from '../../config/load.ts';
import type { ShopperSessions } from '../../domain/accounts/shopper-sessions.ts';
import { setPageHeaders } from './security-headers.ts';
import { pageSite } from './site.ts';
import { ApiRefusal, createStorefrontApi } from './storefront-api.ts';
import { messageFor } from './messages.ts';
import { render } from './render.ts';
import { signInRoutes } from './sign-in.ts';
import { signUpRoutes } from './sign-up.ts';
import { twoFactorRoutes } from './two-factor.ts';
import { codeLoginRoutes } from './code-login.ts';
import { resetRoutes } from './reset.ts';
import { myAccountRoutes } from './my-account.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The site a shopper page serves (pages/site.ts). */
    pageSite: { tenant: TenantConfig; site: SiteConfig } | null;
  }
}

/** Templates and the stylesheet sit beside this file (the build copies them to dist/ too). */
const VIEWS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');

export interface PagesDeps {
  config: Config;
  shopperSessions: ShopperSessions;
}

/**
 * The shopper pages under /account (issue #18): sign up, sign in, the 2FA step, code login, forgot
 * and reset, my account, sign out. Server-rendered LiquidJS, no script; they call the public API
 * as a storefront back end would (storefront-api.ts), keep the shopper's tokens in an HttpOnly
 * cookie, put a CSRF token in every form and send a strict CSP. Encapsulated: its cookies, CSRF,
 * views and HTML error pages apply to these routes only. Registered only when a site has pages on.
 */
export async function pagesPlugin(app: FastifyInstance, deps: PagesDeps): Promise<void> {
  const liquid = new Liquid({ root: VIEWS, extname: '.liquid', outputEscape: 'escape', cache: true });
  await app.register(fastifyCookie);
  await app.register(fastifyCsrf, {
    cookieKey: 'sa_account_csrf',
    cookieOpts: { path: '/account', httpOnly: true, sameSite: 'strict' },
  });
  await app.register(fastifyView, { engine: { liquid }, root: VIEWS });
  app.decorateRequest('pageSite', null);
  const api = createStorefrontApi(app);

  const css = fs.readFileSync(path.join(VIEWS, 'account.css'));
  app.addHook('onRequest', async (request, reply) => {
    setPageHeaders(reply);
    request.pageSite = pageSite(deps.config, request.hostname) ?? null;
  });

  const errorPage = (request: FastifyRequest, reply: FastifyReply, status: number, message: string) =>
    render(request, reply.code(status), 'error', { status, message });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    // A refusal of the API that no form caught (a session ended meanwhile, a failing upstream).
    const said = messageFor(err);
    if (said) return errorPage(request, reply, err instanceof ApiRefusal && err.status >= 500 ? 502 : 400, said);
    if (err.code === 'FST_CSRF_MISSING_SECRET' || err.code === 'FST_CSRF_INVALID_TOKEN')
      return errorPage(request, reply, 403, 'The form has expired or did not come from this site; open it again.');
    if (err.validation) return errorPage(request, reply, 400, 'That form was not filled in as expected.');
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return errorPage(request, reply, err.statusCode, 'That request could not be handled.');
    request.log.error({ err }, 'shopper page error');
    return errorPage(request, reply, 500, 'Something went wrong; try again.');
  });
  app.setNotFoundHandler((request, reply) => errorPage(request, reply, 404, 'No such page.'));

  // A host naming a site without pages gets nothing but the 404 page.
  app.addHook('preHandler', async (request, reply) => {
    if (request.pageSite) return;
    errorPage(request, reply, 404, 'This site has no account pages.');
    return reply;
  });

  app.get('/account.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css),
  );
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/account/me', 303));
  signInRoutes(app, api);
  twoFactorRoutes(app, api);
  signUpRoutes(app, api);
  codeLoginRoutes(app, api);
  resetRoutes(app, api);
  myAccountRoutes(app, api, deps.shopperSessions);
}
