import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { freshStore } from '../helpers/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { transaction } from '../../src/store/transaction.ts';
import { createAuditRepo } from '../../src/store/repos/audit.ts';
import { createAccountsRepo } from '../../src/store/repos/accounts.ts';
import type { Store } from '../../src/store/db.ts';

/**
 * The transaction helper: every repository statement made inside `transaction` — batched ones too —
 * commits with it or is rolled back with it, and a nested call joins the outer transaction.
 * @see src/store/transaction.ts
 */
describe('transaction helper (PGlite or PostgreSQL)', () => {
  let store: Store;
  let drop: () => Promise<void>;
  before(async () => {
    const fresh = await freshStore();
    store = fresh.store;
    drop = fresh.drop;
    await migrateToLatest(store.db);
  });
  after(async () => {
    await store?.close();
    await drop?.();
  });

  const event = (type: string) => ({
    tenantId: 1,
    siteId: 1,
    accountId: null,
    type,
    clientId: null,
    ip: null,
    userAgent: null,
    detail: {},
    at: new Date(),
  });
  const count = async (type: string) =>
    (await store.db.selectFrom('auth_events').select('id').where('type', '=', type).execute()).length;
  const newAccount = (name: string) => ({
    tenantId: 1,
    customerSet: 'default',
    userId: randomUUID(),
    userName: name,
    email: null,
    passwordHash: null,
    profile: {},
    at: new Date(),
    by: null,
  });

  it('rolls back every statement, batched ones included, when the function throws', async () => {
    const audit = createAuditRepo(store.db);
    const accounts = createAccountsRepo(store.db);
    await assert.rejects(
      transaction(store.db, async () => {
        await accounts.insert(newAccount('rolled-back'));
        await Promise.all([audit.insert(event('t.rollback')), audit.insert(event('t.rollback'))]);
        // a nested transaction joins this one, so its write goes too
        await transaction(store.db, () => audit.insert(event('t.rollback')));
        throw new Error('stop');
      }),
      /stop/,
    );
    assert.equal(await count('t.rollback'), 0);
    assert.equal(
      (await store.db.selectFrom('accounts').select('id').where('user_name', '=', 'rolled-back').execute()).length,
      0,
    );
  });

  it('commits them together, while calls outside still batch and see the result afterwards', async () => {
    const audit = createAuditRepo(store.db);
    await Promise.all([
      transaction(store.db, async () => {
        await audit.insert(event('t.commit'));
        await audit.insert(event('t.commit'));
      }),
      audit.insert(event('t.outside')),
      audit.insert(event('t.outside')),
    ]);
    assert.equal(await count('t.commit'), 2);
    assert.equal(await count('t.outside'), 2);
  });
});
