import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'sa_console';

/** Secure when the request came over https (directly, or through a trusted proxy). */
export const isHttps = (request: FastifyRequest): boolean => request.protocol === 'https';

/**
 * The console session cookie: HttpOnly, SameSite=Strict, Secure behind https, only for /console.
 * No Max-Age: it ends with the browser; the server ends it sooner (idle and absolute timeouts).
 */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/console',
    httpOnly: true,
    sameSite: 'strict',
    secure: isHttps(request),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/console', httpOnly: true, sameSite: 'strict', secure: isHttps(request) });
}

export const sessionToken = (request: FastifyRequest): string | undefined => request.cookies[SESSION_COOKIE];
