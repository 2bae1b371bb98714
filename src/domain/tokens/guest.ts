import { randomInto } from './random-pool.ts';
import type { TokenKeys } from './token-keys.ts';

/**
 * Self-authenticating guest tokens: `g1.<kid>.<payload>.<mac>`, where payload is base64url binary
 * naming the chain, the guest and their scope, and mac is HMAC-SHA256 (128 bits) under a rotating
 * 256-bit server key (token-keys.ts) over `g1.<kid>.<payload>`. Nothing is stored when they are
 * issued: a guest costs a row only when they come back (refresh) or are revoked. Opaque to
 * clients, like every other token.
 */
export interface GuestToken {
  kind: 'access' | 'refresh';
  chainId: string;
  /** unique per token; a spent refresh token is recorded by it */
  tokenId: string;
  userId: string;
  tenantId: number;
  siteId: number;
  customerSet: string;
  clientId: string;
  accessExpiresAt: Date;
  refreshExpiresAt: Date;
  accessMinutes: number;
  refreshMinutes: number;
}

export const GUEST_PREFIX = 'g1.';
/** Guest chain ids start with `g` (a session id is a UUID, hex only): the JWT's sid tells them apart. */
export const isGuestChainId = (id: string): boolean => id.startsWith('g');
export const isGuestToken = (token: string): boolean => token.startsWith(GUEST_PREFIX);

/**
 * The payload, binary so that a token stays short (~150 characters): kind (1 byte), chain id and
 * user id (16 bytes each, their hex), a nonce (8), issued at (ms, 6), access and refresh minutes
 * (4 each), tenant and site (4 each), then the customer set and the app as length-prefixed UTF-8.
 */
function encode(t: Omit<GuestToken, 'tokenId'>, issuedAt: number): Buffer {
  const cs = Buffer.from(t.customerSet, 'utf8');
  const app = Buffer.from(t.clientId, 'utf8');
  if (cs.length > 255 || app.length > 255) throw new Error('guest token: customer set or app id too long');
  const b = Buffer.alloc(65 + cs.length + app.length);
  b[0] = t.kind === 'access' ? 1 : 2;
  b.write(t.chainId.slice(1), 1, 16, 'hex');
  b.write(t.userId, 17, 16, 'hex');
  randomInto(b, 33, 8);
  b.writeUIntBE(issuedAt, 41, 6);
  b.writeUInt32BE(t.accessMinutes, 47);
  b.writeUInt32BE(t.refreshMinutes, 51);
  b.writeUInt32BE(t.tenantId, 55);
  b.writeUInt32BE(t.siteId, 59);
  b[63] = cs.length;
  cs.copy(b, 64);
  b[64 + cs.length] = app.length;
  app.copy(b, 65 + cs.length);
  return b;
}

function decode(b: Buffer): GuestToken | undefined {
  if (b.length < 67 || (b[0] !== 1 && b[0] !== 2)) return undefined;
  const csLen = b[63];
  if (b.length < 66 + csLen) return undefined;
  const appLen = b[64 + csLen];
  if (b.length !== 65 + csLen + appLen) return undefined;
  const issuedAt = b.readUIntBE(41, 6);
  const accessMinutes = b.readUInt32BE(47);
  const refreshMinutes = b.readUInt32BE(51);
  return {
    kind: b[0] === 1 ? 'access' : 'refresh',
    chainId: `g${b.toString('hex', 1, 17)}`,
    tokenId: b.toString('base64url', 33, 41),
    userId: b.toString('hex', 17, 33),
    tenantId: b.readUInt32BE(55),
    siteId: b.readUInt32BE(59),
    customerSet: b.toString('utf8', 64, 64 + csLen),
    clientId: b.toString('utf8', 65 + csLen, 65 + csLen + appLen),
    accessExpiresAt: new Date(issuedAt + accessMinutes * 60_000),
    refreshExpiresAt: new Date(issuedAt + refreshMinutes * 60_000),
    accessMinutes,
    refreshMinutes,
  };
}

/** Guest tokens sealed under the rotating token keys (token-keys.ts). */
export function createGuestTokens(deps: { keys: TokenKeys }) {
  const { keys } = deps;
  return {
    /** A token on `t`'s chain; its expiries are `issuedAt` + the chain's lifetimes. */
    mint(t: Omit<GuestToken, 'tokenId' | 'accessExpiresAt' | 'refreshExpiresAt'>, issuedAt: Date): Promise<string> {
      return keys.seal(GUEST_PREFIX, encode(t as Omit<GuestToken, 'tokenId'>, issuedAt.getTime()));
    },

    /** The token's contents if its MAC is good under a key we hold; undefined otherwise (expiry not checked). */
    async open(token: string): Promise<GuestToken | undefined> {
      const payload = await keys.open(GUEST_PREFIX, token);
      return payload && decode(payload);
    },
  };
}
export type GuestTokens = ReturnType<typeof createGuestTokens>;
