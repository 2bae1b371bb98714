import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ADMIN, useTestServer } from '../helpers/server.ts';
import { newShopper, sdkApis, sdkError } from '../helpers/sdk.ts';
import { countRows } from '../helpers/rows.ts';

describe('zero-write guests (issue #14)', () => {
  const s = useTestServer();
  const guest = () => sdkApis(s, { accessToken: s.storefrontToken }).tickets.createAnonymousShopperAuthTicket({});
  const refresh = (refreshToken: string, token = s.storefrontToken) =>
    sdkApis(s, { accessToken: token }).tickets.refreshUserAuthTicket({ refreshToken });
  const me = (token: string) => sdkApis(s, { accessToken: token }).accounts.getCurrentAccount({});
  const asUserClaims = (userClaims: string) =>
    s.request('GET', '/api/commerce/customer/accounts/current', {
      headers: { authorization: `Bearer ${s.storefrontToken}`, 'x-vol-user-claims': userClaims },
    });

  it('a guest ticket inserts no row in any table', async () => {
    await guest(); // the first request may warm caches; it must not write either
    const before = await countRows(s.store.db);
    const tickets = await Promise.all(Array.from({ length: 50 }, () => guest()));
    assert.deepEqual(await countRows(s.store.db), before);
    assert.equal(new Set(tickets.map((t) => t.userId)).size, 50);
    for (const t of tickets) assert.ok(t.accessToken!.startsWith('g1.') && t.refreshToken!.startsWith('g1.'));
  });

  it("a guest's tokens authenticate without a row: opaque access token and JWT", async () => {
    const t = await guest();
    // a guest has no current account: the token is accepted as a shopper, then 401 for lack of an account
    const r = await asUserClaims(t.accessToken!);
    const tampered = await asUserClaims(t.accessToken!.slice(0, -2) + (t.accessToken!.endsWith('AA') ? 'BB' : 'AA'));
    assert.equal(tampered.status, 401);
    assert.match(tampered.json.message, /Invalid or revoked access token/);
    assert.equal(r.status, 401);
    assert.doesNotMatch(r.json.message, /Invalid or revoked access token/);
    const jwks = createRemoteJWKSet(new URL(`${s.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(t.jwtAccessToken!, jwks);
    assert.equal(payload.anonymous, true);
    assert.equal(payload.sub, t.userId);
  });

  it('links a guest (opaque access token as user claims) to the login that follows', async () => {
    const t = await guest();
    const u = newShopper();
    const r = await s.request('POST', '/api/commerce/customer/accounts/Add-Account-And-Login', {
      headers: { authorization: `Bearer ${s.storefrontToken}`, 'x-vol-user-claims': t.accessToken! },
      body: { account: { emailAddress: u.email }, password: u.password },
    });
    assert.equal(r.status, 200, r.text);
    const jwks = createRemoteJWKSet(new URL(`${s.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(r.json.jwtAccessToken, jwks);
    assert.equal(payload.prevAnonymousId, t.userId);
  });

  it('the first refresh writes the chain; refreshing keeps the guest; a spent token replayed revokes the chain', async () => {
    const t = await guest();
    const before = await countRows(s.store.db);
    const r1 = await refresh(t.refreshToken!);
    assert.equal(r1.userId, t.userId);
    const after = await countRows(s.store.db);
    assert.equal(after.guest_chains, before.guest_chains + 1);
    assert.equal(after.guest_spent_tokens, before.guest_spent_tokens + 1);
    assert.equal(after.sessions, before.sessions);
    const r2 = await refresh(r1.refreshToken!);
    assert.equal(r2.userId, t.userId);
    const reuse = await sdkError(() => refresh(t.refreshToken!));
    assert.equal(reuse.status, 401);
    assert.match(reuse.message, /already used/);
    // the whole chain is dead: the newest refresh token, its access token and its JWT
    assert.equal((await sdkError(() => refresh(r2.refreshToken!))).status, 401);
    assert.match((await asUserClaims(r2.accessToken!)).json.message, /Invalid or revoked/);
    assert.equal((await sdkError(() => me(r2.jwtAccessToken!))).status, 401);
  });

  it('exactly one of 100 parallel refreshes of one guest token wins', async () => {
    const t = await guest();
    const before = await countRows(s.store.db);
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => refresh(t.refreshToken!)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const after = await countRows(s.store.db);
    assert.equal(after.guest_spent_tokens, before.guest_spent_tokens + 1);
    assert.equal(after.guest_chains, before.guest_chains + 1);
  });

  it('logout revokes the guest chain at once: refresh, opaque access token and JWT are refused', async () => {
    const t = await guest();
    const del = await s.request(
      'DELETE',
      `/api/commerce/customer/authtickets?refreshToken=${encodeURIComponent(t.refreshToken!)}`,
      { headers: { authorization: `Bearer ${s.storefrontToken}` } },
    );
    assert.equal(del.status, 204);
    assert.equal((await sdkError(() => refresh(t.refreshToken!))).status, 401);
    assert.match((await asUserClaims(t.accessToken!)).json.message, /Invalid or revoked/);
    assert.match((await sdkError(() => me(t.jwtAccessToken!))).message, /revoked/);
  });

  it('refuses a guest refresh from another app, with an accountId, or as an access token, and leaves it unspent', async () => {
    const t = await guest();
    const admin = await s.appToken(ADMIN);
    assert.equal((await sdkError(() => refresh(t.refreshToken!, admin))).status, 401);
    const withAccount = await sdkError(() =>
      sdkApis(s, { accessToken: s.storefrontToken }).tickets.refreshUserAuthTicket({
        refreshToken: t.refreshToken!,
        accountId: 1,
      }),
    );
    assert.equal(withAccount.status, 401);
    assert.equal((await sdkError(() => refresh(t.accessToken!))).status, 401);
    const ok = await refresh(t.refreshToken!);
    assert.equal(ok.userId, t.userId);
  });

  it('answers an expired guest token with TOKEN_EXPIRED, and a forged one with 401', async () => {
    const t = await guest();
    const forged = t.refreshToken!.replace(/^g1\.\d+\./, 'g1.1.');
    assert.equal((await sdkError(() => refresh(forged))).status, 401);
    s.clock.advanceMinutes(s.config.tenants[0].tokens.refreshMinutes + 1);
    try {
      const e = await sdkError(() => refresh(t.refreshToken!));
      assert.equal(e.errorCode, 'TOKEN_EXPIRED');
      assert.equal((await asUserClaims(t.accessToken!)).json.errorCode, 'TOKEN_EXPIRED');
    } finally {
      s.clock.advanceMinutes(-(s.config.tenants[0].tokens.refreshMinutes + 1));
    }
  });
});
