import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';

/**
 * The rotating 256-bit keys that MAC the self-authenticating tokens (guest tokens, app refresh
 * tokens): the key of period `kid` (= floor(epoch ms / period)) MACs every token minted in that
 * period, and verifies until every token it MACed has expired (the lifecycle pass deletes it after
 * that). Keys live in server_secrets, so every instance on the database shares them. Each kind of
 * token MACs its own prefix (`g1.`, `a1.`) with the payload, so one kind never opens as another.
 */
export interface TokenKeyStore {
  getOrCreate(name: string, make: () => string, at: Date): Promise<string>;
  find(name: string): Promise<string | undefined>;
}

/** The keys' names in server_secrets (named for the first kind of token that used them). */
export const TOKEN_KEY_PREFIX = 'guest-token-key:';

/** The MAC is HMAC-SHA256 truncated to 128 bits (RFC 2104 §5 allows it; the key stays 256 bits). */
const MAC_BYTES = 16;

export function createTokenKeys(deps: {
  store: TokenKeyStore;
  clock: Clock;
  periodMinutes: number;
  /** the longest lifetime a token MACed by these keys may have: older keys can only have MACed expired tokens */
  maxTokenMinutes: number;
}) {
  const { store, clock } = deps;
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
    const name = TOKEN_KEY_PREFIX + kid;
    const p = (create ? store.getOrCreate(name, make, clock.now()) : store.find(name)).then((v) =>
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

    /** `<prefix><kid>.<payload>.<mac>` under this period's key. */
    async seal(prefix: string, payload: Buffer): Promise<string> {
      const kid = kidAt(clock.now().getTime());
      const k = await key(kid, true);
      if (!k) throw new Error('token key missing');
      const signed = `${prefix}${kid}.${payload.toString('base64url')}`;
      return `${signed}.${mac(k, signed).toString('base64url')}`;
    },

    /** The payload of a token `seal` made with `prefix`, if its MAC is good under a key we hold. */
    async open(prefix: string, token: string): Promise<Buffer | undefined> {
      const parts = token.split('.');
      if (parts.length !== 4 || `${parts[0]}.` !== prefix || !/^\d{1,15}$/.test(parts[1])) return undefined;
      if (!plausible(Number(parts[1]))) return undefined;
      const k = await key(parts[1], false);
      if (!k) return undefined;
      const given = Buffer.from(parts[3], 'base64url');
      const want = mac(k, `${parts[0]}.${parts[1]}.${parts[2]}`);
      if (given.length !== want.length || !timingSafeEqual(given, want)) return undefined;
      return Buffer.from(parts[2], 'base64url');
    },
  };
}
export type TokenKeys = ReturnType<typeof createTokenKeys>;
