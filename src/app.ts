import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DestinationStream } from 'pino';
import type { Services } from './services.ts';
import type { Config } from './config/load.ts';
import { kiboClientErrorHandler, kiboFrameworkErrors, registerErrorHandling } from './http/plugins/errors.ts';
import { registerInputGuard } from './http/plugins/input-guard.ts';
import { registerTenancy } from './http/plugins/tenancy.ts';
import { registerJsonBody } from './http/plugins/json-body.ts';
import { registerCredentials } from './http/plugins/credentials.ts';
import { registerMetrics } from './http/plugins/metrics.ts';
import { registerApiDocs } from './http/plugins/api-docs.ts';
import { registerResponseFields } from './http/plugins/response-fields.ts';
import { loggerOptions } from './http/plugins/logging.ts';
import { lazyChildLoggerFactory } from './http/plugins/lazy-logger.ts';
import { createSchemaCompilers } from './http/validation.ts';
import { KiboErrorSchema } from './http/schemas/common.ts';
import { CustomerAccount, CustomerAuthTicket } from './http/schemas/account.ts';
import { authTicketRoutes } from './http/routes/authtickets.ts';
import { twoFactorRoutes } from './http/routes/twofactor.ts';
import { accountRoutes } from './http/routes/accounts.ts';
import { accountSecurityRoutes } from './http/routes/account-security.ts';
import { registerRateLimits } from './http/plugins/rate-limit.ts';
import { platformRoutes } from './http/routes/platform.ts';
import { opsRoutes } from './http/routes/ops.ts';
import { contactRoutes } from './http/routes/contacts.ts';
import { attributeDefinitionRoutes, attributeRoutes } from './http/routes/attributes.ts';
import { bulkAccountRoutes } from './http/routes/accounts-bulk.ts';
import { createReadiness } from './runtime/readiness.ts';
import { consolePlugin } from './http/console/index.ts';
import { pagesPlugin } from './http/pages/index.ts';
import { anySitePages } from './http/pages/site.ts';

export interface BuildOptions {
  services: Services;
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
  /** Serve HTTPS (HTTP/2 with HTTP/1.1 fallback) with this PEM certificate chain and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

const CORRELATION = 'x-vol-correlation';
const SAFE_ID = /^[\w.:-]{1,128}$/;

function trustProxyOption(v: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof v === 'number') return (_address, hop) => hop < v;
  return typeof v === 'boolean' ? v : [...v];
}

/** How often Node looks for requests over their time: a quarter of it, between 100 ms and 5 s. */
function checkInterval(config: Config): number {
  return Math.min(5000, Math.max(100, Math.floor(config.requestTimeoutMs / 4)));
}

/** Builds the HTTP app: plugins and routes registered explicitly. Never listens (main.ts does). */
export async function buildApp({ services, logStream, tls }: BuildOptions): Promise<FastifyInstance> {
  const { config } = services;
  // HTTP/2 over TLS, with HTTP/1.1 for the clients that only speak it (the official SDK's fetch).
  // The instance is typed as the HTTP/1 one: no route touches the raw request or response.
  const transport = tls ? { http2: true as const, https: { allowHTTP1: true, cert: tls.cert, key: tls.key } } : {};
  const compilers = createSchemaCompilers();
  const app = Fastify({
    ...(transport as object),
    logger: loggerOptions(config.logLevel, logStream),
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: 64 * 1024,
    // Malformed HTTP (bad request line, oversized headers) still gets a Kibo-shaped JSON answer.
    clientErrorHandler: kiboClientErrorHandler,
    // The router's own failures (bad URL, over-long path parameter) too.
    frameworkErrors: kiboFrameworkErrors,
    // Shedding load while closing is done by registerErrorHandling, in Kibo's shape.
    return503OnClosing: false,
    // A request (headers and body) must arrive within this time, else 408 and the socket is closed:
    // without it a body sent a byte at a time holds its connection open for ever.
    requestTimeout: config.requestTimeoutMs,
    http: { requestTimeout: config.requestTimeoutMs, connectionsCheckingInterval: checkInterval(config) },
    // Off unless configured: otherwise any client could pick its own IP for the per-IP rate limits.
    trustProxy: trustProxyOption(config.trustProxy),
    // Echo the caller's correlation id when it is sane, else make one.
    genReqId: (req) => {
      const sent = req.headers[CORRELATION];
      return typeof sent === 'string' && SAFE_ID.test(sent) ? sent : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 500 },
    schemaController: { compilersFactory: compilers.compilersFactory },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(compilers.validatorCompiler);
  // Schemas compile on first use; the rest once the server answers (a restart answers sooner).
  app.addHook('onListen', () => compilers.warm());
  app.addSchema(KiboErrorSchema);
  app.addSchema(CustomerAccount);
  app.addSchema(CustomerAuthTicket);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(CORRELATION, request.id);
    done();
  });
  registerJsonBody(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  registerErrorHandling(app);
  registerInputGuard(app);
  const registry = registerMetrics(app, services.metrics.registry);
  registerTenancy(app, config);
  registerCredentials(app, { jwt: services.jwt, appTickets: services.appTickets, shoppers: services.tickets });
  registerResponseFields(app);
  // Before any route: its onRoute hook attaches the limits to the routes registered below.
  await registerRateLimits(app, config, services.metrics.telemetry.rateLimited);

  await registerApiDocs(app);

  await app.register(platformRoutes, { config, appTickets: services.appTickets });
  await app.register(authTicketRoutes, { tickets: services.tickets, clock: services.clock });
  await app.register(twoFactorRoutes, { codeLogin: services.codeLogin, clock: services.clock });
  await app.register(accountRoutes, { accounts: services.accounts, clock: services.clock });
  await app.register(accountSecurityRoutes, {
    loginStates: services.loginStates,
    passwordChange: services.passwordChange,
    passwordReset: services.passwordReset,
    auditLog: services.auditLog,
  });
  await app.register(contactRoutes, { contacts: services.contacts });
  await app.register(attributeRoutes, { attributes: services.attributes });
  await app.register(attributeDefinitionRoutes);
  await app.register(bulkAccountRoutes, { bulk: services.bulk, clock: services.clock });
  // The support console: HTML pages with their own cookies, CSRF and error pages (issue #18).
  await app.register(consolePlugin, {
    prefix: '/console',
    config,
    consoleLogin: services.consoleLogin,
    support: services.support,
    admin: services.consoleAdmin,
    metricsHistory: services.metricsHistory,
  });
  // The shopper pages (issue #18), only when a site has them on: they call the API above as a storefront would.
  if (anySitePages(config))
    await app.register(pagesPlugin, { prefix: '/account', config, shopperSessions: services.shopperSessions });
  const readiness = createReadiness({
    ping: () => services.store.ping(),
    redisUrl: config.redisUrl,
    smtpUrl: config.smtpUrl,
  });
  app.addHook('onClose', () => readiness.close());
  await app.register(opsRoutes, { readiness, registry, keys: services.keys });
  return app;
}
