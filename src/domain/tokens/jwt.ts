import { SignJWT, jwtVerify, decodeProtectedHeader, errors } from 'jose';
import { KiboError } from '../errors.ts';
import type { Clock } from '../clock.ts';
import type { KeyRing } from './keys.ts';

/** Claims of an application access token. */
export interface AppClaims {
  typ: 'app';
  /** client id */
  sub: string;
  tenant: number;
  behaviors: string[];
}

/** Claims of a shopper's jwtAccessToken: ids only, never a password, code or PII. */
export interface ShopperClaims {
  typ: 'shopper';
  /** userId (the anonymous id for a guest) */
  sub: string;
  /** login chain (session) id, for revocation checks */
  sid: string;
  tenant: number;
  site: number;
  customerSet: string;
  accountId?: number;
  anonymous: boolean;
  /** the application that obtained the ticket */
  app: string;
  behaviors: string[];
  /** the guest id this login was linked from, so a cart service can merge carts */
  prevAnonymousId?: string;
  /** for impersonation: the app acting, and the cart */
  impersonatedBy?: string;
  cartId?: string;
}

export type TokenClaims = AppClaims | ShopperClaims;

export interface JwtService {
  sign(claims: TokenClaims, expiresAt: Date): Promise<string>;
  /** @throws TOKEN_EXPIRED | UNAUTHORIZED */
  verify(token: string): Promise<TokenClaims & { exp: number }>;
}

export function createJwtService(deps: { keys: KeyRing; clock: Clock; issuer: string }): JwtService {
  const { keys, clock, issuer } = deps;
  return {
    async sign(claims, expiresAt) {
      const k = keys.signer();
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: k.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setIssuedAt(Math.floor(clock.now().getTime() / 1000))
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(k.privateKey);
    },
    async verify(token) {
      let kid: string | undefined;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        throw new KiboError('UNAUTHORIZED', 'Malformed token');
      }
      const key = kid ? await keys.publicKey(kid) : undefined;
      if (!key) throw new KiboError('UNAUTHORIZED', 'Unknown token signer');
      try {
        const { payload } = await jwtVerify(token, key, { issuer, algorithms: ['ES256'], currentDate: clock.now() });
        if (payload.typ !== 'app' && payload.typ !== 'shopper') throw new KiboError('UNAUTHORIZED', 'Unknown token type');
        return payload as unknown as TokenClaims & { exp: number };
      } catch (err) {
        if (err instanceof KiboError) throw err;
        if (err instanceof errors.JWTExpired) throw new KiboError('TOKEN_EXPIRED');
        throw new KiboError('UNAUTHORIZED', 'Invalid token');
      }
    },
  };
}

/** Cheap test: does this string look like a compact JWS (three base64url parts)? */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}
