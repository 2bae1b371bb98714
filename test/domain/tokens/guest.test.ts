import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freshStore } from '../../helpers/db.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { createSecretsRepo } from '../../../src/store/repos/secrets.ts';
import { createGuestTokens } from '../../../src/domain/tokens/guest.ts';
import { createTokenKeys, TOKEN_KEY_PREFIX } from '../../../src/domain/tokens/token-keys.ts';
import { TestClock } from '../../helpers/clock.ts';
import type { Store } from '../../../src/store/db.ts';

const PERIOD = 7 * 1440;
const MAX = 30 * 1440;

describe('guest tokens (self-authenticating, rotating key)', () => {
  let store: Store;
  let drop: () => Promise<void>;
  before(async () => {
    const f = await freshStore();
    store = f.store;
    drop = f.drop;
    await migrateToLatest(store.db);
  });
  after(async () => {
    await store?.close();
    await drop?.();
  });
  const chain = {
    chainId: `g${'ab'.repeat(16)}`,
    userId: 'cd'.repeat(16),
    tenantId: 7,
    siteId: 70,
    customerSet: 'default',
    clientId: 'storefront',
    accessMinutes: 60,
    refreshMinutes: 1440,
  };
  const make = (clock: TestClock) => {
    const keys = createTokenKeys({
      store: createSecretsRepo(store.db),
      clock,
      periodMinutes: PERIOD,
      maxTokenMinutes: MAX,
    });
    return { ...createGuestTokens({ keys }), prepare: keys.prepare };
  };

  it('round-trips every field, stays short and opaque, and each token is unique', async () => {
    const clock = new TestClock();
    const g = make(clock);
    await g.prepare();
    const now = clock.now();
    const t = await g.mint({ ...chain, kind: 'refresh' }, now);
    assert.match(t, /^g1\.\d+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    assert.ok(t.length < 200, `length ${t.length}`);
    const opened = await g.open(t);
    assert.deepEqual(
      { ...opened, tokenId: undefined },
      {
        ...chain,
        kind: 'refresh',
        tokenId: undefined,
        accessExpiresAt: new Date(now.getTime() + 60 * 60_000),
        refreshExpiresAt: new Date(now.getTime() + 1440 * 60_000),
      },
    );
    const again = await g.mint({ ...chain, kind: 'refresh' }, now);
    assert.notEqual(again, t);
    assert.notEqual((await g.open(again))?.tokenId, opened?.tokenId);
  });

  it('refuses a token whose payload, MAC or key id was changed', async () => {
    const clock = new TestClock();
    const g = make(clock);
    const t = await g.mint({ ...chain, kind: 'access' }, clock.now());
    const [p, kid, payload, mac] = t.split('.');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    assert.equal(await g.open([p, kid, flip(payload), mac].join('.')), undefined);
    assert.equal(await g.open([p, kid, payload, flip(mac)].join('.')), undefined);
    assert.equal(await g.open([p, String(Number(kid) - 1), payload, mac].join('.')), undefined);
    assert.equal(await g.open(`${t}.x`), undefined);
    assert.equal(await g.open('g1.not-a-kid.x.y'), undefined);
  });

  it('rotates: a new key each period, older tokens verify until no live token can use their key', async () => {
    const clock = new TestClock();
    const g = make(clock);
    const old = await g.mint({ ...chain, kind: 'refresh' }, clock.now());
    clock.advanceMinutes(PERIOD);
    await g.prepare();
    const fresh = await g.mint({ ...chain, kind: 'refresh' }, clock.now());
    assert.notEqual(old.split('.')[1], fresh.split('.')[1]);
    assert.ok(await g.open(old));
    // another instance (a new ring over the same database) knows both keys
    assert.ok(await make(clock).open(old));
    const names = await store.db
      .selectFrom('server_secrets')
      .select('name')
      .where('name', 'like', `${TOKEN_KEY_PREFIX}%`)
      .execute();
    assert.ok(names.length >= 3, 'the current, the previous and the next period have keys');
    // past the longest lifetime after its period, the old key id is not even looked up
    clock.advanceMinutes(MAX + PERIOD);
    assert.equal(await g.open(old), undefined);
  });
});
