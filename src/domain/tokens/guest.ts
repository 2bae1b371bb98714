import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';

/**
 * Self-authenticating guest tokens: `g1.<kid>.<payload>.<mac>`, where payload is base64url binary
 * naming the chain, the guest and their scope, and mac is HMAC-SHA256 (128 bits) under a 256-bit server key
 * over `g1.<kid>.<payload>`. Nothing is stored when they are issued: a guest costs a row only when
 * they come back (refresh) or are revoked. Opaque to clients, like every other token.
 *
 * Keys rotate by period: the key of period `kid` (= floor(epoch ms / period)) MACs every token
 * minted in that period, and verifies until every token it MACed has expired (the lifecycle pass
 * deletes it after that). Keys live in server_secrets, so every instance on the database shares them.
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

/** Where guest keys are kept (the server secrets table). */
export interface GuestKeyStore {
  getOrCreate(name: string, make: () => string, at: Date): Promise<string>;
  find(name: string): Promise<string | undefined>;
}

export const GUEST_PREFIX = 'g1.';
export const GUEST_KEY_PREFIX = 'guest-token-key:';
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
  randomBytes(8).copy(b, 33);
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

/** The MAC is HMAC-SHA256 truncated to 128 bits (RFC 2104 §5 allows it; the key stays 256 bits). */
const MAC_BYTES = 16;

export function createGuestTokens(deps: {
  keys: GuestKeyStore;
  clock: Clock;
  periodMinutes: number;
  /** the longest lifetime a guest token may have: older keys can only have MACed expired tokens */
  maxTokenMinutes: number;
}) {
  const { keys, clock } = deps;
  const periodMs = deps.periodMinutes * 60_000;
  /** Whether `kid` can be the key of a live token now: any other is refused without a lookup. */
  const plausible = (kid: number) => {
    const now = clock.now().getTime();
    return kid >= Math.floor((now - deps.maxTokenMinutes * 60_000) / periodMs) && kid <= Math.floor(now / periodMs) + 1;
  };
  const cache = new Map<string, Promise<Buffer | undefined>>();
  const misses = new Map<string, number>();

  const kidAt = (ms: number) => String(Math.floor(ms / periodMs));
  const make = () => randomBytes(32).toString('base64url');

  function key(kid: string, create: boolean): Promise<Buffer | undefined> {
    const known = cache.get(kid);
    if (known) return known;
    // An unknown kid may be a key another instance just made: look again at most once a second.
    if (!create && Date.now() - (misses.get(kid) ?? 0) < 1000) return Promise.resolve(undefined);
    const name = GUEST_KEY_PREFIX + kid;
    const p = (create ? keys.getOrCreate(name, make, clock.now()) : keys.find(name)).then((v) =>
      v === undefined ? undefined : Buffer.from(v, 'base64url'),
    );
    const settled = p.then(
      (k) => {
        if (k) return k;
        cache.delete(kid);
        misses.set(kid, Date.now());
        return undefined;
      },
      (err: unknown) => {
        cache.delete(kid);
        throw err;
      },
    );
    cache.set(kid, settled);
    return settled;
  }

  const mac = (k: Buffer, signed: string) => createHmac('sha256', k).update(signed).digest().subarray(0, MAC_BYTES);

  return {
    /** Makes this period's and the next period's keys, so that no ticket ever waits on (or writes) one. */
    async prepare(): Promise<void> {
      const now = clock.now().getTime();
      await key(kidAt(now), true);
      await key(kidAt(now + periodMs), true);
      // Forget keys (and misses) of periods whose tokens have all expired (the pass deletes the keys).
      for (const kid of [...cache.keys()]) if (!plausible(Number(kid))) cache.delete(kid);
      for (const kid of [...misses.keys()]) if (!plausible(Number(kid))) misses.delete(kid);
    },

    /** A token on `t`'s chain; its expiries are `issuedAt` + the chain's lifetimes. */
    async mint(
      t: Omit<GuestToken, 'tokenId' | 'accessExpiresAt' | 'refreshExpiresAt'>,
      issuedAt: Date,
    ): Promise<string> {
      const kid = kidAt(clock.now().getTime());
      const k = await key(kid, true);
      if (!k) throw new Error('guest token key missing');
      const signed = `${GUEST_PREFIX}${kid}.${encode(t as Omit<GuestToken, 'tokenId'>, issuedAt.getTime()).toString('base64url')}`;
      return `${signed}.${mac(k, signed).toString('base64url')}`;
    },

    /** The token's contents if its MAC is good under a key we hold; undefined otherwise (expiry not checked). */
    async open(token: string): Promise<GuestToken | undefined> {
      const parts = token.split('.');
      if (parts.length !== 4 || `${parts[0]}.` !== GUEST_PREFIX || !/^\d{1,15}$/.test(parts[1])) return undefined;
      if (!plausible(Number(parts[1]))) return undefined;
      const k = await key(parts[1], false);
      if (!k) return undefined;
      const given = Buffer.from(parts[3], 'base64url');
      const want = mac(k, `${parts[0]}.${parts[1]}.${parts[2]}`);
      if (given.length !== want.length || !timingSafeEqual(given, want)) return undefined;
      return decode(Buffer.from(parts[2], 'base64url'));
    },
  };
}
export type GuestTokens = ReturnType<typeof createGuestTokens>;
