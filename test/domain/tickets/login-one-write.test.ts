import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { useTestServer } from '../../helpers/server.ts';
import { signup } from '../../helpers/signup.ts';
import { parsePrometheus, sampleValue } from '../../helpers/prometheus.ts';
import { createLoginWrite } from '../../../src/store/repos/logins.ts';

/**
 * Issue #16 point 3: a successful password login writes with one statement — the account's login
 * stamp, its session with both tokens, its device and its `login.succeeded` event together — and
 * a lock that wins the race leaves nothing of it written.
 * @see src/store/repos/logins.ts
 */
describe('a successful login is one write statement', () => {
  const statements: string[] = [];
  let counting = false;
  const s = useTestServer({
    onQuery: (sql) => {
      if (counting) statements.push(sql);
    },
  });
  const isWrite = (sql: string) => /\b(insert|update|delete)\b/i.test(sql);

  async function loginCounted(body: Record<string, unknown>) {
    statements.length = 0;
    counting = true;
    try {
      return await s.request('POST', '/api/commerce/customer/authtickets', {
        body,
        headers: { authorization: `Bearer ${s.storefrontToken}` },
      });
    } finally {
      counting = false;
    }
  }

  const loginsSucceeded = async () =>
    sampleValue(parsePrometheus((await s.request('GET', '/metrics')).text), 'storefront_auth_logins_total', {
      outcome: 'success',
    });

  it('stamps the account and stores the chain, the device and the event in one statement', async () => {
    const u = await signup(s, s.storefrontToken, 'onewrite');
    const before = await loginsSucceeded();
    const r = await loginCounted({ username: u.email, password: u.password, fingerprint: 'fp-one', region: 'eu' });
    assert.equal(r.status, 200, r.text);

    const writes = statements.filter(isWrite);
    assert.equal(writes.length, 1, `writes: ${writes.join('\n---\n')}`);
    assert.ok(statements.length <= 2, `one read (the account) and the write; ran: ${statements.join('\n---\n')}`);

    const db = s.store.db;
    const account = await db.selectFrom('accounts').selectAll().where('id', '=', u.accountId).executeTakeFirstOrThrow();
    assert.ok(account.last_login_at, 'last login stamped');
    assert.equal(account.last_region, 'eu');
    const sessions = await db.selectFrom('sessions').select('id').where('account_id', '=', u.accountId).execute();
    assert.equal(sessions.length, 2, 'the sign-up chain and the login chain');
    const devices = await db
      .selectFrom('known_devices')
      .select('fingerprint_hash')
      .where('account_id', '=', u.accountId)
      .execute();
    assert.equal(devices.length, 1, 'the device is known');
    const events = await db
      .selectFrom('auth_events')
      .select('type')
      .where('account_id', '=', u.accountId)
      .where('type', '=', 'login.succeeded')
      .execute();
    assert.equal(events.length, 2, 'sign-up and login each recorded login.succeeded');
    assert.equal(await loginsSucceeded(), before + 1, 'the success is counted on /metrics');

    // The ticket works: its refresh token was stored by that statement.
    const refresh = await s.request(
      'PUT',
      `/api/commerce/customer/authtickets/refresh?refreshToken=${encodeURIComponent(r.json.refreshToken)}`,
      { headers: { authorization: `Bearer ${s.storefrontToken}` } },
    );
    assert.equal(refresh.status, 200, refresh.text);
  });

  /** What a login of `accountId` writes at `at`, as the ticket service hands it to the store. */
  function loginOf(accountId: number, at: Date) {
    return {
      scope: { tenantId: 1, customerSet: 'default' },
      accountId,
      at,
      region: 'eu',
      session: {
        id: randomUUID(),
        tenant_id: 1,
        site_id: 1,
        customer_set: 'default',
        account_id: accountId,
        user_id: 'u',
        anonymous: false,
        client_id: 'storefront',
        impersonated_by: null,
        cart_id: null,
        previous_anonymous_id: null,
        access_minutes: 60,
        refresh_minutes: 600,
        created_at: at,
      },
      tokens: { accessHash: randomUUID(), accessExpiresAt: at, refreshHash: randomUUID(), refreshExpiresAt: at },
      deviceHash: 'dev',
      event: {
        tenantId: 1,
        siteId: 1,
        accountId,
        type: 'login.succeeded',
        clientId: 'storefront',
        ip: null,
        userAgent: null,
        detail: {},
        at,
      },
    };
  }

  for (const [race, change] of [
    ['a lock', { is_locked: true }],
    ['a deactivation', { profile: sql<string>`profile || '{"isActive": false}'::jsonb` }],
  ] as const)
    it(`writes nothing of the login when ${race} wins the race`, async () => {
      const u = await signup(s, s.storefrontToken, 'onewrite-locked');
      const db = s.store.db;
      const rows = async () => ({
        sessions: (await db.selectFrom('sessions').select('id').where('account_id', '=', u.accountId).execute()).length,
        devices: (
          await db.selectFrom('known_devices').select('account_id').where('account_id', '=', u.accountId).execute()
        ).length,
        events: (await db.selectFrom('auth_events').select('id').where('account_id', '=', u.accountId).execute())
          .length,
        lastLogin: (
          await db
            .selectFrom('accounts')
            .select('last_login_at')
            .where('id', '=', u.accountId)
            .executeTakeFirstOrThrow()
        ).last_login_at?.getTime(),
      });
      // Set after the password was checked: the login's write finds the account locked or deactivated.
      await db.updateTable('accounts').set(change).where('id', '=', u.accountId).execute();
      const before = await rows();
      const answer = await createLoginWrite(db)(loginOf(u.accountId, new Date(Date.now() + 60_000)));
      assert.equal(answer, undefined, 'not admitted');
      assert.deepEqual(await rows(), before, 'no stamp, session, device or event');
    });

  it('admits logins of one account that share a batch, each with its own chain', async () => {
    const u = await signup(s, s.storefrontToken, 'onewrite-batch');
    const write = createLoginWrite(s.store.db);
    const at = new Date();
    // Called in one tick, they share a batch; the account's row can be updated once per statement.
    const answers = await Promise.all([1, 2, 3].map(() => write(loginOf(u.accountId, at))));
    for (const a of answers) assert.equal(a?.id, u.accountId, 'admitted');
    const sessions = await s.store.db
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', u.accountId)
      .execute();
    assert.equal(sessions.length, 4, 'the sign-up chain and three login chains');
  });
});
