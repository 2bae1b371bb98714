import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { freshStore } from '../../helpers/db.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { createGuestsRepo, type GuestsRepo } from '../../../src/store/repos/guests.ts';
import type { Store } from '../../../src/store/db.ts';

describe('guests repo: spends of concurrent refreshes share a statement', () => {
  let store: Store;
  let drop: () => Promise<void>;
  let guests: GuestsRepo;
  before(async () => {
    ({ store, drop } = await freshStore());
    await migrateToLatest(store.db);
    guests = createGuestsRepo(store.db);
  });
  after(async () => {
    await store.close();
    await drop();
  });

  const spend = (chainId: string, tokenId = randomUUID()) => {
    const now = new Date();
    return guests.spend({ chainId, tenantId: 1, tokenId, now, endsAt: new Date(now.getTime() + 3_600_000) });
  };
  const chain = () => `g${randomUUID().replaceAll('-', '')}`;

  it('spends many chains at once, each once', async () => {
    const chains = Array.from({ length: 40 }, chain);
    assert.deepEqual(
      await Promise.all(chains.map((c) => spend(c))),
      chains.map(() => true),
    );
    for (const c of chains) assert.equal(await guests.isRevoked(c), false);
  });

  it('gives one token spent twice at once to exactly one caller, beside other chains', async () => {
    const c = chain();
    const token = randomUUID();
    const others = Array.from({ length: 10 }, chain);
    const results = await Promise.all([spend(c, token), ...others.map((o) => spend(o)), spend(c, token)]);
    assert.equal([results[0], results[results.length - 1]].filter(Boolean).length, 1);
    assert.deepEqual(
      results.slice(1, -1),
      others.map(() => true),
    );
    assert.equal(await guests.wasSpent(c, token), true);
    assert.equal(await spend(c, token), false, 'spent already');
  });

  it('spends nothing on a revoked chain, whatever else is in the batch', async () => {
    const c = chain();
    const now = new Date();
    await guests.revoke({ chainId: c, tenantId: 1, reason: 'test', at: now, endsAt: new Date(now.getTime() + 60_000) });
    const token = randomUUID();
    const [revoked, fresh] = await Promise.all([spend(c, token), spend(chain())]);
    assert.equal(revoked, false);
    assert.equal(fresh, true);
    assert.equal(await guests.wasSpent(c, token), false);
  });
});
