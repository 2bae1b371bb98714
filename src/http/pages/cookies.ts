import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WireTicket } from './storefront-api.ts';

/** The pages' cookies (docs/configuration.md, `sites[].pages`): none holds a password or a code; all are HttpOnly. */
const SHOPPER = 'sa_shopper';
const GUEST = 'sa_guest';
const CHALLENGE = 'sa_2fa';

/** A signed-in shopper's tokens: the JWT for the API, the refresh token, when the JWT ends, the linked guest id. */
export interface ShopperTokens {
  jwt: string;
  refresh: string;
  /** ms since the epoch */
  expires: number;
  /** the guest id this sign-in was linked from (the JWT's prevAnonymousId) */
  linkedGuest?: string;
}

/** A pending 2FA sign-in: the challenge token the password step answered. */
export interface Challenge {
  token: string;
  userId: string;
}

const isHttps = (request: FastifyRequest): boolean => request.protocol === 'https';

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A cookie's value as written by `encode`, or undefined for anything else (the browser's cookie is input). */
function decode<T>(raw: string | undefined, check: (v: Record<string, unknown>) => boolean): T | undefined {
  if (!raw || raw.length > 4096) return undefined;
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' && check(v as Record<string, unknown>) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}

/** The guest id a shopper JWT says it was linked from; only displayed (the API verifies the JWT itself). */
export function prevAnonymousId(jwt: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      prevAnonymousId?: unknown;
    };
    return typeof claims.prevAnonymousId === 'string' ? claims.prevAnonymousId : undefined;
  } catch {
    return undefined;
  }
}

export function tokensOf(t: WireTicket): ShopperTokens {
  const linked = t.jwtAccessToken ? prevAnonymousId(t.jwtAccessToken) : undefined;
  return {
    jwt: t.jwtAccessToken ?? '',
    refresh: t.refreshToken ?? '',
    expires: Date.parse(t.accessTokenExpiration),
    ...(linked ? { linkedGuest: linked } : {}),
  };
}

const str = (v: unknown) => typeof v === 'string' && v.length > 0;
const validTokens = (v: Record<string, unknown>) => str(v.jwt) && str(v.refresh) && typeof v.expires === 'number';

/**
 * SameSite=Strict for the shopper and the 2FA step: no other site can make a request that carries
 * them. The guest cookie is Lax, so that a shopper arriving from a link keeps their guest id
 * (it unlocks nothing: linking needs the shopper's password too). Secure behind https.
 */
function options(request: FastifyRequest, sameSite: 'strict' | 'lax', maxAge?: number) {
  return {
    path: '/account',
    httpOnly: true,
    sameSite,
    secure: isHttps(request),
    ...(maxAge ? { maxAge } : {}),
  } as const;
}

export const readShopper = (request: FastifyRequest) => decode<ShopperTokens>(request.cookies[SHOPPER], validTokens);
export const readGuest = (request: FastifyRequest) => decode<ShopperTokens>(request.cookies[GUEST], validTokens);
export const readChallenge = (request: FastifyRequest) =>
  decode<Challenge>(request.cookies[CHALLENGE], (v) => str(v.token) && str(v.userId));

/** No Max-Age: the tokens end with the browser session or their refresh token, whichever is first. */
export function writeShopper(request: FastifyRequest, reply: FastifyReply, tokens: ShopperTokens): void {
  reply.setCookie(SHOPPER, encode(tokens), options(request, 'strict'));
}
export function writeGuest(request: FastifyRequest, reply: FastifyReply, tokens: ShopperTokens): void {
  reply.setCookie(GUEST, encode(tokens), options(request, 'lax', 30 * 24 * 3600));
}
/** A 2FA step lasts as long as its code: ten minutes at most. */
export function writeChallenge(request: FastifyRequest, reply: FastifyReply, c: Challenge): void {
  reply.setCookie(CHALLENGE, encode(c), options(request, 'strict', 600));
}

export function clearShopper(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SHOPPER, options(request, 'strict'));
}
export function clearGuest(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(GUEST, options(request, 'lax'));
}
export function clearChallenge(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(CHALLENGE, options(request, 'strict'));
}
