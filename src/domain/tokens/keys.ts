import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { addMinutes, type Clock } from '../clock.ts';
import { KiboError } from '../errors.ts';
import type { KeysRepo, StoredKey } from '../../store/repos/keys.ts';
import type { Config } from '../../config/load.ts';
import { APP_ACCESS_MINUTES } from '../apps/tickets.ts';

const ALG = 'ES256';

/** How often every instance reads the key set again, whatever happens (the bound on picking up a new key). */
export const KEY_RELOAD_MS = 60_000;

interface LoadedKey {
  kid: string;
  /** The private key, for node:crypto's one-shot sign (see tokens/jwt.ts). */
  signingKey: KeyObject;
  publicKey: CryptoKey;
  publicJwk: JWK;
  activatesAt: number;
  retiredAt: number;
  expiresAt: number;
}

/** Rotation settings (CONFIG_FILE `keys`), and the longest life of a token a key signs. */
export interface KeyPolicy {
  /** Days between scheduled rotations; 0: none. */
  rotateDays: number;
  /** A new key is published this long before it signs. */
  publishAheadMinutes: number;
  /** The longest lifetime of any token a key signs: a retired key stays published this long. */
  maxTokenMinutes: number;
}

export const defaultKeyPolicy: KeyPolicy = { rotateDays: 90, publishAheadMinutes: 60, maxTokenMinutes: 24 * 60 };

/**
 * The policy of a configuration: its `keys` section, and the longest token a key may sign — an app
 * token (APP_ACCESS_MINUTES) or a shopper token at its tenant's maxAccessMinutes.
 */
export function keyPolicyFrom(config: Pick<Config, 'keys' | 'tenants'>): KeyPolicy {
  return {
    rotateDays: config.keys.rotateDays,
    publishAheadMinutes: config.keys.publishAheadMinutes,
    maxTokenMinutes: Math.max(APP_ACCESS_MINUTES, ...config.tenants.map((t) => t.tokens.maxAccessMinutes)),
  };
}

/** A key as the admin CLI shows it; never the private part. */
export interface KeyInfo {
  kid: string;
  alg: string;
  /** next: published, signs from activatesAt; active: signs now; retired: verifies only; expired: gone from the JWKS */
  state: 'next' | 'active' | 'retired' | 'expired';
  createdAt: string;
  activatesAt: string;
  retiredAt: string | null;
  expiresAt: string | null;
}

export interface KeyRing {
  /** The key that signs now: the newest one whose activation has come and that is not retired. */
  signer(): LoadedKey;
  /** The public key for `kid` while it is published, reloading once if it is not known yet (rotation). */
  publicKey(kid: string): Promise<CryptoKey | undefined>;
  /** Every key published now, including those not signing yet. */
  jwks(): { keys: JWK[] };
  /** Reads the key set again when the last read is older than KEY_RELOAD_MS (else does nothing). */
  refreshIfStale(): Promise<void> | undefined;
  /**
   * Adds a new key, signing `activatesInMinutes` from now (0, the default: at once — an emergency
   * rotation) while the current keys retire then; they stay published until their tokens expire.
   */
  rotate(opts?: { activatesInMinutes?: number }): Promise<string>;
  /** The key set and the rotation schedule. */
  admin: KeyAdmin;
  /** Starts the timers (reload every KEY_RELOAD_MS, scheduled rotation); answers the stop function. */
  startSchedule(): () => void;
}

async function makeKey(now: Date, activatesAt = now): Promise<StoredKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = randomUUID();
  return {
    kid,
    alg: ALG,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALG },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' },
    createdAt: now,
    activatesAt,
  };
}

/** List, rotate and retire keys: what the admin CLI and the rotation schedule do. No key is held in memory. */
export function createKeyAdmin(deps: { repo: KeysRepo; clock: Clock; policy: KeyPolicy }) {
  const { repo, clock, policy } = deps;
  const info = (k: Omit<StoredKey, 'privateJwk'>, now: Date): KeyInfo => {
    const t = now.getTime();
    const state =
      k.expiresAt && k.expiresAt.getTime() <= t
        ? 'expired'
        : k.retiredAt && k.retiredAt.getTime() <= t
          ? 'retired'
          : k.activatesAt.getTime() > t
            ? 'next'
            : 'active';
    return {
      kid: k.kid,
      alg: k.alg,
      state,
      createdAt: k.createdAt.toISOString(),
      activatesAt: k.activatesAt.toISOString(),
      retiredAt: k.retiredAt?.toISOString() ?? null,
      expiresAt: k.expiresAt?.toISOString() ?? null,
    };
  };
  const rotateWith = async (aheadMinutes: number, due?: (newest: Date | undefined) => boolean) => {
    const now = clock.now();
    // With no key signing now (a database the service has not started on yet) the new key signs at once.
    const k = await repo.rotate(
      now,
      (signerExists) => makeKey(now, signerExists ? addMinutes(now, aheadMinutes) : now),
      policy.maxTokenMinutes,
      due,
    );
    return k && info(k, now);
  };
  return {
    async list(): Promise<KeyInfo[]> {
      const now = clock.now();
      return (await repo.listAll()).map((k) => info(k, now));
    },
    /** A new key, signing after `publishAheadMinutes` (default: the policy's; 0: at once). */
    async rotate(opts: { publishAheadMinutes?: number } = {}): Promise<KeyInfo> {
      return (await rotateWith(opts.publishAheadMinutes ?? policy.publishAheadMinutes))!;
    },
    /**
     * Stops a key signing now; it stays published until its tokens expire, or leaves the JWKS at
     * once with `dropNow` (a leaked key: its tokens stop verifying).
     * @throws ITEM_NOT_FOUND | VALIDATION_CONFLICT (no other key would sign)
     */
    async retire(kid: string, opts: { dropNow?: boolean } = {}): Promise<KeyInfo> {
      const now = clock.now();
      const until = opts.dropNow ? now : addMinutes(now, policy.maxTokenMinutes);
      const r = await repo.retire(kid, now, until);
      if (r === 'unknown') throw new KiboError('ITEM_NOT_FOUND', `No published key ${kid}`);
      if (r === 'last')
        throw new KiboError(
          'VALIDATION_CONFLICT',
          `Key ${kid} is the only key that signs; rotate first (keys rotate --now)`,
        );
      const found = (await repo.listAll()).find((k) => k.kid === kid)!;
      return info(found, now);
    },
    /** The scheduled rotation: a new key when the newest is `rotateDays` old; one instance at a time. */
    async rotateIfDue(): Promise<KeyInfo | undefined> {
      if (policy.rotateDays <= 0) return undefined;
      const dueBefore = clock.now().getTime() - policy.rotateDays * 86_400_000;
      return rotateWith(policy.publishAheadMinutes, (newest) => !newest || newest.getTime() <= dueBefore);
    },
  };
}
export type KeyAdmin = ReturnType<typeof createKeyAdmin>;

