import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { freshStore } from '../../helpers/db.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { createSessionsRepo, type NewSession, type Successor } from '../../../src/store/repos/sessions.ts';
import type { Store } from '../../../src/store/db.ts';

const MINUTE = 60_000;
const scope = { tenantId: 1, customerSet: 'default', clientId: 'admin' };
const successor = (): Successor => ({ accessHash: `a-${randomUUID()}`, refreshHash: `r-${randomUUID()}` });

/**
 * The refresh spend's two bounds: the chain's app, and the chain's absolute end.
 * @see issue #13, points 3 and 4
 */
describe('sessions repository: a refresh is bounded by the chain’s app and end (PGlite or PostgreSQL)', () => {
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

  /** An impersonation-like chain made at `madeAt`: 15 min access, 60 min refresh, ending at `endsAt`. */
  async function chain(madeAt: Date, endsAt: Date | null) {
    const s: NewSession = {
      id: randomUUID(),
      tenant_id: 1,
      site_id: 1,
      customer_set: 'default',
      account_id: null,
      user_id: randomUUID(),
      anonymous: true,
      client_id: 'admin',
      impersonated_by: 'admin',
      cart_id: 'cart',
      previous_anonymous_id: null,
      access_minutes: 15,
      refresh_minutes: 60,
      ends_at: endsAt,
      created_at: madeAt,
    };
    const refreshHash = `r-${randomUUID()}`;
    await repo.create(s, {
      accessHash: `a-${randomUUID()}`,
      accessExpiresAt: new Date(madeAt.getTime() + 15 * MINUTE),
      refreshHash,
      refreshExpiresAt: new Date(madeAt.getTime() + 60 * MINUTE),
    });
    return { s, refreshHash };
  }

  it('spends a token only for the app its chain was issued to, leaving it unspent otherwise', async () => {
    const now = new Date();
    const { s, refreshHash } = await chain(now, null);
    const misfit = successor();
    assert.equal(await repo.rotateRefresh(refreshHash, { ...scope, clientId: 'storefront' }, now, misfit), undefined);
    assert.equal((await repo.findRefresh(refreshHash))?.consumedAt, null);
    assert.equal(await repo.findRefresh(misfit.refreshHash), undefined);
    assert.equal(await repo.findByAccessHash(misfit.accessHash), undefined);
    // in one batch with the owner's call, only the owner's successor is stored
    const [other, own] = [successor(), successor()];
    const [a, b] = await Promise.all([
      repo.rotateRefresh(refreshHash, { ...scope, clientId: 'storefront' }, now, other),
      repo.rotateRefresh(refreshHash, scope, now, own),
    ]);
    assert.equal(a, undefined);
    assert.equal(b?.id, s.id);
    assert.equal(await repo.findRefresh(other.refreshHash), undefined);
    assert.ok(await repo.findRefresh(own.refreshHash));
  });

  it("caps every successor's expiry at the chain's end and refuses to spend once it has passed", async () => {
    const madeAt = new Date();
    const endsAt = new Date(madeAt.getTime() + 60 * MINUTE);
    const { s, refreshHash } = await chain(madeAt, endsAt);
    assert.equal((await repo.find(s.id))?.ends_at?.getTime(), endsAt.getTime());
    const at50 = new Date(madeAt.getTime() + 50 * MINUTE);
    const n = successor();
    const got = await repo.rotateRefresh(refreshHash, scope, at50, n);
    assert.equal(got?.ends_at?.getTime(), endsAt.getTime());
    assert.equal((await repo.findRefresh(n.refreshHash))?.expiresAt.getTime(), endsAt.getTime());
    assert.equal((await repo.findByAccessHash(n.accessHash))?.access_expires_at.getTime(), endsAt.getTime());
    // at the end exactly, nothing is spent or written (the successor token itself would still be unexpired)
    const late = successor();
    assert.equal(await repo.rotateRefresh(n.refreshHash, scope, endsAt, late), undefined);
    assert.equal((await repo.findRefresh(n.refreshHash))?.consumedAt, null);
    assert.equal(await repo.findRefresh(late.refreshHash), undefined);
  });

  it('leaves chains without an end as they were: now + the lifetimes', async () => {
    const now = new Date();
    const { refreshHash } = await chain(now, null);
    const at = new Date(now.getTime() + 50 * MINUTE);
    const n = successor();
    assert.ok(await repo.rotateRefresh(refreshHash, scope, at, n));
    assert.equal((await repo.findRefresh(n.refreshHash))?.expiresAt.getTime(), at.getTime() + 60 * MINUTE);
    assert.equal((await repo.findByAccessHash(n.accessHash))?.access_expires_at.getTime(), at.getTime() + 15 * MINUTE);
  });
});
