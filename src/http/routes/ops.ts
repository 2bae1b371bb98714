import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import type { Readiness } from '../../runtime/readiness.ts';
import type { KeyRing } from '../../domain/tokens/keys.ts';
import { KiboError } from '../../domain/errors.ts';
import { errorResponses } from '../schemas/common.ts';
import { JwkSet, Ready, Status } from '../schemas/ops.ts';

/** Health, readiness, metrics and the JWKS (CONTRACT §8). */
export const opsRoutes: FastifyPluginAsyncTypebox<{ readiness: Readiness; registry: Registry; keys: KeyRing }> = async (
  app,
  { readiness, registry, keys },
) => {
  app.get(
    '/healthz',
    { schema: { tags: ['ops'], summary: 'The process is up', response: { 200: Status } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Ready while the database answers (Redis and SMTP, when configured, are reported too)',
        response: { 200: Ready, ...errorResponses },
      },
    },
    async (req) => {
      const { status, checks } = await readiness.check();
      if (status === 'down') {
        req.log.warn({ checks }, 'readiness check failed');
        throw new KiboError('SERVICE_UNAVAILABLE', 'The database is not reachable', checks);
      }
      if (status === 'degraded') req.log.warn({ checks }, 'readiness: degraded');
      return { status, checks };
    },
  );

  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics', hide: true } }, async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });

  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['ops'],
        summary: 'Public keys that verify jwtAccessToken',
        response: { 200: JwkSet },
      },
    },
    async (_req, reply) => {
      await keys.refreshIfStale();
      reply.header('cache-control', 'public, max-age=300');
      return keys.jwks() as { keys: { kty: string; kid: string; alg: string; use: string }[] };
    },
  );
};
