import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { ADMIN, useTestServer } from '../helpers/server.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { login, signup } from '../helpers/signup.ts';

/**
 * A login chain is refreshed only by the app it was issued to; another app's refresh answers 401
 * and leaves the token unspent (no reuse alarm, nothing written).
 * @see issue #13, point 3; CONTRACT.md §4
 */
describe('refresh by an app other than the one the chain was issued to', () => {
  const s = useTestServer();

  const refreshAs = (accessToken: string, refreshToken: string) =>
    sdkApis(s, { accessToken }).tickets.refreshUserAuthTicket({ refreshToken });

  it("refuses the storefront app an admin app's refresh token and leaves it unspent", async () => {
    const u = await signup(s, s.storefrontToken, 'rfa');
    const ticket = await login(s, s.adminToken, u.email, u.password);
    const e = await sdkError(() => refreshAs(s.storefrontToken, ticket.refreshToken!));
    assert.deepEqual([e.status, e.errorCode], [401, 'UNAUTHORIZED']);
    // refused in parallel too, and none of the attempts spent the token or revoked the chain
    const many = await Promise.all(
      [1, 2, 3].map(() => sdkError(() => refreshAs(s.storefrontToken, ticket.refreshToken!))),
    );
    assert.deepEqual(
      many.map((m) => m.status),
      [401, 401, 401],
    );
    const me = await sdkApis(s, { accessToken: ticket.jwtAccessToken! }).accounts.getCurrentAccount({});
    assert.equal(me.id, u.accountId);
    const r = await refreshAs(s.adminToken, ticket.refreshToken!);
    assert.equal(r.customerAccount?.id, u.accountId);
    assert.equal(decodeJwt(r.jwtAccessToken!).app, ADMIN.clientId);
    const events = await s.store.db
      .selectFrom('auth_events')
      .select('type')
      .where('account_id', '=', u.accountId)
      .where('type', '=', 'refresh.reuse_detected')
      .execute();
    assert.equal(events.length, 0);
  });

  it("refuses the admin app a storefront chain's refresh token, with or without accountId", async () => {
    const u = await signup(s, s.storefrontToken, 'rfb');
    const e = await sdkError(() =>
      sdkApis(s, { accessToken: s.adminToken }).tickets.refreshUserAuthTicket({
        refreshToken: u.ticket.refreshToken!,
        accountId: u.accountId,
      }),
    );
    assert.deepEqual([e.status, e.errorCode], [401, 'UNAUTHORIZED']);
    const r = await refreshAs(s.storefrontToken, u.ticket.refreshToken!);
    assert.equal(decodeJwt(r.jwtAccessToken!).app, 'storefront');
  });

  it('refuses another app a guest chain and an impersonation chain', async () => {
    const guest = await sdkApis(s, { accessToken: s.adminToken }).tickets.createAnonymousShopperAuthTicket({});
    const g = await sdkError(() => refreshAs(s.storefrontToken, guest.refreshToken!));
    assert.deepEqual([g.status, g.errorCode], [401, 'UNAUTHORIZED']);
    assert.ok((await refreshAs(s.adminToken, guest.refreshToken!)).refreshToken);

    const u = await signup(s, s.storefrontToken, 'rfc');
    const imp = await sdkApis(s, { accessToken: s.adminToken }).tickets.impersonateCart({
      cartAuthTicketRequest: { cartId: 'cart-rf', accountId: u.accountId, userId: u.ticket.userId },
    });
    const i = await sdkError(() => refreshAs(s.storefrontToken, imp.refreshToken!));
    assert.deepEqual([i.status, i.errorCode], [401, 'UNAUTHORIZED']);
    const r = await refreshAs(s.adminToken, imp.refreshToken!);
    assert.equal(decodeJwt(r.jwtAccessToken!).impersonatedBy, ADMIN.clientId);
  });

  it("refuses another app a spent token without revoking the owner's chain", async () => {
    const u = await signup(s, s.storefrontToken, 'rfd');
    const r1 = await refreshAs(s.storefrontToken, u.ticket.refreshToken!);
    // another app presenting the spent token is refused without touching the chain
    assert.equal((await sdkError(() => refreshAs(s.adminToken, u.ticket.refreshToken!))).status, 401);
    assert.ok((await refreshAs(s.storefrontToken, r1.refreshToken!)).refreshToken);
  });
});
