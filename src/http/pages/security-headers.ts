import type { FastifyReply } from 'fastify';

/**
 * Every shopper page: no script at all, styles and images only from this service, forms only to
 * itself, never framed, nothing cached or sent on as a referrer (a reset link carries its code).
 */
export const PAGES_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function setPageHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', PAGES_CSP);
  reply.header('x-frame-options', 'DENY');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cache-control', 'no-store');
}
