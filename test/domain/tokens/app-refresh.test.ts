import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer, STOREFRONT } from '../../helpers/server.ts';
import { hashSecret } from '../../../src/config/load.ts';
import { hashToken } from '../../../src/domain/tokens/opaque.ts';
import { APP_REFRESH_MINUTES } from '../../../src/domain/apps/tickets.ts';

/**
 * Issue #16 point 2: an app ticket (client credentials) writes nothing — its refresh token is
 * sealed (MAC'd under the rotating token keys) and recorded only when spent, once.
 * @see src/domain/tokens/app-refresh.ts, src/domain/apps/tickets.ts
 */
describe('app refresh tokens are sealed: an app ticket writes nothing', () => {
  const statements: string[] = [];
  let counting = false;
  const s = useTestServer({
    seed: false,
    onQuery: (sql) => {
      if (counting) statements.push(sql);
    },
  });
  const isWrite = (sql: string) => /\b(insert|update|delete)\b/i.test(sql);
  const OAUTH = '/api/platform/applications/authtickets/oauth';
  const appLogin = (clientId = STOREFRONT.clientId, secret = STOREFRONT.clientSecret) =>
    s.request('POST', OAUTH, {
      body: { client_id: clientId, client_secret: secret, grant_type: 'client_credentials' },
    });
  const refresh = (token: string) =>
    s.request('POST', OAUTH, { body: { grant_type: 'refresh_token', refresh_token: token } });
  const spentRows = () => s.store.db.selectFrom('app_refresh_tokens').selectAll().execute();
  /** A database app, as the admin CLI makes it, created at `at`. */
  const storeApp = (clientId: string, secret: string, at: Date) =>
    s.store.db
      .insertInto('apps')
      .values({ client_id: clientId, tenant_id: 1, secret_hash: hashSecret(secret), behaviors: '[]', created_at: at })
      .execute();

  it('issues with no write; the refresh token is spent once, its record kept until it would expire', async () => {
    await appLogin(); // the app list and the token keys are read once; the count starts after
    statements.length = 0;
    counting = true;
    const r = await appLogin();
    counting = false;
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(statements.filter(isWrite), [], 'no write statement');
    assert.deepEqual(await spentRows(), [], 'nothing stored');
    assert.match(r.json.refresh_token, /^a1\.\d+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);

    const issuedAt = s.clock.now().getTime();
    const next = await refresh(r.json.refresh_token);
    assert.equal(next.status, 200, next.text);
    assert.notEqual(next.json.refresh_token, r.json.refresh_token);
    const rows = await spentRows();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].token_hash, hashToken(r.json.refresh_token), 'stored as a hash only');
    assert.ok(rows[0].consumed_at);
    const ends = rows[0].expires_at.getTime() - issuedAt;
    assert.ok(Math.abs(ends - APP_REFRESH_MINUTES * 60_000) < 60_000, 'kept until the token would expire');

    assert.equal((await refresh(r.json.refresh_token)).status, 401, 'a spent token is refused');
    assert.equal((await refresh(next.json.refresh_token)).status, 200, 'its successor works');
  });

  it('refuses a changed or expired token, and a revoked one', async () => {
    const t = (await appLogin()).json.refresh_token as string;
    const [p, kid, payload, mac] = t.split('.');
    const flip = (x: string) => (x[0] === 'A' ? 'B' : 'A') + x.slice(1);
    assert.equal((await refresh([p, kid, flip(payload), mac].join('.'))).status, 401);
    assert.equal((await refresh([p, kid, payload, flip(mac)].join('.'))).status, 401);
    assert.equal((await refresh(`g1.${kid}.${payload}.${mac}`)).status, 401, 'not a guest token either');

    s.clock.advanceMinutes(APP_REFRESH_MINUTES + 1);
    try {
      assert.equal((await refresh(t)).status, 401, 'expired');
    } finally {
      s.clock.advanceMinutes(-(APP_REFRESH_MINUTES + 1));
    }

    const revoked = (await appLogin()).json.refresh_token as string;
    const del = await s.request('DELETE', `/api/platform/applications/authtickets/${encodeURIComponent(revoked)}`);
    assert.equal(del.status, 204);
    assert.equal((await refresh(revoked)).status, 401, 'revoked');
  });

  it("a database app's tokens stop at once, on every instance, when it is re-keyed, deleted or re-created", async () => {
    await storeApp('sealed-db', 'secret-one', s.clock.now());
    const tokens = [];
    for (let i = 0; i < 3; i++) {
      const r = await appLogin('sealed-db', 'secret-one');
      assert.equal(r.status, 200, r.text);
      tokens.push(r.json.refresh_token as string);
    }
    assert.equal((await refresh(tokens[0])).status, 200, 'works while the app is unchanged');

    // Re-keyed by another instance: this one's app list is not read again before the refresh.
    s.clock.advance(1000);
    await s.store.db
      .updateTable('apps')
      .set({ secret_changed_at: s.clock.now() })
      .where('client_id', '=', 'sealed-db')
      .execute();
    assert.equal((await refresh(tokens[1])).status, 401, 'a token from before the new secret');

    // Deleted, then made again under the same id.
    await s.store.db.deleteFrom('apps').where('client_id', '=', 'sealed-db').execute();
    s.clock.advance(1000);
    await storeApp('sealed-db', 'secret-two', s.clock.now());
    assert.equal((await refresh(tokens[2])).status, 401, 'a token of the app that was deleted');
  });

  it('still takes a refresh token stored before tokens were sealed, once', async () => {
    const now = s.clock.now();
    await s.store.db
      .insertInto('app_refresh_tokens')
      .values({
        token_hash: hashToken('stored-before-sealing'),
        client_id: STOREFRONT.clientId,
        tenant_id: 1,
        expires_at: new Date(now.getTime() + 60_000),
        created_at: now,
      })
      .execute();
    assert.equal((await refresh('stored-before-sealing')).status, 200);
    assert.equal((await refresh('stored-before-sealing')).status, 401);
  });
});
