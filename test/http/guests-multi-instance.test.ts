import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createDatabase } from '../helpers/db.ts';
import { TestClock } from '../helpers/clock.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { signup } from '../helpers/signup.ts';
import { withPruneLock } from '../../src/store/repos/prune.ts';

// Postgres runs wherever the suite runs (CI included); TEST_DATABASE_URL picks another server.
const PG = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

describe('guests and pruning on two instances over one PostgreSQL (issue #14)', () => {
  let a: TestServer;
  let b: TestServer;
  let appA: string;
  let appB: string;
  let drop: () => Promise<void>;
  before(async () => {
    const db = await createDatabase(PG);
    drop = db.drop;
    const clock = new TestClock();
    a = await startTestServer({ databaseUrl: db.url, clock });
    b = await startTestServer({ databaseUrl: db.url, clock });
    appA = await a.appToken();
    appB = await b.appToken();
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });
  const refresh = (s: TestServer, token: string, refreshToken: string) =>
    sdkApis(s, { accessToken: token }).tickets.refreshUserAuthTicket({ refreshToken });

  it('a guest refresh is exactly-once under 100 parallel requests across both instances', async () => {
    const g = await sdkApis(a, { accessToken: appA }).tickets.createAnonymousShopperAuthTicket({});
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        i % 2 ? refresh(a, appA, g.refreshToken!) : refresh(b, appB, g.refreshToken!),
      ),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const rows = await a.store.db.selectFrom('guest_spent_tokens').select('token_id').execute();
    assert.equal(rows.length, 1);
  });

  it('a guest logged out on one instance is refused at once on the other', async () => {
    const g = await sdkApis(a, { accessToken: appA }).tickets.createAnonymousShopperAuthTicket({});
    // minted on a, honoured on b: the key is shared through the database
    const r = await refresh(b, appB, g.refreshToken!);
    const claims = (s: TestServer, userClaims: string) =>
      s.request('GET', '/api/commerce/customer/accounts/current', {
        headers: { authorization: `Bearer ${appB}`, 'x-vol-user-claims': userClaims },
      });
    assert.doesNotMatch((await claims(b, r.accessToken!)).json.message, /revoked/);
    const del = await a.request(
      'DELETE',
      `/api/commerce/customer/authtickets?refreshToken=${encodeURIComponent(r.refreshToken!)}`,
      { headers: { authorization: `Bearer ${appA}` } },
    );
    assert.equal(del.status, 204);
    assert.match((await claims(b, r.accessToken!)).json.message, /Invalid or revoked/);
    assert.match(
      (await sdkError(() => sdkApis(b, { accessToken: r.jwtAccessToken! }).accounts.getCurrentAccount({}))).message,
      /revoked/,
    );
    assert.equal((await sdkError(() => refresh(b, appB, r.refreshToken!))).status, 401);
  });

  it('a pass runs on one instance at a time, and each dead row is removed once', async () => {
    const dead = await Promise.all([1, 2, 3, 4].map(() => signup(a, appA, 'pair')));
    for (const d of dead)
      await a.request(
        'DELETE',
        `/api/commerce/customer/authtickets?refreshToken=${encodeURIComponent(d.ticket.refreshToken!)}`,
        {
          headers: { authorization: `Bearer ${appA}` },
        },
      );
    // while instance a holds the lock, b's pass does not run
    const whileHeld = await withPruneLock(a.store.db, 'postgres', () => b.services.lifecycle.runPass());
    assert.deepEqual(whileHeld, { ran: false, pruned: {} });
    // both at once: the rows are removed once between them
    const [ra, rb] = await Promise.all([a.services.lifecycle.runPass(), b.services.lifecycle.runPass()]);
    assert.ok(ra.ran || rb.ran);
    assert.equal((ra.pruned.sessions ?? 0) + (rb.pruned.sessions ?? 0), 4);
  });
});
