import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { freshStore } from '../../helpers/db.ts';
import { migrateToLatest } from '../../../src/store/migrate.ts';
import { createAccountsRepo, type AccountScope } from '../../../src/store/repos/accounts.ts';
import { createCodesRepo, type NewCode } from '../../../src/store/repos/codes.ts';
import type { Store } from '../../../src/store/db.ts';
import { PENDING_LOGIN } from '../../helpers/codes.ts';

/**
 * Defence in depth for 2FA / OTP codes: every statement that picks an account's codes by its id
 * names the tenant (`verification_codes.tenant_id`) and the customer set (through the account), so
 * a row of another tenant that carries the same account id, and the account's rows seen from
 * another tenant or customer set, are neither read nor changed.
 * @see src/store/repos/codes.ts (ofAccount, replaceIn)
 */
describe('code statements are scoped by tenant and customer set (PGlite or PostgreSQL)', () => {
  let store: Store;
  let drop: () => Promise<void>;
  const home: AccountScope = { tenantId: 1, customerSet: 'default' };
  before(async () => {
    ({ store, drop } = await freshStore());
    await migrateToLatest(store.db);
  });
  after(async () => {
    await store?.close();
    await drop?.();
  });

  const allCodes = async () =>
    (await store.db.selectFrom('verification_codes').selectAll().orderBy('id').execute()).map((r) => JSON.stringify(r));

  it("leaves another tenant's row with the same account id alone, and answers nothing to another scope", async () => {
    const codes = createCodesRepo(store.db);
    const at = new Date('2030-01-01T00:00:00Z');
    const later = (s: number) => new Date(at.getTime() + s * 1000);
    const account = await createAccountsRepo(store.db).insert({
      ...home,
      userId: randomUUID(),
      userName: 'coded',
      email: 'coded@example.com',
      passwordHash: null,
      profile: {},
      at,
      by: null,
    });
    const code = (over: Partial<NewCode>): NewCode => ({
      id: randomUUID(),
      ...home,
      accountId: account.id,
      purpose: '2fa',
      codeHash: randomUUID(),
      challengeHash: randomUUID(),
      createdAt: at,
      expiresAt: later(180),
      ...PENDING_LOGIN,
      ...over,
    });
    const mine = code({});
    await codes.replace(mine);
    // A row of tenant 2 naming the same account id (only the foreign key holds it to an account),
    // and newer than the account's own: an unscoped statement would pick it first.
    const foreign = code({ tenantId: 2, createdAt: later(10) });
    await store.db
      .insertInto('verification_codes')
      .values({
        id: foreign.id,
        tenant_id: 2,
        account_id: account.id,
        purpose: '2fa',
        code_hash: foreign.codeHash,
        challenge_hash: foreign.challengeHash,
        created_at: foreign.createdAt,
        expires_at: foreign.expiresAt,
        site_id: 21,
        client_id: 'tenant2-app',
      })
      .execute();
    const foreignRow = () =>
      store.db.selectFrom('verification_codes').selectAll().where('id', '=', foreign.id).executeTakeFirstOrThrow();
    const untouched = JSON.stringify(await foreignRow());

    const now = later(20);
    assert.equal(
      (await codes.findLive(home, account.id, '2fa', now, 3))?.id,
      mine.id,
      'the own row, not the newer foreign one',
    );
    const tried = await codes.takeAttempt(home, account.id, '2fa', now, 3);
    assert.equal(tried?.id, mine.id);
    assert.equal(tried?.attempts, 1);
    const next = code({ createdAt: later(30) });
    await codes.replace(next);
    assert.equal(JSON.stringify(await foreignRow()), untouched, 'not read, counted or retired from tenant 1');
    assert.equal((await codes.findLive(home, account.id, '2fa', later(31), 3))?.id, next.id);

    // Seen from another tenant or customer set, the account has no codes, and nothing changes.
    const before = await allCodes();
    for (const scope of [
      { tenantId: 2, customerSet: 'default' },
      { tenantId: 1, customerSet: 'other' },
    ]) {
      const why = JSON.stringify(scope);
      assert.equal(await codes.findLive(scope, account.id, '2fa', later(31), 3), undefined, why);
      assert.equal(await codes.takeAttempt(scope, account.id, '2fa', later(31), 3), undefined, why);
      await codes.replace(code({ ...scope, createdAt: later(40) }));
      assert.deepEqual(await allCodes(), before, `${why}: nothing retired, nothing stored`);
    }
  });
});