/** Loads (making on first start) the service's signing keys. */
export async function openKeyRing(
  repo: KeysRepo,
  clock: Clock,
  policy: KeyPolicy = defaultKeyPolicy,
): Promise<KeyRing> {
  await repo.ensureOne(() => makeKey(clock.now()), clock.now());
  const admin = createKeyAdmin({ repo, clock, policy });
  let keys: LoadedKey[] = [];
  let loadedAt = 0;
  let lastUnknownReload = 0;
  let lastFailure = 0;
  let loading: Promise<void> | undefined;

  async function load(): Promise<void> {
    const at = clock.now().getTime();
    const stored = await repo.listPublished(clock.now());
    keys = await Promise.all(
      stored.map(async (s) => ({
        kid: s.kid,
        signingKey: createPrivateKey({ key: s.privateJwk as JWK & { kty: string }, format: 'jwk' }),
        publicKey: (await importJWK(s.publicJwk as JWK, s.alg)) as CryptoKey,
        publicJwk: s.publicJwk as JWK,
        activatesAt: s.activatesAt.getTime(),
        retiredAt: s.retiredAt?.getTime() ?? Infinity,
        expiresAt: s.expiresAt?.getTime() ?? Infinity,
      })),
    );
    loadedAt = at;
  }
  /** One read at a time: callers arriving during a read share it. */
  const reload = () =>
    (loading ??= load().finally(() => {
      loading = undefined;
    }));
  await reload();
  const published = (now: number) => keys.filter((k) => k.expiresAt > now);

  const ring: KeyRing = {
    signer() {
      const now = clock.now().getTime();
      // Newest first: the latest key whose activation has come and that has not retired. Should
      // every activated key be retired (never by rotate() or retire()), the newest of them.
      let fallback: LoadedKey | undefined;
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        if (k.activatesAt > now || k.expiresAt <= now) continue;
        if (k.retiredAt > now) return k;
        fallback ??= k;
      }
      return fallback ?? keys[keys.length - 1];
    },
    async publicKey(kid) {
      await ring.refreshIfStale();
      const now = clock.now().getTime();
      let k = published(now).find((x) => x.kid === kid);
      // An unknown kid may be a key another instance just made; look again, at most once a second.
      if (!k && Date.now() - lastUnknownReload > 1000) {
        lastUnknownReload = Date.now();
        await reload();
        k = published(clock.now().getTime()).find((x) => x.kid === kid);
      }
      return k?.publicKey;
    },
    jwks: () => ({ keys: published(clock.now().getTime()).map((k) => k.publicJwk) }),
    refreshIfStale() {
      if (clock.now().getTime() - loadedAt < KEY_RELOAD_MS || Date.now() - lastFailure < 1000) return undefined;
      // A failed read (the database restarting) keeps the keys in hand; the next call a second later tries again.
      return reload().catch(() => {
        lastFailure = Date.now();
      });
    },
    async rotate(opts = {}) {
      const k = await admin.rotate({ publishAheadMinutes: opts.activatesInMinutes ?? 0 });
      await reload();
      return k.kid;
    },
    admin: {
      ...admin,
      async rotate(opts) {
        const k = await admin.rotate(opts);
        await reload();
        return k;
      },
      async retire(kid, opts) {
        const k = await admin.retire(kid, opts);
        await reload();
        return k;
      },
      async rotateIfDue() {
        const k = await admin.rotateIfDue();
        if (k) await reload();
        return k;
      },
    },
    startSchedule() {
      const onError = () => {}; // the next tick tries again; the database may be restarting
      const reloadTimer = setInterval(() => void reload().catch(onError), KEY_RELOAD_MS);
      const rotateTimer = setInterval(() => void ring.admin.rotateIfDue().catch(onError), KEY_RELOAD_MS);
      reloadTimer.unref();
      rotateTimer.unref();
      void ring.admin.rotateIfDue().catch(onError);
      return () => {
        clearInterval(reloadTimer);
        clearInterval(rotateTimer);
      };
    },
  };
  return ring;
}
