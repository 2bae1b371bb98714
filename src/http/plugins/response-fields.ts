import type { FastifyInstance } from 'fastify';
import { applyResponseFields, parseResponseFields } from '../fields.ts';

/**
 * `?responseFields=` on any route trims its successful JSON answer (CONTRACT §7).
 *
 * It runs on the serialized payload (onSend), not before serialization: the route's response
 * schema first drops undeclared fields (so nothing secret can slip through), and a trimmed object
 * handed to the serializer would fail the schema's `required` list and turn into a 500.
 */
export function registerResponseFields(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode < 200 || reply.statusCode >= 300 || typeof payload !== 'string' || payload === '')
      return payload;
    if (!mayNameFields(request.url)) return payload;
    const tree = parseResponseFields(rawQueryParam(request.url, 'responseFields'));
    if (!tree) return payload;
    const type = String(reply.getHeader('content-type') ?? '');
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) return payload;
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      return payload;
    }
    return JSON.stringify(applyResponseFields(value, tree));
  });
}

/** Most requests name no fields: no query parsing for them (a `%` may hide the name). */
function mayNameFields(url: string): boolean {
  const q = url.indexOf('?');
  return q !== -1 && (url.includes('responseFields', q) || url.includes('%', q));
}

/**
 * Read from the URL itself rather than `request.query`, which a route's querystring schema may
 * have stripped (removeAdditional) or coerced.
 */
function rawQueryParam(url: string, name: string): string | undefined {
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  try {
    return new URLSearchParams(url.slice(q + 1)).get(name) ?? undefined;
  } catch {
    return undefined;
  }
}
