import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { useTestServer, ADMIN } from '../helpers/server.ts';
import { signup } from '../helpers/signup.ts';
import { newShopper, sdkApis, sdkError } from '../helpers/sdk.ts';

describe('shopper tickets through the official SDK', () => {
  const s = useTestServer();
  const asShopper = { prefix: 'shopper', account: { firstName: 'Ada', lastName: 'Lovelace', acceptsMarketing: true } };

  it('signs up, logs in with email and with user name, and reads the current account', async () => {
    const { ticket, ...u } = await signup(s, s.storefrontToken, asShopper);
    assert.ok(ticket.accessToken && ticket.refreshToken && ticket.jwtAccessToken);
    assert.equal(ticket.requires2FA, false);
    assert.equal(ticket.customerAccount?.emailAddress, u.email);
    assert.equal(ticket.customerAccount?.acceptsMarketing, true);
    assert.equal(ticket.userId, ticket.customerAccount?.userId);
    const { tickets } = sdkApis(s, { accessToken: s.storefrontToken });
    const login = await tickets.createUserAuthTicket({
      customerUserAuthInfo: { username: u.email.toUpperCase(), password: u.password },
    });
    assert.equal(login.customerAccount?.id, ticket.customerAccount?.id);
    const me = await sdkApis(s, { accessToken: login.jwtAccessToken! }).accounts.getCurrentAccount({});
    assert.equal(me.id, ticket.customerAccount?.id);
    // opaque access token as x-vol-user-claims with the app token as x-vol-app-claims
    const me2 = await sdkApis(s, {
      userClaims: login.accessToken!,
      appClaims: s.storefrontToken,
    }).accounts.getCurrentAccount({});
    assert.equal(me2.emailAddress, u.email);
  });

  it('answers a wrong password and an unknown user with the same 401 INVALID_CREDENTIALS', async () => {
    const u = await signup(s, s.storefrontToken, asShopper);
    const { tickets } = sdkApis(s, { accessToken: s.storefrontToken });
    const wrong = await sdkError(() =>
      tickets.createUserAuthTicket({ customerUserAuthInfo: { username: u.email, password: 'Wrong-passw0rd' } }),
    );
    const unknown = await sdkError(() =>
      tickets.createUserAuthTicket({
        customerUserAuthInfo: { username: 'nobody@example.com', password: 'Wrong-passw0rd' },
      }),
    );
    assert.deepEqual(wrong, unknown);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.errorCode, 'INVALID_CREDENTIALS');
  });

  it('refuses a duplicate email in the customer set with 409, case-insensitively', async () => {
    const u = await signup(s, s.storefrontToken, asShopper);
    const { accounts } = sdkApis(s, { accessToken: s.storefrontToken });
    const e = await sdkError(() =>
      accounts.addAccountAndLogin({
        customerAccountAndAuthInfo: { account: { emailAddress: u.email.toUpperCase() }, password: u.password },
      }),
    );
    assert.equal(e.status, 409);
    assert.equal(e.errorCode, 'VALIDATION_CONFLICT');
  });

  it('logs in on another site of the same customer set but not on a site of another set', async () => {
    const u = await signup(s, s.storefrontToken, asShopper);
    const site2 = sdkApis(s, { accessToken: s.storefrontToken, siteId: 2 });
    const t = await site2.tickets.createUserAuthTicket({
      customerUserAuthInfo: { username: u.email, password: u.password },
    });
    assert.ok(t.jwtAccessToken);
    const site3 = sdkApis(s, { accessToken: s.storefrontToken, siteId: 3 });
    const e = await sdkError(() =>
      site3.tickets.createUserAuthTicket({ customerUserAuthInfo: { username: u.email, password: u.password } }),
    );
    assert.equal(e.errorCode, 'INVALID_CREDENTIALS');
    // the JWT of site 1 is not accepted on site 3 either
    const e2 = await sdkError(() =>
      sdkApis(s, { accessToken: t.jwtAccessToken!, siteId: 3 }).accounts.getCurrentAccount({}),
    );
    assert.equal(e2.status, 401);
  });

  it('refuses a refresh with another accountId without spending the token', async () => {
    const { ticket } = await signup(s, s.storefrontToken, asShopper);
    const { tickets } = sdkApis(s, { accessToken: s.storefrontToken });
    const e = await sdkError(() =>
      tickets.refreshUserAuthTicket({
        refreshToken: ticket.refreshToken!,
        accountId: ticket.customerAccount!.id! + 1000,
      }),
    );
    assert.equal(e.status, 401);
    const ok = await tickets.refreshUserAuthTicket({ refreshToken: ticket.refreshToken! });
    assert.ok(ok.accessToken);
  });

  it('logs out: DELETE revokes the chain', async () => {
    const { ticket } = await signup(s, s.storefrontToken, asShopper);
    const del = await s.request(
      'DELETE',
      `/api/commerce/customer/authtickets?refreshToken=${encodeURIComponent(ticket.refreshToken!)}`,
      { headers: { authorization: `Bearer ${s.storefrontToken}` } },
    );
    assert.equal(del.status, 204);
    const me = await sdkError(() => sdkApis(s, { accessToken: ticket.jwtAccessToken! }).accounts.getCurrentAccount({}));
    assert.equal(me.status, 401);
    const r = await sdkError(() =>
      sdkApis(s, { accessToken: s.storefrontToken }).tickets.refreshUserAuthTicket({
        refreshToken: ticket.refreshToken!,
      }),
    );
    assert.equal(r.status, 401);
  });

  it('issues refreshable anonymous tickets and links a guest to the login that follows', async () => {
    const { tickets } = sdkApis(s, { accessToken: s.storefrontToken });
    const anon = await tickets.createAnonymousShopperAuthTicket({});
    assert.ok(anon.accessToken && anon.refreshToken && anon.jwtAccessToken && anon.userId);
    assert.equal(anon.customerAccount, undefined);
    const refreshed = await tickets.refreshUserAuthTicket({ refreshToken: anon.refreshToken! });
    assert.equal(refreshed.userId, anon.userId);
    const jwks = createRemoteJWKSet(new URL(`${s.url}/.well-known/jwks.json`));
    const { payload: anonClaims } = await jwtVerify(refreshed.jwtAccessToken!, jwks);
    assert.equal(anonClaims.anonymous, true);
    // the guest's JWT as Bearer: the SDK sends it, and the new login names the guest id
    const u = newShopper();
    const asGuest = sdkApis(s, { accessToken: refreshed.jwtAccessToken! });
    const t = await asGuest.accounts.addAccountAndLogin({
      customerAccountAndAuthInfo: { account: { emailAddress: u.email }, password: u.password },
    });
    const { payload } = await jwtVerify(t.jwtAccessToken!, jwks);
    assert.equal(payload.prevAnonymousId, anon.userId);
    assert.equal(payload.anonymous, false);
    // anonymous shoppers have no current account
    const e = await sdkError(() => asGuest.accounts.getCurrentAccount({}));
    assert.equal(e.status, 401);
  });

  it('signs the JWT with a key from the JWKS and carries ids only', async () => {
    const { ticket, ...u } = await signup(s, s.storefrontToken, asShopper);
    const jwks = createRemoteJWKSet(new URL(`${s.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(ticket.jwtAccessToken!, jwks, { issuer: 'storefront-auth' });
    assert.ok(protectedHeader.kid);
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.sub, ticket.userId);
    assert.equal(payload.accountId, ticket.customerAccount?.id);
    assert.equal(payload.tenant, 1);
    assert.equal(payload.site, 1);
    assert.equal(payload.customerSet, 'default');
    assert.equal(payload.app, 'storefront');
    assert.ok(typeof payload.exp === 'number');
    const text = JSON.stringify(payload);
    assert.ok(!text.includes(u.email) && !text.includes(u.password));
  });

  it('gates custom lifetimes behind the behavior and the caps', async () => {
    const u = await signup(s, s.storefrontToken, asShopper);
    const plain = sdkApis(s, { accessToken: s.storefrontToken });
    const forbidden = await sdkError(() =>
      plain.tickets.createUserAuthTicket({
        customerUserAuthInfo: { username: u.email, password: u.password, authTicketTtlMinutes: 5 },
      }),
    );
    assert.equal(forbidden.status, 403);
    const admin = sdkApis(s, { accessToken: s.adminToken });
    const over = await sdkError(() =>
      admin.tickets.createUserAuthTicket({
        customerUserAuthInfo: { username: u.email, password: u.password, authTicketTtlMinutes: 24 * 60 + 1 },
      }),
    );
    assert.equal(over.status, 400);
    const t = await admin.tickets.createUserAuthTicket({
      customerUserAuthInfo: {
        username: u.email,
        password: u.password,
        authTicketTtlMinutes: 5,
        refreshTokenTtlMinutes: 60,
      },
    });
    const accessMs = Date.parse(t.accessTokenExpiration!) - Date.now();
    const refreshMs = Date.parse(t.refreshTokenExpiration!) - Date.now();
    assert.ok(accessMs > 4 * 60_000 && accessMs <= 5 * 60_000 + 5000, `access lifetime ${accessMs}`);
    assert.ok(refreshMs > 59 * 60_000 && refreshMs <= 60 * 60_000 + 5000, `refresh lifetime ${refreshMs}`);
  });

  it('answers an expired access token with TOKEN_EXPIRED', async () => {
    const { ticket } = await signup(s, s.storefrontToken, asShopper);
    s.clock.advanceMinutes(61);
    try {
      const jwtErr = await sdkError(() =>
        sdkApis(s, { accessToken: ticket.jwtAccessToken! }).accounts.getCurrentAccount({}),
      );
      assert.equal(jwtErr.errorCode, 'TOKEN_EXPIRED');
      const opaqueErr = await sdkError(() =>
        sdkApis(s, { userClaims: ticket.accessToken!, appClaims: s.storefrontToken }).accounts.getCurrentAccount({}),
      );
      assert.equal(opaqueErr.errorCode, 'TOKEN_EXPIRED');
    } finally {
      s.clock.advanceMinutes(-61);
    }
  });

  it('impersonates a cart only with the behavior, with a short-lived ticket naming the app and cart', async () => {
    const { ticket } = await signup(s, s.storefrontToken, asShopper);
    const req = {
      cartAuthTicketRequest: { cartId: 'cart-123', accountId: ticket.customerAccount!.id, userId: ticket.userId },
    };
    const denied = await sdkError(() => sdkApis(s, { accessToken: s.storefrontToken }).tickets.impersonateCart(req));
    assert.equal(denied.status, 403);
    assert.equal(denied.errorCode, 'FORBIDDEN');
    const t = await sdkApis(s, { accessToken: s.adminToken }).tickets.impersonateCart(req);
    const jwks = createRemoteJWKSet(new URL(`${s.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(t.jwtAccessToken!, jwks);
    assert.equal(payload.impersonatedBy, ADMIN.clientId);
    assert.equal(payload.cartId, 'cart-123');
    assert.equal(payload.accountId, ticket.customerAccount!.id);
    assert.ok(Date.parse(t.accessTokenExpiration!) - Date.now() <= 15 * 60_000 + 5000);
    const events = await s.store.db
      .selectFrom('auth_events')
      .selectAll()
      .where('type', '=', 'impersonation')
      .where('account_id', '=', ticket.customerAccount!.id!)
      .execute();
    assert.equal(events.length, 1);
    assert.equal(events[0].detail.cartId, 'cart-123');
  });

  it('requires an app token', async () => {
    const r = await s.request('GET', '/api/commerce/customer/authtickets/anonymousshopper');
    assert.equal(r.status, 401);
    assert.equal(r.json.errorCode, 'UNAUTHORIZED');
  });
});
