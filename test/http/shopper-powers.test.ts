import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { ADMIN, useTestServer } from '../helpers/server.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { login, signup } from '../helpers/signup.ts';
import { assertKibo } from '../helpers/kibo.ts';

/**
 * A shopper credential names a shopper (and the app, for storefront routes) but never grants the
 * app's behaviors: those come only from an app credential (CONTRACT §2).
 * @see issue #13, point 2; CONTRACT.md §2
 */
describe('shopper tickets carry no behaviors of the app that issued them', () => {
  const s = useTestServer();

  /** A shopper logged in through the admin app, and a second account to aim at. */
  async function adminAppShopper() {
    const u = await signup(s, s.storefrontToken, 'pow');
    const other = await signup(s, s.storefrontToken, 'powother');
    const ticket = await login(s, s.adminToken, u.email, u.password);
    return { u, other, jwt: ticket.jwtAccessToken! };
  }

  it('answers 403 on manage-accounts routes to a shopper JWT issued through an admin app', async () => {
    const { u, other, jwt } = await adminAppShopper();
    const { accounts } = sdkApis(s, { accessToken: jwt });
    for (const [name, call] of [
      ['list accounts', () => accounts.getAccounts({})],
      ['login state', () => accounts.getLoginState({ accountId: other.accountId })],
      ['read another account', () => accounts.getAccount({ accountId: other.accountId })],
      ['lock another account', () => accounts.setLoginLocked({ accountId: other.accountId, body: true })],
      ['audit log', () => accounts.getAccountAuditLog({ accountId: u.accountId })],
    ] as const) {
      const e = await sdkError(call);
      assert.deepEqual([e.status, e.errorCode], [403, 'FORBIDDEN'], name);
    }
    // the same JWT still works as a shopper credential on the storefront routes
    assert.equal((await accounts.getCurrentAccount({})).id, u.accountId);
    assert.equal((await accounts.getAccount({ accountId: u.accountId })).id, u.accountId);
  });

  it('does not let such a JWT change a password without the old one, its own or another', async () => {
    const { u, other, jwt } = await adminAppShopper();
    const { accounts } = sdkApis(s, { accessToken: jwt });
    const own = await sdkError(() =>
      accounts.changePassword({ accountId: u.accountId, customerPasswordInfo: { newPassword: 'Brand-new-passw0rd' } }),
    );
    assert.deepEqual([own.status, own.errorCode], [400, 'MISSING_OR_INVALID_PARAMETER']);
    const theirs = await sdkError(() =>
      accounts.changePassword({
        accountId: other.accountId,
        customerPasswordInfo: { newPassword: 'Brand-new-passw0rd' },
      }),
    );
    assert.deepEqual([theirs.status, theirs.errorCode], [403, 'FORBIDDEN']);
    // both old passwords still log in
    await login(s, s.storefrontToken, u.email, u.password);
    await login(s, s.storefrontToken, other.email, other.password);
  });

  it('does not let such a JWT ask for custom token lifetimes', async () => {
    const { u, jwt } = await adminAppShopper();
    const { tickets, accounts } = sdkApis(s, { accessToken: jwt });
    const relogin = await sdkError(() =>
      tickets.createUserAuthTicket({
        customerUserAuthInfo: { username: u.email, password: u.password, authTicketTtlMinutes: 600 },
      }),
    );
    assert.deepEqual([relogin.status, relogin.errorCode], [403, 'FORBIDDEN']);
    const created = await sdkError(() =>
      accounts.addAccountAndLogin({
        customerAccountAndAuthInfo: {
          account: { emailAddress: `ttl-${u.email}` },
          password: u.password,
          refreshTokenTtlMinutes: 60,
        },
      }),
    );
    assert.deepEqual([created.status, created.errorCode], [403, 'FORBIDDEN']);
    // the admin app's own credential may
    const t = await sdkApis(s, { accessToken: s.adminToken }).tickets.createUserAuthTicket({
      customerUserAuthInfo: { username: u.email, password: u.password, authTicketTtlMinutes: 600 },
    });
    assert.ok(Date.parse(t.accessTokenExpiration!) - s.clock.now().getTime() > 500 * 60_000);
  });

  it('answers 403 to an impersonation ticket as Bearer on manage-accounts routes and password changes', async () => {
    const u = await signup(s, s.storefrontToken, 'powimp');
    const other = await signup(s, s.storefrontToken, 'powimpother');
    const imp = await sdkApis(s, { accessToken: s.adminToken }).tickets.impersonateCart({
      cartAuthTicketRequest: { cartId: 'cart-pow', accountId: u.accountId, userId: u.ticket.userId },
    });
    const { accounts } = sdkApis(s, { accessToken: imp.jwtAccessToken! });
    const list = await sdkError(() => accounts.getAccounts({}));
    assert.deepEqual([list.status, list.errorCode], [403, 'FORBIDDEN']);
    for (const accountId of [u.accountId, other.accountId]) {
      const e = await sdkError(() =>
        accounts.changePassword({ accountId, customerPasswordInfo: { newPassword: 'Brand-new-passw0rd' } }),
      );
      assert.deepEqual([e.status, e.errorCode], [403, 'FORBIDDEN'], `account ${accountId}`);
    }
    await login(s, s.storefrontToken, u.email, u.password);
    await login(s, s.storefrontToken, other.email, other.password);
  });

  it('applies the behaviors of an app credential sent beside the shopper JWT', async () => {
    const u = await signup(s, s.storefrontToken, 'powapp');
    const storefrontJwt = u.ticket.jwtAccessToken!;
    // the official client sends app claims and user claims as headers
    const both = sdkApis(s, { appClaims: s.adminToken, userClaims: storefrontJwt }).accounts;
    assert.ok((await both.getAccounts({ pageSize: 1 })).totalCount! >= 1);
    // a shopper JWT as Bearer with the admin app's token as x-vol-app-claims: the app credential counts
    const bearer = { authorization: `Bearer ${storefrontJwt}` };
    const withApp = await s.request('GET', '/api/commerce/customer/accounts?pageSize=1', {
      headers: { ...bearer, 'x-vol-app-claims': s.adminToken },
    });
    assert.equal(withApp.status, 200, withApp.text);
    const alone = await s.request('GET', '/api/commerce/customer/accounts?pageSize=1', { headers: bearer });
    assertKibo(alone, 403, 'FORBIDDEN');
    const withStorefront = await s.request('GET', '/api/commerce/customer/accounts?pageSize=1', {
      headers: { ...bearer, 'x-vol-app-claims': s.storefrontToken },
    });
    assertKibo(withStorefront, 403, 'FORBIDDEN');
  });

  it('issues shopper JWTs that name the app and carry no behaviors claim', async () => {
    const { jwt } = await adminAppShopper();
    const claims = decodeJwt(jwt);
    assert.equal(claims.app, ADMIN.clientId);
    assert.equal('behaviors' in claims, false);
  });
});
