import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { freshStore } from '../../helpers/db.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { createSessionsRepo, type NewSession, type TokenPair } from '../../../src/store/repos/sessions.ts';
import type { Store } from '../../../src/store/db.ts';

const scope = { tenantId: 1, customerSet: 'default' };

function newChain(overrides: Partial<NewSession> = {}): [NewSession, TokenPair] {
  const now = new Date();
  const later = new Date(now.getTime() + 3_600_000);
  return [
    {
      id: randomUUID(), tenant_id: 1, site_id: 1, customer_set: 'default', account_id: null, user_id: randomUUID(), anonymous: true,
      client_id: 'storefront', impersonated_by: null, cart_id: null, previous_anonymous_id: null,
      access_minutes: 60, refresh_minutes: 600, created_at: now, ...overrides,
    },
    { accessHash: `a-${randomUUID()}`, accessExpiresAt: later, refreshHash: `r-${randomUUID()}`, refreshExpiresAt: later },
  ];
}

describe('sessions repository: batched ticket writes and reads (PGlite or PostgreSQL)', () => {
  let store: Store;
  let drop: () => Promise<void>;
  let repo: ReturnType<typeof createSessionsRepo>;
  before(async () => {
    ({ store, drop } = await freshStore());
    await migrateToLatest(store.db);
    repo = createSessionsRepo(store.db);
  });
  after(async () => {
    await store.close();
    await drop();
  });

  it('creates many chains at once, each findable by id and by access token', async () => {
    const chains = Array.from({ length: 30 }, () => newChain());
    await Promise.all(chains.map(([s, t]) => repo.create(s, t)));
    const found = await Promise.all(chains.map(([s]) => repo.find(s.id)));
    assert.deepEqual(found.map((f) => f?.id), chains.map(([s]) => s.id));
    const byAccess = await Promise.all(chains.map(([, t]) => repo.findByAccessHash(t.accessHash)));
    assert.deepEqual(byAccess.map((f) => f?.id), chains.map(([s]) => s.id));
    assert.ok(byAccess.every((f) => f?.access_expires_at instanceof Date));
  });

  it('fails only the bad chain of a batch (a duplicate id) and keeps the others', async () => {
    const [taken, takenTokens] = newChain();
    await repo.create(taken, takenTokens);
    const good = [newChain(), newChain()];
    const [dupSession, dupTokens] = newChain({ id: taken.id });
    const results = await Promise.allSettled([repo.create(...good[0]), repo.create(dupSession, dupTokens), repo.create(...good[1])]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.ok(await repo.find(good[0][0].id));
    assert.ok(await repo.find(good[1][0].id));
    assert.equal(await repo.findByAccessHash(dupTokens.accessHash), undefined, 'nothing of the failed chain was written');
  });

  it('hands a refresh token to exactly one of concurrent callers in one batch', async () => {
    const [s, t] = newChain();
    await repo.create(s, t);
    const now = new Date();
    const winners = (await Promise.all(Array.from({ length: 5 }, () => repo.consumeRefresh(t.refreshHash, scope, now)))).filter(Boolean);
    assert.equal(winners.length, 1);
    assert.equal(winners[0]!.id, s.id);
    assert.equal(await repo.consumeRefresh(t.refreshHash, scope, now), undefined, 'spent');
    assert.ok((await repo.findRefresh(t.refreshHash))?.consumedAt);
  });

  it('gives the chain only to a caller whose scope fits, when one batch holds the token twice', async () => {
    const [s, t] = newChain();
    await repo.create(s, t);
    const now = new Date();
    // the misfit comes first in the batch: it must not be handed the chain the fitting caller spent
    const [misfit, fitting] = await Promise.all([
      repo.consumeRefresh(t.refreshHash, { ...scope, accountId: 42 }, now),
      repo.consumeRefresh(t.refreshHash, scope, now),
    ]);
    assert.equal(misfit, undefined);
    assert.equal(fitting?.id, s.id);
  });

  it('leaves the token unspent when the scope, the account or the chain does not fit', async () => {
    const [s, t] = newChain();
    await repo.create(s, t);
    const now = new Date();
    assert.equal(await repo.consumeRefresh(t.refreshHash, { tenantId: 2, customerSet: 'default' }, now), undefined);
    assert.equal(await repo.consumeRefresh(t.refreshHash, { tenantId: 1, customerSet: 'other' }, now), undefined);
    assert.equal(await repo.consumeRefresh(t.refreshHash, { ...scope, accountId: 42 }, now), undefined);
    assert.equal(await repo.consumeRefresh(t.refreshHash, scope, new Date(now.getTime() + 2 * 3_600_000)), undefined, 'expired');
    assert.equal((await repo.findRefresh(t.refreshHash))?.consumedAt, null);
    await repo.revoke(s.id, 'test', now);
    assert.equal(await repo.consumeRefresh(t.refreshHash, scope, now), undefined, 'revoked chain');
    assert.equal((await repo.findRefresh(t.refreshHash))?.consumedAt, null);
  });

  it('adds token pairs to existing chains in one batch', async () => {
    const chains = Array.from({ length: 4 }, () => newChain());
    await Promise.all(chains.map(([s, t]) => repo.create(s, t)));
    const fresh = chains.map(() => newChain()[1]);
    await Promise.all(chains.map(([s], i) => repo.addTokens(s.id, fresh[i], new Date())));
    const found = await Promise.all(fresh.map((t) => repo.findByAccessHash(t.accessHash)));
    assert.deepEqual(found.map((f) => f?.id), chains.map(([s]) => s.id));
  });
});
