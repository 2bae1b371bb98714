import type { FastifyInstance } from 'fastify';
import { applyResponseFields, parseResponseFields } from '../fields.ts';

/** `?responseFields=` on any route trims its successful JSON answer (CONTRACT §7). */
export function registerResponseFields(app: FastifyInstance): void {
  app.addHook('preSerialization', async (request, reply, payload) => {
    if (reply.statusCode >= 300) return payload;
    const spec = (request.query as Record<string, unknown> | undefined)?.responseFields;
    const tree = parseResponseFields(typeof spec === 'string' ? spec : undefined);
    return tree ? applyResponseFields(payload, tree) : payload;
  });
}
