import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freshStore } from '../../helpers/db.ts';
import { TestClock } from '../../helpers/clock.ts';
import type { Store } from '../../../src/store/db.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { createCodesRepo } from '../../../src/store/repos/codes.ts';
import { createSecretsRepo } from '../../../src/store/repos/secrets.ts';
import { createAccountsRepo } from '../../../src/store/repos/accounts.ts';
import { createCodeService, generateCode, type CodeService } from '../../../src/domain/codes/service.ts';
import { KiboError } from '../../../src/domain/errors.ts';
import { PENDING_LOGIN } from '../../helpers/codes.ts';

/** The scope the test accounts are made in. */
const home = { tenantId: 1, customerSet: 'default' };

describe('codes: CSPRNG, keyed hash, life, tries, single use, throttle', () => {
  let store: Store;
  let drop: () => Promise<void>;
  let clock: TestClock;
  let codes: CodeService;
  let seq = 0;
  before(async () => {
    ({ store, drop } = await freshStore());
    await migrateToLatest(store.db);
    clock = new TestClock();
    codes = createCodeService({ codes: createCodesRepo(store.db), secrets: createSecretsRepo(store.db), clock });
  });
  after(async () => {
    await store?.close();
    await drop?.();
  });

  async function account(): Promise<number> {
    seq += 1;
    const row = await createAccountsRepo(store.db).insert({
      tenantId: 1,
      customerSet: 'default',
      userId: `u${seq}${Date.now()}`,
      userName: null,
      email: `c${seq}@example.com`,
      passwordHash: null,
      profile: {},
      at: clock.now(),
      by: null,
    });
    return row.id;
  }
  const issue = async (accountId: number, purpose: '2fa' | 'otp' = 'otp') =>
    codes.issue({ ...home, accountId, purpose, pending: PENDING_LOGIN });

  it('generates six uniformly drawn digits', () => {
    const seen = new Set<string>();
    const firstDigits = new Array(10).fill(0);
    for (let i = 0; i < 5000; i++) {
      const c = generateCode();
      assert.match(c, /^\d{6}$/);
      seen.add(c);
      firstDigits[Number(c[0])] += 1;
    }
    assert.ok(seen.size > 4900, 'no obvious repetition');
    for (const n of firstDigits) assert.ok(n > 350 && n < 650, `leading digits look uniform: ${firstDigits.join(',')}`);
  });

  it('stores only a keyed hash, and the secret is made once and shared', async () => {
    const id = await account();
    const issued = await issue(id);
    const row = await store.db
      .selectFrom('verification_codes')
      .selectAll()
      .where('id', '=', issued.id)
      .executeTakeFirstOrThrow();
    assert.match(row.code_hash, /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(row).includes(issued.code));
    // a second service over the same database (another instance) reads the same secret and agrees
    const other = createCodeService({ codes: createCodesRepo(store.db), secrets: createSecretsRepo(store.db), clock });
    assert.equal(await other.keyedHash('x', 'y'), await codes.keyedHash('x', 'y'));
    const secrets = await store.db.selectFrom('server_secrets').selectAll().execute();
    assert.equal(secrets.filter((s) => s.name.startsWith('code-hmac')).length, 1);
    assert.ok(await other.check(home, id, 'otp', issued.code), 'the other instance verifies the code');
  });

  it('creates the secret race-free when instances start at once', async () => {
    const repo = createSecretsRepo(store.db);
    const values = await Promise.all(
      Array.from({ length: 5 }, (_, i) => repo.getOrCreate('race-test', () => `value-${i}`, clock.now())),
    );
    assert.equal(new Set(values).size, 1);
  });

  it('accepts the right code once', async () => {
    const id = await account();
    const issued = await issue(id);
    assert.equal(await codes.check(home, id, 'otp', '12345'), undefined, 'a malformed code is just wrong');
    const row = await codes.check(home, id, 'otp', issued.code);
    assert.ok(row?.consumed_at);
    assert.equal(await codes.check(home, id, 'otp', issued.code), undefined);
  });

  it('keeps codes of different purposes apart', async () => {
    const id = await account();
    const issued = await issue(id, '2fa');
    assert.equal(await codes.check(home, id, 'otp', issued.code), undefined);
    assert.ok(await codes.check(home, id, '2fa', issued.code));
  });

  it('kills a code after three wrong tries', async () => {
    const id = await account();
    const issued = await issue(id);
    const wrong = issued.code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) assert.equal(await codes.check(home, id, 'otp', wrong), undefined);
    assert.equal(await codes.check(home, id, 'otp', issued.code), undefined);
  });

  it('accepts the right code on the third try', async () => {
    const id = await account();
    const issued = await issue(id);
    const wrong = issued.code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 2; i++) assert.equal(await codes.check(home, id, 'otp', wrong), undefined);
    assert.ok(await codes.check(home, id, 'otp', issued.code));
  });

  it('expires a code after three minutes', async () => {
    const id = await account();
    const before = clock.now().getTime();
    const issued = await issue(id);
    const life = issued.expiresAt.getTime() - before;
    assert.ok(life >= 3 * 60_000 && life < 3 * 60_000 + 1000, `life ${life} ms`);
    clock.advanceMinutes(2.9);
    const second = await issue(id);
    clock.advanceMinutes(3);
    assert.equal(await codes.check(home, id, 'otp', second.code), undefined);
    void issued;
    assert.equal(await codes.check(home, id, 'otp', issued.code), undefined);
  });

  it('kills the old code when a new one is issued', async () => {
    const id = await account();
    const first = await issue(id);
    const second = await issue(id);
    if (first.code !== second.code) assert.equal(await codes.check(home, id, 'otp', first.code), undefined);
    assert.ok(await codes.check(home, id, 'otp', second.code));
  });

  it('consumes atomically: of parallel checks with the right code exactly one wins', async () => {
    const id = await account();
    const issued = await issue(id);
    const results = await Promise.all(Array.from({ length: 3 }, () => codes.check(home, id, 'otp', issued.code)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('compares at most three guesses even when they arrive in parallel', async () => {
    const id = await account();
    const issued = await issue(id);
    const wrong = issued.code === '000000' ? '111111' : '000000';
    await Promise.all(Array.from({ length: 8 }, () => codes.check(home, id, 'otp', wrong)));
    const row = await store.db
      .selectFrom('verification_codes')
      .select('attempts')
      .where('id', '=', issued.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.attempts, 3);
    assert.equal(await codes.check(home, id, 'otp', issued.code), undefined);
  });

  it('throttles sends per key with a Retry-After, and a released claim frees the key', async () => {
    const key = `test:${Date.now()}`;
    const claim = await codes.throttle(key);
    clock.advance(10_000);
    await assert.rejects(codes.throttle(key), (err: KiboError) => {
      assert.equal(err.code, 'TOO_MANY_REQUESTS');
      assert.equal(err.retryAfter, 20);
      return true;
    });
    clock.advance(21_000);
    const again = await codes.throttle(key);
    await codes.release(again);
    await codes.throttle(key);
    void claim;
    const parallel = await Promise.allSettled(Array.from({ length: 4 }, () => codes.throttle(`${key}:p`)));
    assert.equal(parallel.filter((r) => r.status === 'fulfilled').length, 1);
  });
});
