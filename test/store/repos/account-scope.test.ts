import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { freshStore } from '../../helpers/db.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { createAccountsRepo, type AccountScope } from '../../../src/store/repos/accounts.ts';
import { createSessionsRepo } from '../../../src/store/repos/sessions.ts';
import { createLockoutStore } from '../../../src/store/repos/lockout.ts';
import { createLoginWrite } from '../../../src/store/repos/logins.ts';
import { createDevicesRepo } from '../../../src/store/repos/devices.ts';
import { createResetsRepo } from '../../../src/store/repos/resets.ts';
import { createAuditRepo } from '../../../src/store/repos/audit.ts';
import type { Store } from '../../../src/store/db.ts';

/**
 * Issue #13, point 1: every statement on one account's rows names its tenant and customer set in
 * SQL, so an account id from another tenant or customer set reaches nothing.
 * @see src/store/repos/accounts.ts (theAccount, accountIn)
 */
describe('account statements are scoped by tenant and customer set (PGlite or PostgreSQL)', () => {
  let store: Store;
  let drop: () => Promise<void>;
  const home: AccountScope = { tenantId: 1, customerSet: 'default' };
  const strangers: AccountScope[] = [
    { tenantId: 2, customerSet: 'default' },
    { tenantId: 1, customerSet: 'other' },
  ];
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

  /** Every row of the tables an account owns. */
  async function everything() {
    const out: Record<string, string[]> = {};
    for (const t of ['accounts', 'sessions', 'known_devices', 'password_resets', 'auth_events']) {
      const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(t)}`.execute(store.db);
      out[t] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  }

  it('no write or read reaches the account from another scope', async () => {
    const accounts = createAccountsRepo(store.db);
    const sessions = createSessionsRepo(store.db);
    const lockout = createLockoutStore(store.db);
    const logins = createLoginWrite(store.db);
    const devices = createDevicesRepo(store.db);
    const resets = createResetsRepo(store.db);
    const audit = createAuditRepo(store.db);
    const at = new Date();
    const row = await accounts.insert({
      ...home,
      userId: randomUUID(),
      userName: 'scoped',
      email: 'scoped@example.com',
      passwordHash: 'h',
      profile: {},
      at,
      by: null,
    });
    const id = row.id;
    await sessions.create(
      {
        id: randomUUID(),
        tenant_id: 1,
        site_id: 1,
        customer_set: 'default',
        account_id: id,
        user_id: row.user_id,
        anonymous: false,
        client_id: 'storefront',
        impersonated_by: null,
        cart_id: null,
        previous_anonymous_id: null,
        access_minutes: 60,
        refresh_minutes: 600,
        created_at: at,
      },
      { accessHash: randomUUID(), accessExpiresAt: at, refreshHash: randomUUID(), refreshExpiresAt: at },
    );
    await store.db
      .insertInto('known_devices')
      .values({ account_id: id, fingerprint_hash: 'fp', first_seen_at: at, last_seen_at: at })
      .execute();
    await audit.insert({
      tenantId: 1,
      siteId: 1,
      accountId: id,
      type: 'account.created',
      clientId: null,
      ip: null,
      userAgent: null,
      detail: {},
      at,
    });
    const before = await everything();
    const later = new Date(at.getTime() + 60_000);
    const login = {
      userName: 'x',
      email: 'x@example.com',
      passwordHash: 'h2',
      hasExternalPassword: false,
      migrationRequired: false,
      at: later,
      by: null,
    };

    for (const scope of strangers) {
      const why = JSON.stringify(scope);
      assert.equal(await accounts.findById(scope, id), undefined, why);
      assert.equal(
        await accounts.updateProfile(scope, id, { userName: 'x', email: null, profile: {}, at: later, by: null }),
        undefined,
      );
      assert.equal(await accounts.setInitialLogin(scope, id, login), undefined, why);
      await accounts.setPasswordHash(scope, id, 'h3', later, { passwordChanged: true });
      assert.equal(await lockout.recordFailedAttempt(scope, id, later, 1, 10), undefined, why);
      assert.equal(await lockout.clearFailedAttempts(scope, id, later), undefined, why);
      assert.equal(await accounts.setLocked(scope, id, true, later, null), undefined, why);
      await lockout.clearLockout(scope, id);
      assert.equal(await accounts.setPasswordChangeRequired(scope, id, true, later, null), undefined, why);
      // A login of the account from another scope stamps nothing and stores no chain, device or event.
      const session = {
        id: randomUUID(),
        tenant_id: scope.tenantId,
        site_id: 1,
        customer_set: scope.customerSet,
        account_id: id,
        user_id: row.user_id,
        anonymous: false,
        client_id: 'storefront',
        impersonated_by: null,
        cart_id: null,
        previous_anonymous_id: null,
        access_minutes: 60,
        refresh_minutes: 600,
        created_at: later,
      };
      const tokens = {
        accessHash: randomUUID(),
        accessExpiresAt: later,
        refreshHash: randomUUID(),
        refreshExpiresAt: later,
      };
      const event = {
        tenantId: scope.tenantId,
        siteId: 1,
        accountId: id,
        type: 'login.succeeded',
        clientId: null,
        ip: null,
        userAgent: null,
        detail: {},
        at: later,
      };
      const stamp = { scope, accountId: id, at: later, region: 'eu', session, tokens, deviceHash: 'fp3', event };
      assert.equal(await logins(stamp), undefined, why);
      assert.equal(await accounts.delete(scope, id), false, why);
      assert.equal(await sessions.revokeAccount(scope, id, 'test', later), 0, why);
      assert.equal(await devices.isKnown(scope, id, 'fp'), false, why);
      await devices.markTwoFactorPassed(scope, id, later);
      await resets.replace({ tokenHash: randomUUID(), scope, accountId: id, expiresAt: later, at: later });
      const page = await audit.listForAccount({
        ...scope,
        accountId: id,
        startIndex: 0,
        pageSize: 10,
        order: { column: 'id', desc: false },
      });
      assert.equal(page.total, 0, why);
      assert.deepEqual(await everything(), before, why);
    }

    // and in its own scope each of them does reach it
    assert.ok(await accounts.findById(home, id));
    assert.equal(await devices.isKnown(home, id, 'fp'), true);
    assert.equal(
      (
        await audit.listForAccount({
          ...home,
          accountId: id,
          startIndex: 0,
          pageSize: 10,
          order: { column: 'id', desc: false },
        })
      ).total,
      1,
    );
    await resets.replace({ tokenHash: 'mine', scope: home, accountId: id, expiresAt: later, at });
    assert.deepEqual(await resets.findLive('mine', at), { accountId: id, tenantId: 1 });
    assert.ok(await accounts.setLocked(home, id, true, later, null));
    assert.equal(await sessions.revokeAccount(home, id, 'test', later), 1);
    assert.equal(await accounts.delete(home, id), true);
  });
});
