import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies, where an empty one means "no body": clients that always send
 * `content-type: application/json` (some SDK builds, proxies, fetch wrappers) call body-less
 * routes such as `PUT …/authtickets/refresh` with it, and Fastify's own parser refuses an empty
 * JSON body. A route that needs a body still says so, through its schema (400). Anything else is
 * parsed by Fastify's parser, with its prototype-poisoning protection as configured.
 */
export function registerJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser(
    app.initialConfig.onProtoPoisoning ?? 'error',
    app.initialConfig.onConstructorPoisoning ?? 'error',
  );
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    return parse(req, text, done);
  });
}
