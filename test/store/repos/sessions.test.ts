import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { freshStore } from '../../helpers/db.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import {
  createSessionsRepo,
  type NewSession,
  type Successor,
  type TokenPair,
} from '../../../src/store/repos/sessions.ts';
import type { Store } from '../../../src/store/db.ts';

const scope = { tenantId: 1, customerSet: 'default', clientId: 'storefront' };

function newChain(overrides: Partial<NewSession> = {}): [NewSession, TokenPair] {
  const now = new Date();
  const later = new Date(now.getTime() + 3_600_000);
  return [
    {
      id: randomUUID(),
      tenant_id: 1,
      site_id: 1,
      customer_set: 'default',
      account_id: null,
      user_id: randomUUID(),
      anonymous: true,
      client_id: 'storefront',
      impersonated_by: null,
      cart_id: null,
      previous_anonymous_id: null,
      access_minutes: 60,
      refresh_minutes: 600,
      created_at: now,
      ...overrides,
    },
    {
      accessHash: `a-${randomUUID()}`,
      accessExpiresAt: later,
      refreshHash: `r-${randomUUID()}`,
      refreshExpiresAt: later,
    },
  ];
}

const successor = (): Successor => ({ accessHash: `a-${randomUUID()}`, refreshHash: `r-${randomUUID()}` });

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
    assert.deepEqual(
      found.map((f) => f?.id),
      chains.map(([s]) => s.id),
    );
    const byAccess = await Promise.all(chains.map(([, t]) => repo.findByAccessHash(t.accessHash)));
    assert.deepEqual(
      byAccess.map((f) => f?.id),
      chains.map(([s]) => s.id),
    );
    assert.ok(byAccess.every((f) => f?.access_expires_at instanceof Date));
  });

  it('fails only the bad chain of a batch (a duplicate id) and keeps the others', async () => {
    const [taken, takenTokens] = newChain();
    await repo.create(taken, takenTokens);
    const good = [newChain(), newChain()];
    const [dupSession, dupTokens] = newChain({ id: taken.id });
    const results = await Promise.allSettled([
      repo.create(...good[0]),
      repo.create(dupSession, dupTokens),
      repo.create(...good[1]),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.ok(await repo.find(good[0][0].id));
    assert.ok(await repo.find(good[1][0].id));
    assert.equal(
      await repo.findByAccessHash(dupTokens.accessHash),
      undefined,
      'nothing of the failed chain was written',
    );
  });

  it('hands a refresh token to exactly one of concurrent callers in one batch, storing only its successor', async () => {
    const [s, t] = newChain();
    await repo.create(s, t);
    const now = new Date();
    const next = Array.from({ length: 5 }, successor);
    const results = await Promise.all(next.map((n) => repo.rotateRefresh(t.refreshHash, scope, now, n)));
    const winners = results.flatMap((r, i) => (r ? [i] : []));
    assert.equal(winners.length, 1);
    assert.equal(results[winners[0]]!.id, s.id);
    const stored = await Promise.all(next.map((n) => repo.findRefresh(n.refreshHash)));
    assert.deepEqual(
      stored.map((x) => Boolean(x)),
      results.map((r) => Boolean(r)),
      "only the winner's successor is stored",
    );
    assert.equal(await repo.rotateRefresh(t.refreshHash, scope, now, successor()), undefined, 'spent');
    assert.ok((await repo.findRefresh(t.refreshHash))?.consumedAt);
  });

  it("stores the successor pair on the chain, expiring at now + the chain's lifetimes", async () => {
    const [s, t] = newChain({ access_minutes: 15, refresh_minutes: 90 });
    await repo.create(s, t);
    const now = new Date(Date.now() + 1234);
    const n = successor();
    assert.equal((await repo.rotateRefresh(t.refreshHash, scope, now, n))?.id, s.id);
    const access = await repo.findByAccessHash(n.accessHash);
    assert.equal(access?.id, s.id);
    assert.equal(access?.access_expires_at.getTime(), now.getTime() + 15 * 60_000);
    const refresh = await repo.findRefresh(n.refreshHash);
    assert.equal(refresh?.sessionId, s.id);
    assert.equal(refresh?.consumedAt, null);
    assert.equal(refresh?.expiresAt.getTime(), now.getTime() + 90 * 60_000);
    assert.equal(
      (await repo.rotateRefresh(n.refreshHash, scope, now, successor()))?.id,
      s.id,
      'the successor rotates in turn',
    );
  });

  it('gives the chain only to a caller whose scope fits, when one batch holds the token twice', async () => {
    const [s, t] = newChain();
    await repo.create(s, t);
    const now = new Date();
    // the misfit comes first in the batch: it must not be handed the chain the fitting caller spent
    const [misfitNext, fittingNext] = [successor(), successor()];
    const [misfit, fitting] = await Promise.all([
      repo.rotateRefresh(t.refreshHash, { ...scope, accountId: 42 }, now, misfitNext),
      repo.rotateRefresh(t.refreshHash, scope, now, fittingNext),
    ]);
    assert.equal(misfit, undefined);
    assert.equal(fitting?.id, s.id);
    assert.equal(await repo.findRefresh(misfitNext.refreshHash), undefined);
    assert.ok(await repo.findRefresh(fittingNext.refreshHash));
  });

  it('leaves the token unspent and writes nothing when the scope, the account or the chain does not fit', async () => {
    const [s, t] = newChain();
    await repo.create(s, t);
    const now = new Date();
    const tries: Successor[] = [];
    const rotate = (sc: typeof scope & { accountId?: number }, at = now) => {
      const n = successor();
      tries.push(n);
      return repo.rotateRefresh(t.refreshHash, sc, at, n);
    };
    assert.equal(await rotate({ ...scope, tenantId: 2 }), undefined);
    assert.equal(await rotate({ ...scope, customerSet: 'other' }), undefined);
    assert.equal(await rotate({ ...scope, accountId: 42 }), undefined);
    assert.equal(await rotate(scope, new Date(now.getTime() + 2 * 3_600_000)), undefined, 'expired');
    assert.equal((await repo.findRefresh(t.refreshHash))?.consumedAt, null);
    await repo.revoke(s.id, 'test', now);
    assert.equal(await rotate(scope), undefined, 'revoked chain');
    assert.equal((await repo.findRefresh(t.refreshHash))?.consumedAt, null);
    for (const n of tries) {
      assert.equal(await repo.findRefresh(n.refreshHash), undefined);
      assert.equal(await repo.findByAccessHash(n.accessHash), undefined);
    }
  });

  it('rotates many chains in one batch, each receiving its own chain and successor', async () => {
    const chains = Array.from({ length: 6 }, () => newChain());
    await Promise.all(chains.map(([s, t]) => repo.create(s, t)));
    const next = chains.map(() => successor());
    const now = new Date();
    const got = await Promise.all(chains.map(([, t], i) => repo.rotateRefresh(t.refreshHash, scope, now, next[i])));
    assert.deepEqual(
      got.map((g) => g?.id),
      chains.map(([s]) => s.id),
    );
    const found = await Promise.all(next.map((n) => repo.findByAccessHash(n.accessHash)));
    assert.deepEqual(
      found.map((f) => f?.id),
      chains.map(([s]) => s.id),
    );
  });
});
