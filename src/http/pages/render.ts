import type { FastifyReply, FastifyRequest } from 'fastify';
import { readShopper } from './cookies.ts';

/** Renders a page with what every page's layout needs: the site, the CSRF token, signed in or not. */
export function render(request: FastifyRequest, reply: FastifyReply, view: string, data: object = {}) {
  return reply.type('text/html; charset=utf-8').view(view, {
    siteName: request.pageSite?.site.name ?? 'Your account',
    otpLogin: request.pageSite?.site.login.otpLogin.enabled ?? false,
    signedIn: readShopper(request) !== undefined,
    csrf: reply.generateCsrf({ secure: request.protocol === 'https' }),
    ...data,
  });
}

/** A page route's options: pages are not API operations, so they stay out of the OpenAPI document. */
export const FORM = { schema: { hide: true } } as const;
