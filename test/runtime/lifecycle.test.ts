import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testConfigFile } from '../helpers/config.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { signup, login } from '../helpers/signup.ts';
import { countRows } from '../helpers/rows.ts';
import { TOKEN_KEY_PREFIX } from '../../src/domain/tokens/token-keys.ts';

const DAY = 86_400_000;

describe('data lifecycle: the pruning pass (issue #14)', () => {
  let s: TestServer;
  let appToken: string;
  before(async () => {
    // batches of 2 rows: every rule must drain its backlog over several statements
    s = await startTestServer({
      configFile: testConfigFile({ retention: { batchSize: 2, deviceDays: 180, auditDays: 365 } }),
    });
    appToken = await s.appToken();
  });
  after(async () => {
    await s?.close();
  });
  const tickets = () => sdkApis(s, { accessToken: appToken }).tickets;
  const logout = (refreshToken: string) =>
    s.request('DELETE', `/api/commerce/customer/authtickets?refreshToken=${encodeURIComponent(refreshToken)}`, {
      headers: { authorization: `Bearer ${appToken}` },
    });
  const sessionRows = async (id: string) => ({
    session: await s.store.db.selectFrom('sessions').select('id').where('id', '=', id).execute(),
    refresh: await s.store.db.selectFrom('refresh_tokens').select('token_hash').where('session_id', '=', id).execute(),
    access: await s.store.db.selectFrom('access_tokens').select('token_hash').where('session_id', '=', id).execute(),
  });
  const sidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).sid as string;

  it('removes revoked chains with their tokens, keeps live ones with their spent tokens, so reuse is still detected', async () => {
    await s.services.lifecycle.runPass();
    const live = await signup(s, appToken, 'live');
    const r1 = await tickets().refreshUserAuthTicket({ refreshToken: live.ticket.refreshToken! });
    const gone = await Promise.all([1, 2, 3].map(() => signup(s, appToken, 'gone')));
    for (const g of gone) assert.equal((await logout(g.ticket.refreshToken!)).status, 204);

    const { ran, pruned } = await s.services.lifecycle.runPass();
    assert.equal(ran, true);
    assert.equal(pruned.sessions, 3);
    assert.equal(pruned.access_tokens, 3);
    assert.equal(pruned.refresh_tokens, 3);
    for (const g of gone)
      assert.deepEqual(await sessionRows(sidOf(g.ticket.jwtAccessToken!)), { session: [], refresh: [], access: [] });
    // the live chain: its session, both access tokens and both refresh tokens (one spent) are kept
    const kept = await sessionRows(sidOf(live.ticket.jwtAccessToken!));
    assert.equal(kept.session.length, 1);
    assert.equal(kept.refresh.length, 2);
    assert.equal(kept.access.length, 2);
    assert.ok(await sdkApis(s, { accessToken: r1.jwtAccessToken! }).accounts.getCurrentAccount({}));
    // the spent token, replayed after the pass, is still recognised as theft and revokes the chain
    const reuse = await sdkError(() => tickets().refreshUserAuthTicket({ refreshToken: live.ticket.refreshToken! }));
    assert.match(reuse.message, /already used/);
    assert.equal(
      (await sdkError(() => tickets().refreshUserAuthTicket({ refreshToken: r1.refreshToken! }))).status,
      401,
    );
  });

  it('removes chains and guest chains once everything they issued has expired, and nothing live', async () => {
    await s.services.lifecycle.runPass();
    const old = await signup(s, appToken, 'old');
    const oldRefreshed = await tickets().refreshUserAuthTicket({ refreshToken: old.ticket.refreshToken! });
    const g1 = await tickets().createAnonymousShopperAuthTicket({});
    const g1b = await tickets().refreshUserAuthTicket({ refreshToken: g1.refreshToken! });
    const g2 = await tickets().createAnonymousShopperAuthTicket({});
    assert.equal((await logout(g2.refreshToken!)).status, 204);
    // nothing has ended yet: a pass removes none of it
    const before = await countRows(s.store.db);
    const none = await s.services.lifecycle.runPass();
    assert.deepEqual(none.pruned, {});
    assert.deepEqual(await countRows(s.store.db), before);

    const refreshMinutes = s.config.tenants[0].tokens.refreshMinutes;
    s.clock.advanceMinutes(refreshMinutes - 1);
    appToken = await s.appToken();
    const fresh = await login(s, appToken, old.email, old.password);
    const g3 = await tickets().createAnonymousShopperAuthTicket({});
    await tickets().refreshUserAuthTicket({ refreshToken: g3.refreshToken! });
    // one minute before the end, still nothing of the old chain goes
    assert.equal((await s.services.lifecycle.runPass()).pruned.sessions, undefined);
    s.clock.advanceMinutes(2);
    appToken = await s.appToken();
    const { pruned } = await s.services.lifecycle.runPass();
    assert.equal(pruned.sessions, 1);
    assert.equal(pruned.refresh_tokens, 2);
    assert.equal(pruned.access_tokens, 2);
    assert.equal(pruned.guest_chains, 2);
    assert.equal(pruned.guest_spent_tokens, 1);
    assert.equal((await sessionRows(sidOf(oldRefreshed.jwtAccessToken!))).session.length, 0);
    assert.equal((await sessionRows(sidOf(fresh.jwtAccessToken!))).session.length, 1);
    // the guest chain that came back later is kept, and its token still works once
    const g3Chain = sidOf((await tickets().createAnonymousShopperAuthTicket({})).jwtAccessToken!);
    assert.ok(g3Chain.startsWith('g'));
    assert.equal((await s.store.db.selectFrom('guest_chains').select('id').execute()).length, 1);
    void g1b;
  });

  it('removes expired codes, sends, resets, app refresh tokens; devices and audit events past retention; old guest keys', async () => {
    await s.services.lifecycle.runPass();
    const now = s.clock.now();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const u = await signup(s, appToken, 'misc');
    const db = s.store.db;
    const code = (id: string, expires: Date) => ({
      id,
      tenant_id: 1,
      account_id: u.accountId,
      purpose: '2fa',
      code_hash: id,
      challenge_hash: `c-${id}`,
      created_at: ago(DAY),
      expires_at: expires,
      site_id: 1,
      client_id: 'storefront',
    });
    await db
      .insertInto('verification_codes')
      .values([
        code('old1', ago(1000)),
        code('old2', ago(2000)),
        code('old3', ago(1)),
        code('live', new Date(now.getTime() + 60_000)),
      ])
      .execute();
    await db
      .insertInto('code_sends')
      .values([
        { key: 'old', sent_at: ago(3600_000) },
        { key: 'recent', sent_at: ago(1000) },
      ])
      .execute();
    await db
      .insertInto('password_resets')
      .values([
        { token_hash: 'old', tenant_id: 1, account_id: u.accountId, expires_at: ago(1), created_at: ago(DAY) },
        {
          token_hash: 'live',
          tenant_id: 1,
          account_id: u.accountId,
          expires_at: new Date(now.getTime() + 60_000),
          created_at: now,
        },
      ])
      .execute();
    await db
      .insertInto('app_refresh_tokens')
      .values([
        { token_hash: 'old', client_id: 'storefront', tenant_id: 1, expires_at: ago(1), created_at: ago(DAY) },
        {
          token_hash: 'live',
          client_id: 'storefront',
          tenant_id: 1,
          expires_at: new Date(now.getTime() + 60_000),
          created_at: now,
        },
      ])
      .execute();
    await db
      .insertInto('known_devices')
      .values([
        {
          account_id: u.accountId,
          fingerprint_hash: 'old',
          first_seen_at: ago(400 * DAY),
          last_seen_at: ago(181 * DAY),
        },
        {
          account_id: u.accountId,
          fingerprint_hash: 'recent',
          first_seen_at: ago(400 * DAY),
          last_seen_at: ago(179 * DAY),
        },
      ])
      .execute();
    await db
      .insertInto('auth_events')
      .values([
        { tenant_id: 1, type: 'test.old', detail: '{}', created_at: ago(366 * DAY) },
        { tenant_id: 1, type: 'test.recent', detail: '{}', created_at: ago(364 * DAY) },
      ])
      .execute();
    await db
      .insertInto('server_secrets')
      .values({ name: `${TOKEN_KEY_PREFIX}1`, value: 'x', created_at: ago(1000 * DAY) })
      .execute();

    const { pruned } = await s.services.lifecycle.runPass();
    assert.equal(pruned.verification_codes, 3);
    assert.equal(pruned.code_sends, 1);
    assert.equal(pruned.password_resets, 1);
    assert.equal(pruned.app_refresh_tokens, 1);
    assert.equal(pruned.known_devices, 1);
    assert.equal(pruned.auth_events, 1);
    assert.equal(pruned.server_secrets, 1);
    assert.deepEqual(
      (await db.selectFrom('verification_codes').select('id').execute()).map((r) => r.id),
      ['live'],
    );
    assert.deepEqual(
      (await db.selectFrom('code_sends').select('key').execute()).map((r) => r.key),
      ['recent'],
    );
    assert.deepEqual(
      (await db.selectFrom('password_resets').select('token_hash').execute()).map((r) => r.token_hash),
      ['live'],
    );
    assert.deepEqual(
      (
        await db
          .selectFrom('app_refresh_tokens')
          .select('token_hash')
          .where('token_hash', 'in', ['old', 'live'])
          .execute()
      ).map((r) => r.token_hash),
      ['live'],
    );
    assert.deepEqual(
      (await db.selectFrom('known_devices').select('fingerprint_hash').execute()).map((r) => r.fingerprint_hash),
      ['recent'],
    );
    assert.deepEqual(
      (await db.selectFrom('auth_events').select('type').where('type', 'like', 'test.%').execute()).map((r) => r.type),
      ['test.recent'],
    );
    // the current guest-token keys stay: a new guest's tokens still work
    const g = await tickets().createAnonymousShopperAuthTicket({});
    assert.equal((await tickets().refreshUserAuthTicket({ refreshToken: g.refreshToken! })).userId, g.userId);
  });

  it('counts pruned rows per table in the metrics', async () => {
    const g = await signup(s, appToken, 'metric');
    await logout(g.ticket.refreshToken!);
    await s.services.lifecycle.runPass();
    const m = await s.request('GET', '/metrics');
    assert.match(m.text, /storefront_auth_pruned_rows_total\{table="sessions"\} [1-9]/);
  });
});

describe('data lifecycle: audit events kept forever with auditDays 0', () => {
  it('keeps old audit events', async () => {
    const s = await startTestServer({ configFile: testConfigFile({ retention: { auditDays: 0 } }) });
    try {
      await s.store.db
        .insertInto('auth_events')
        .values({ tenant_id: 1, type: 'test.ancient', detail: '{}', created_at: new Date(Date.now() - 5000 * DAY) })
        .execute();
      const { pruned } = await s.services.lifecycle.runPass();
      assert.equal(pruned.auth_events, undefined);
      assert.equal(
        (await s.store.db.selectFrom('auth_events').select('id').where('type', '=', 'test.ancient').execute()).length,
        1,
      );
    } finally {
      await s.close();
    }
  });
});
