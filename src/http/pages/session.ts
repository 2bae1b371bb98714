import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiRefusal, type StorefrontApi, type Visitor } from './storefront-api.ts';
import {
  clearGuest,
  clearShopper,
  readGuest,
  readShopper,
  tokensOf,
  writeGuest,
  writeShopper,
  type ShopperTokens,
} from './cookies.ts';

/** Refresh the JWT this long before it ends, so that it does not end between here and the API. */
const EARLY_MS = 30_000;

export const visitorOf = (request: FastifyRequest): Visitor => ({
  ip: request.ip,
  ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'] } : {}),
});

/**
 * The signed-in shopper's tokens, refreshed with the refresh token when the JWT has ended (the new
 * pair goes back into the cookie); undefined when signed out or the refresh is refused (the
 * session was ended elsewhere: sign out everywhere, a password change, a lock).
 */
export async function shopperTokens(
  request: FastifyRequest,
  reply: FastifyReply,
  api: StorefrontApi,
  /** refresh even though the JWT looks current here (the API said it has expired: clocks differ) */
  force = false,
): Promise<ShopperTokens | undefined> {
  const held = readShopper(request);
  if (!held) return undefined;
  if (!force && held.expires - EARLY_MS > Date.now()) return held;
  try {
    const next = { ...tokensOf(await api.refresh(request.pageSite!.site, visitorOf(request), held.refresh)) };
    if (held.linkedGuest) next.linkedGuest = held.linkedGuest;
    writeShopper(request, reply, next);
    return next;
  } catch (err) {
    if (!(err instanceof ApiRefusal) || err.status >= 500) throw err;
    clearShopper(request, reply);
    return undefined;
  }
}

/**
 * The visitor's guest ticket (an anonymous shopper), made on their first visit to a sign-in page
 * and kept in its own cookie; signing in with it links the guest id to the account.
 */
export async function guestTokens(
  request: FastifyRequest,
  reply: FastifyReply,
  api: StorefrontApi,
): Promise<ShopperTokens> {
  const site = request.pageSite!.site;
  const held = readGuest(request);
  if (held && held.expires - EARLY_MS > Date.now()) return held;
  if (held) {
    try {
      const next = tokensOf(await api.refresh(site, visitorOf(request), held.refresh));
      writeGuest(request, reply, next);
      return next;
    } catch (err) {
      if (!(err instanceof ApiRefusal) || err.status >= 500) throw err;
      clearGuest(request, reply);
    }
  }
  const fresh = tokensOf(await api.anonymous(site, visitorOf(request)));
  writeGuest(request, reply, fresh);
  return fresh;
}

/** The guest id (the JWT's subject) to show on the sign-in page. */
export function guestId(tokens: ShopperTokens): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(tokens.jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: unknown;
    };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}
