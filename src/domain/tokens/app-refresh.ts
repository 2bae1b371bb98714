import { randomInto } from './random-pool.ts';
import type { TokenKeys } from './token-keys.ts';

/**
 * Self-authenticating app refresh tokens: `a1.<kid>.<payload>.<mac>`, sealed under the rotating
 * token keys (token-keys.ts) like guest tokens. Nothing is stored when an app token is issued; a
 * refresh token is recorded only when it is spent (refresh or revoke), so that it is spent once,
 * and that record goes when the token would have expired. Opaque to clients.
 */
export interface AppRefreshToken {
  clientId: string;
  tenantId: number;
  issuedAt: Date;
  expiresAt: Date;
}

export const APP_REFRESH_PREFIX = 'a1.';
export const isAppRefreshToken = (token: string): boolean => token.startsWith(APP_REFRESH_PREFIX);

/** A nonce (16 bytes, so each token is unique), issued at (ms, 6), lifetime (minutes, 4), tenant (4), app id (length-prefixed UTF-8). */
function encode(t: { clientId: string; tenantId: number }, issuedAt: number, minutes: number): Buffer {
  const app = Buffer.from(t.clientId, 'utf8');
  if (app.length > 255) throw new Error('app refresh token: app id too long');
  const b = Buffer.alloc(31 + app.length);
  randomInto(b, 0, 16);
  b.writeUIntBE(issuedAt, 16, 6);
  b.writeUInt32BE(minutes, 22);
  b.writeUInt32BE(t.tenantId, 26);
  b[30] = app.length;
  app.copy(b, 31);
  return b;
}

function decode(b: Buffer): AppRefreshToken | undefined {
  if (b.length < 32 || b.length !== 31 + b[30]) return undefined;
  const issuedAt = b.readUIntBE(16, 6);
  return {
    clientId: b.toString('utf8', 31),
    tenantId: b.readUInt32BE(26),
    issuedAt: new Date(issuedAt),
    expiresAt: new Date(issuedAt + b.readUInt32BE(22) * 60_000),
  };
}

export function createAppRefreshTokens(deps: { keys: TokenKeys }) {
  const { keys } = deps;
  return {
    /** A refresh token for `app`, valid `minutes` from `issuedAt`. */
    mint(app: { clientId: string; tenantId: number }, issuedAt: Date, minutes: number): Promise<string> {
      return keys.seal(APP_REFRESH_PREFIX, encode(app, issuedAt.getTime(), minutes));
    },
    /** The token's contents if its MAC is good under a key we hold; undefined otherwise (expiry not checked). */
    async open(token: string): Promise<AppRefreshToken | undefined> {
      const payload = await keys.open(APP_REFRESH_PREFIX, token);
      return payload && decode(payload);
    },
  };
}
export type AppRefreshTokens = ReturnType<typeof createAppRefreshTokens>;
