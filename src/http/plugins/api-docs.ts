import type { FastifyInstance, FastifySchema } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import { errorResponseFor, errorStatusesFor } from '../schemas/error-statuses.ts';
import pkg from '../../../package.json' with { type: 'json' };

/** Every /api/commerce route needs its tenant and site (src/http/plugins/tenancy.ts). */
const TenancyHeaders = Type.Object({
  'x-vol-tenant': Type.Integer({
    minimum: 1,
    description: 'Tenant id (or use a t{tenant}-s{site}.… host name instead of both headers)',
  }),
  'x-vol-site': Type.Integer({ minimum: 1, description: 'Site id within the tenant' }),
});

type DocSchema = FastifySchema & { security?: Record<string, string[]>[]; hide?: boolean };

/**
 * The OpenAPI document (/api/docs/openapi.json) and the page that calls the API from a browser
 * (/api/docs). Added to every operation from what the route already declares, so no route file
 * repeats it: the tenant/site headers on /api/commerce routes, and the bearer credential a route's
 * `config.auth` asks for. Shared schemas are named by their `$id` (CustomerAccount, KiboError…).
 * `GET /` redirects to the page.
 */
export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: pkg.name,
        version: pkg.version,
        description:
          `${pkg.description}. Storefront calls need an application token: get one from ` +
          '`POST /api/platform/applications/authtickets/oauth` with your client_id and client_secret, then ' +
          '**Authorize** with it. Shopper routes (accounts/current…) take the `jwtAccessToken` of a shopper ticket instead.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: "An application token (access_token from the oauth route), or a shopper's jwtAccessToken",
          },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    transform: ({ schema, url, route }) => {
      const doc: DocSchema = { ...(schema as DocSchema) };
      if (doc.hide) return { schema: doc, url };
      if (url.toLowerCase().startsWith('/api/commerce/')) {
        const own = (doc.headers ?? {}) as { properties?: object; required?: string[] };
        doc.headers = {
          type: 'object',
          properties: { ...TenancyHeaders.properties, ...own.properties },
          required: [...TenancyHeaders.required, ...(own.required ?? [])],
        };
      }
      const auth = route.config?.auth ?? 'none';
      // Each error status the route can answer, named one by one with its codes; the 4xx/5xx ranges
      // every route declares stay as the catch-all a generated client falls back to.
      const response: Record<string, unknown> = { ...(doc.response as Record<string, unknown> | undefined) };
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const status of errorStatusesFor({ method: methods[0] ?? 'GET', url, auth, limit: route.config?.limit }))
        response[status] ??= errorResponseFor(status);
      doc.response = response;
      doc.security = auth === 'none' ? [] : [{ bearer: [] }];
      return { schema: doc, url };
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { persistAuthorization: true, tryItOutEnabled: true, displayRequestDuration: true },
  });
  app.get('/api/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/api/docs', 302));
}
