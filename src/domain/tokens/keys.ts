import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Clock } from '../clock.ts';
import type { KeysRepo, StoredKey } from '../../store/repos/keys.ts';

const ALG = 'ES256';

interface LoadedKey {
  kid: string;
  /** The private key, for node:crypto's one-shot sign (see tokens/jwt.ts). */
  signingKey: KeyObject;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export interface KeyRing {
  /** The newest active key: the one that signs. */
  signer(): LoadedKey;
  /** The public key for `kid`, reloading from the store once if it is not known yet (rotation). */
  publicKey(kid: string): Promise<CryptoKey | undefined>;
  jwks(): { keys: JWK[] };
  /** Adds a new key that signs from now on; older keys stay published until retired. */
  rotate(): Promise<string>;
}

async function makeKey(clock: Clock): Promise<StoredKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = randomUUID();
  return {
    kid,
    alg: ALG,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALG },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' },
    createdAt: clock.now(),
  };
}

/** Loads (making on first start) the service's signing keys. */
export async function openKeyRing(repo: KeysRepo, clock: Clock): Promise<KeyRing> {
  await repo.ensureOne(() => makeKey(clock));
  let keys: LoadedKey[] = [];
  let lastReload = 0;

  async function reload(): Promise<void> {
    const stored = await repo.listActive();
    keys = await Promise.all(
      stored.map(async (s) => ({
        kid: s.kid,
        signingKey: createPrivateKey({ key: s.privateJwk as JWK & { kty: string }, format: 'jwk' }),
        publicKey: (await importJWK(s.publicJwk as JWK, s.alg)) as CryptoKey,
        publicJwk: s.publicJwk as JWK,
      })),
    );
    lastReload = Date.now();
  }
  await reload();

  return {
    signer: () => keys[keys.length - 1],
    async publicKey(kid) {
      let k = keys.find((x) => x.kid === kid);
      // An unknown kid may be a key another instance just made; look again, at most once a second.
      if (!k && Date.now() - lastReload > 1000) {
        await reload();
        k = keys.find((x) => x.kid === kid);
      }
      return k?.publicKey;
    },
    jwks: () => ({ keys: keys.map((k) => k.publicJwk) }),
    async rotate() {
      const k = await makeKey(clock);
      await repo.insert(k);
      await reload();
      return k.kid;
    },
  };
}
