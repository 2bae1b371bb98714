import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../../helpers/server.ts';
import { operatorAdminFor } from '../../helpers/operators.ts';

describe('operators: what create and reset-password refuse', () => {
  const s = useTestServer();
  const admin = () => operatorAdminFor(s);

  it('refuses a bad email, role, tenant or a short password, naming what is wrong', async () => {
    const bad = (message: string) => ({ code: 'MISSING_OR_INVALID_PARAMETER', message });
    await assert.rejects(
      admin().create({ email: 'not-an-email', role: 'support', tenantId: 1 }),
      bad('Not an email address: not-an-email'),
    );
    await assert.rejects(
      admin().create({ email: 'a@example.com', role: 'root', tenantId: 1 }),
      bad('Unknown role "root" (support or admin)'),
    );
    await assert.rejects(
      admin().create({ email: 'a@example.com', role: 'support', tenantId: 99 }),
      bad('Unknown tenant 99'),
    );
    await assert.rejects(
      admin().create({ email: 'a@example.com', role: 'support', tenantId: 1, password: 'short' }),
      bad("An operator's password must have 12 to 256 characters"),
    );
    await admin().create({ email: 'a@example.com', role: 'support', tenantId: 1, password: 'long-enough-pw' });
    await assert.rejects(
      admin().resetPassword('a@example.com', 'short'),
      bad("An operator's password must have 12 to 256 characters"),
    );
    await assert.rejects(admin().resetPassword('b@example.com'), { code: 'ITEM_NOT_FOUND' });
  });

  it('stores only an argon2id hash; two creates of one email at once make one operator', async () => {
    const both = await Promise.allSettled([
      admin().create({ email: 'race@example.com', role: 'support', tenantId: 1 }),
      admin().create({ email: 'race@example.com', role: 'support', tenantId: 1 }),
    ]);
    assert.deepEqual(both.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const rejected = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal(rejected.reason.code, 'VALIDATION_CONFLICT');
    const row = await s.store.db
      .selectFrom('operators')
      .select('password_hash')
      .where('email', '=', 'race@example.com')
      .executeTakeFirstOrThrow();
    assert.match(row.password_hash, /^\$argon2id\$/);
  });
});
