import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { freshStore } from '../../helpers/db.ts';
import { TestClock } from '../../helpers/clock.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { openKeyRing } from '../../../src/domain/tokens/keys.ts';
import { createJwtService } from '../../../src/domain/tokens/jwt.ts';
import { createKeysRepo } from '../../../src/store/repos/keys.ts';
import type { Store } from '../../../src/store/db.ts';
import { KiboError } from '../../../src/domain/errors.ts';
import { createSigner } from '../../../src/runtime/signer.ts';

describe('JWT service: ES256 tokens, verified once and then remembered', () => {
  let store: Store;
  let drop: () => Promise<void>;
  const { es256, close: closeSigner } = createSigner();
  before(async () => {
    ({ store, drop } = await freshStore());
    await migrateToLatest(store.db);
  });
  after(async () => {
    await closeSigner();
    await store.close();
    await drop();
  });

  const claims = { typ: 'app' as const, sub: 'storefront', tenant: 1, behaviors: ['customer:manage-accounts'] };
  const code = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof KiboError);
      return err.code;
    }
    return 'OK';
  };

  it('signs tokens that jose verifies against the published JWKS', async () => {
    const clock = new TestClock();
    const keys = await openKeyRing(createKeysRepo(store.db), clock);
    const jwt = createJwtService({ keys, clock, issuer: 'test-issuer', es256 });
    const token = await jwt.sign(claims, new Date(clock.now().getTime() + 60_000));
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(keys.jwks()), {
      issuer: 'test-issuer',
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(protectedHeader.kid, keys.signer().kid);
    assert.deepEqual(
      { typ: payload.typ, sub: payload.sub, tenant: payload.tenant, behaviors: payload.behaviors },
      claims,
    );
    assert.equal(typeof payload.iat, 'number');
  });

  it('still says TOKEN_EXPIRED for a remembered token once its time is up', async () => {
    const clock = new TestClock();
    const jwt = createJwtService({
      keys: await openKeyRing(createKeysRepo(store.db), clock),
      clock,
      issuer: 'i',
      es256,
    });
    const token = await jwt.sign(claims, new Date(clock.now().getTime() + 60_000));
    assert.equal((await jwt.verify(token)).sub, 'storefront');
    assert.equal((await jwt.verify(token)).sub, 'storefront', 'second use (remembered)');
    clock.advance(61_000);
    assert.equal(await code(jwt.verify(token)), 'TOKEN_EXPIRED');
  });

  it('never accepts a token whose signature or payload was changed, even after the original was verified', async () => {
    const clock = new TestClock();
    const jwt = createJwtService({
      keys: await openKeyRing(createKeysRepo(store.db), clock),
      clock,
      issuer: 'i',
      es256,
    });
    const token = await jwt.sign(claims, new Date(clock.now().getTime() + 60_000));
    await jwt.verify(token);
    const [h, p, s] = token.split('.');
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.at(-2) === 'A' ? 'B' : 'A'}${s.at(-1)}`;
    assert.equal(await code(jwt.verify(flipped)), 'UNAUTHORIZED');
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(p, 'base64url').toString()),
        behaviors: ['customer-auth:impersonate-cart'],
      }),
    ).toString('base64url');
    assert.equal(await code(jwt.verify(`${h}.${forged}.${s}`)), 'UNAUTHORIZED');
  });

  it('hands out claims that callers cannot change for the next caller', async () => {
    const clock = new TestClock();
    const jwt = createJwtService({
      keys: await openKeyRing(createKeysRepo(store.db), clock),
      clock,
      issuer: 'i',
      es256,
    });
    const token = await jwt.sign(claims, new Date(clock.now().getTime() + 60_000));
    const first = await jwt.verify(token);
    assert.ok(first.typ === 'app');
    assert.throws(() => {
      (first.behaviors as string[]).push('x');
    });
    const again = await jwt.verify(token);
    assert.ok(again.typ === 'app');
    assert.deepEqual(again.behaviors, claims.behaviors);
  });
});
