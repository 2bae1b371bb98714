import type { KeyObject } from 'node:crypto';
import { jwtVerify, decodeProtectedHeader, errors } from 'jose';
import { LRUCache } from 'lru-cache';
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
  /** the application that obtained the ticket (who it is; a shopper token carries no behaviors) */
  app: string;
  /** the guest id this login was linked from, so a cart service can merge carts */
  prevAnonymousId?: string;
  /** for impersonation: the app acting, and the cart */
  impersonatedBy?: string;
  cartId?: string;
}

export type TokenClaims = AppClaims | ShopperClaims;

/** Signs a JWS signing input with ES256 (P-256, SHA-256, r||s) and answers the base64url signature. */
export type Es256Signer = (input: string, key: KeyObject) => Promise<string>;

export interface JwtService {
  sign(claims: TokenClaims, expiresAt: Date): Promise<string>;
  /** @throws TOKEN_EXPIRED | UNAUTHORIZED */
  verify(token: string): Promise<TokenClaims & { exp: number }>;
}

export function createJwtService(deps: {
  keys: KeyRing;
  clock: Clock;
  issuer: string;
  /** ES256 off the event loop (src/runtime/signer.ts). */
  es256: Es256Signer;
}): JwtService {
  const { keys, clock, issuer, es256 } = deps;
  type Verified = TokenClaims & { exp: number };
  // A token verified once is the same bytes under the same signature: remember its claims briefly so
  // that a storefront sending one app token on every call pays for one ECDSA verify a minute, not
  // one per call. Expiry is still checked on every use, against the service clock.
  const verified = new LRUCache<string, Verified>({ max: 10_000, ttl: 60_000 });
  const issuerJson = JSON.stringify(issuer);
  // The protected header depends only on the key: encode it once per key, not per token.
  const headers = new Map<string, string>();
  const headerOf = (kid: string) => {
    let h = headers.get(kid);
    if (!h) headers.set(kid, (h = b64url({ alg: 'ES256', kid, typ: 'JWT' })));
    return h;
  };
  return {
    // A compact JWS (RFC 7515) with ES256 (RFC 7518 §3.4: P-256, SHA-256, the signature as r||s).
    // Signing is on every ticket's path: node:crypto's one-shot sign costs a fraction of WebCrypto's,
    // and it runs in a signing thread fed in batches, off the event loop (src/runtime/signer.ts).
    // jose still verifies every token, here and in the tests.
    async sign(claims, expiresAt) {
      // At most once a minute this waits for the key set to be read again (rotation, KEY_RELOAD_MS).
      const stale = keys.refreshIfStale();
      if (stale) await stale;
      const k = keys.signer();
      const header = headerOf(k.kid);
      // The registered claims are written in front of the caller's (never empty: `typ`), not spread
      // into a new object: this runs for every ticket (docs/performance.md, "Measured in the code").
      const registered = `{"iss":${issuerJson},"iat":${Math.floor(clock.now().getTime() / 1000)},"exp":${Math.floor(expiresAt.getTime() / 1000)},`;
      const payload = Buffer.from(registered + JSON.stringify(claims).slice(1)).toString('base64url');
      const input = `${header}.${payload}`;
      return `${input}.${await es256(input, k.signingKey)}`;
    },
    async verify(token) {
      const known = verified.get(token);
      if (known) {
        if (known.exp <= Math.floor(clock.now().getTime() / 1000)) throw new KiboError('TOKEN_EXPIRED');
        return known;
      }
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
        if (payload.typ !== 'app' && payload.typ !== 'shopper')
          throw new KiboError('UNAUTHORIZED', 'Unknown token type');
        if (typeof payload.exp !== 'number') throw new KiboError('UNAUTHORIZED', 'The token has no expiry');
        const claims = Object.freeze(payload) as unknown as Verified;
        if (claims.typ === 'app' && Array.isArray(claims.behaviors)) Object.freeze(claims.behaviors);
        verified.set(token, claims);
        return claims;
      } catch (err) {
        if (err instanceof KiboError) throw err;
        if (err instanceof errors.JWTExpired) throw new KiboError('TOKEN_EXPIRED');
        throw new KiboError('UNAUTHORIZED', 'Invalid token');
      }
    },
  };
}

const b64url = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Cheap test: does this string look like a compact JWS (three base64url parts)? */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}
