import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { ADMIN, startTestServer, useTestServer, type TestServer } from '../helpers/server.ts';
import { testConfigFile } from '../helpers/config.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { signup } from '../helpers/signup.ts';
import { assertKibo } from '../helpers/kibo.ts';

const MINUTE = 60_000;

/**
 * An impersonation chain ends at a time fixed when it is made (`tokens.impersonationMinutes`, default
 * 60) that no refresh extends; it acts as the shopper for the cart but cannot change the account's
 * credentials or delete it; what is done under it is audited as the impersonating app's.
 * @see issue #13, point 4; CONTRACT.md §4 (impersonatecart)
 */
describe('impersonation tickets', () => {
  const s = useTestServer();

  async function impersonate(server: TestServer = s, admin = s.adminToken, prefix = 'imp') {
    const u = await signup(server, await server.appToken(), prefix);
    const madeAt = server.clock.now().getTime();
    const ticket = await sdkApis(server, { accessToken: admin }).tickets.impersonateCart({
      cartAuthTicketRequest: { cartId: `cart-${prefix}`, accountId: u.accountId, userId: u.ticket.userId },
    });
    return { u, ticket, madeAt };
  }

  const near = (iso: string | undefined, ms: number) =>
    assert.ok(Math.abs(Date.parse(iso!) - ms) < 2000, `${iso} is not ${new Date(ms).toISOString()}`);

  it('ends 60 minutes after it was made, however often it is refreshed', async () => {
    const { ticket, madeAt } = await impersonate();
    const end = madeAt + 60 * MINUTE;
    near(ticket.refreshTokenExpiration, end);
    near(ticket.accessTokenExpiration, madeAt + 15 * MINUTE);
    try {
      s.clock.advanceMinutes(50);
      const admin = sdkApis(s, { accessToken: await s.appToken(ADMIN) }).tickets;
      const r = await admin.refreshUserAuthTicket({ refreshToken: ticket.refreshToken! });
      assert.equal(r.refreshTokenExpiration, ticket.refreshTokenExpiration, 'the end does not move');
      assert.equal(r.accessTokenExpiration, ticket.refreshTokenExpiration, 'access is capped at the end');
      assert.ok(decodeJwt(r.jwtAccessToken!).exp! * 1000 <= Date.parse(ticket.refreshTokenExpiration!));
      s.clock.advanceMinutes(11);
      const late = sdkApis(s, { accessToken: await s.appToken(ADMIN) }).tickets;
      const e = await sdkError(() => late.refreshUserAuthTicket({ refreshToken: r.refreshToken! }));
      assert.deepEqual([e.status, e.errorCode], [401, 'UNAUTHORIZED']);
      // neither token of the chain is accepted past the end
      const jwt = await sdkError(() => sdkApis(s, { accessToken: r.jwtAccessToken! }).accounts.getCurrentAccount({}));
      assert.equal(jwt.status, 401);
      const opaque = await sdkError(() =>
        sdkApis(s, { userClaims: r.accessToken!, appClaims: s.adminToken }).accounts.getCurrentAccount({}),
      );
      assert.equal(opaque.status, 401);
    } finally {
      s.clock.advanceMinutes(-61);
    }
  });

  it('ends when the tenant says (tokens.impersonationMinutes), with access tokens capped at the end', async () => {
    const cfg = testConfigFile();
    cfg.tenants[0].tokens = { impersonationMinutes: 20 };
    const s2 = await startTestServer({ configFile: cfg });
    try {
      const admin = await s2.appToken(ADMIN);
      const { ticket, madeAt } = await impersonate(s2, admin, 'imptenant');
      near(ticket.refreshTokenExpiration, madeAt + 20 * MINUTE);
      near(ticket.accessTokenExpiration, madeAt + 15 * MINUTE);
      s2.clock.advanceMinutes(16);
      const refresh = (refreshToken: string) =>
        sdkApis(s2, { accessToken: admin }).tickets.refreshUserAuthTicket({ refreshToken });
      const r = await refresh(ticket.refreshToken!);
      assert.equal(r.accessTokenExpiration, ticket.refreshTokenExpiration);
      assert.equal(r.refreshTokenExpiration, ticket.refreshTokenExpiration);
      s2.clock.advanceMinutes(5);
      const e = await sdkError(() => refresh(r.refreshToken!));
      assert.deepEqual([e.status, e.errorCode], [401, 'UNAUTHORIZED']);
      // a chain that is not an impersonation has no such end
      const guest = await sdkApis(s2, { accessToken: admin }).tickets.createAnonymousShopperAuthTicket({});
      assert.ok(Date.parse(guest.refreshTokenExpiration!) - s2.clock.now().getTime() > 24 * 60 * MINUTE);
    } finally {
      await s2.close();
    }
  });

  it('acts as the shopper but cannot change the password, email or user name, nor delete the account', async () => {
    const { u, ticket } = await impersonate(s, s.adminToken, 'impcred');
    const credentials = {
      'impersonation JWT as Bearer': { accessToken: ticket.jwtAccessToken! },
      'opaque ticket with the storefront app': { userClaims: ticket.accessToken!, appClaims: s.storefrontToken },
      'JWT with the admin app': { userClaims: ticket.jwtAccessToken!, appClaims: s.adminToken },
    };
    for (const [name, creds] of Object.entries(credentials)) {
      const { accounts } = sdkApis(s, creds);
      assert.equal((await accounts.getCurrentAccount({})).id, u.accountId, name);
      const pw = await sdkError(() =>
        accounts.changePassword({
          accountId: u.accountId,
          customerPasswordInfo: { oldPassword: u.password, newPassword: 'Taken-over-passw0rd' },
        }),
      );
      assert.deepEqual([pw.status, pw.errorCode], [403, 'FORBIDDEN'], name);
      const put = await sdkError(() =>
        accounts.updateAccount({
          accountId: u.accountId,
          customerAccount: { emailAddress: `taken-${u.email}`, userName: `taken-${u.userName}` },
        }),
      );
      assert.deepEqual([put.status, put.errorCode], [403, 'FORBIDDEN'], name);
      const del = await sdkError(() => accounts.deleteAccount({ accountId: u.accountId }));
      assert.deepEqual([del.status, del.errorCode], [403, 'FORBIDDEN'], name);
    }
    const after = await sdkApis(s, { accessToken: s.adminToken }).accounts.getAccount({ accountId: u.accountId });
    assert.equal(after.emailAddress, u.email);
    assert.equal(after.userName, u.userName);
    await sdkApis(s, { accessToken: s.storefrontToken }).tickets.createUserAuthTicket({
      customerUserAuthInfo: { username: u.email, password: u.password },
    });
    // the admin app's own credential, without the ticket, still may
    const ok = await s.request('POST', `/api/commerce/customer/accounts/${u.accountId}/Change-Password`, {
      headers: { authorization: `Bearer ${s.adminToken}` },
      body: { newPassword: 'Admin-set-passw0rd' },
    });
    assert.equal(ok.status, 200, ok.text);
  });

  it('names the impersonating app in every audit entry written under it', async () => {
    const { u, ticket } = await impersonate(s, s.adminToken, 'impaudit');
    const admin = sdkApis(s, { accessToken: s.adminToken });
    // a login sent with the impersonation ticket as user claims
    await sdkApis(s, { userClaims: ticket.jwtAccessToken!, appClaims: s.storefrontToken }).tickets.createUserAuthTicket(
      {
        customerUserAuthInfo: { username: u.email, password: u.password },
      },
    );
    // a refresh, then the spent token again (reuse), on a second impersonation chain
    const second = await admin.tickets.impersonateCart({
      cartAuthTicketRequest: { cartId: 'cart-impaudit2', accountId: u.accountId, userId: u.ticket.userId },
    });
    await admin.tickets.refreshUserAuthTicket({ refreshToken: second.refreshToken! });
    await sdkError(() => admin.tickets.refreshUserAuthTicket({ refreshToken: second.refreshToken! }));
    // logout of the first chain, by the storefront app
    const out = await s.request(
      'DELETE',
      `/api/commerce/customer/authtickets?refreshToken=${encodeURIComponent(ticket.refreshToken!)}`,
      { headers: { authorization: `Bearer ${s.storefrontToken}` } },
    );
    assert.equal(out.status, 204, out.text);
    const page = await admin.accounts.getAccountAuditLog({
      accountId: u.accountId,
      pageSize: 200,
      sortBy: 'entryDate asc',
    });
    const entries = (page.items ?? []).map(
      (e) => `${e.description}:${(e as { detail?: Record<string, unknown> }).detail?.impersonatedBy ?? '-'}`,
    );
    assert.deepEqual(entries.sort(), [
      'account.created:-',
      'impersonation:admin',
      'impersonation:admin',
      'login.succeeded:-', // the shopper's own sign-up
      'login.succeeded:admin',
      'logout:admin',
      'refresh.reuse_detected:admin',
    ]);
  });

  /**
   * Nobody acts as a deactivated account: impersonatecart answers 403 and makes nothing. An admin
   * lock is no bar (support may still act for a locked shopper).
   * @see src/domain/accounts/active.ts, src/domain/tickets/service.ts (impersonate)
   */
  it('refuses to impersonate a deactivated account with 403, making no chain and no audit entry', async () => {
    const u = await signup(s, await s.appToken(), 'impoff');
    const admin = sdkApis(s, { accessToken: s.adminToken });
    const setActive = async (isActive: boolean) =>
      admin.accounts.updateAccount({
        accountId: u.accountId,
        customerAccount: { ...(await admin.accounts.getAccount({ accountId: u.accountId })), isActive },
      });
    const impersonateCart = () =>
      admin.tickets.impersonateCart({
        cartAuthTicketRequest: { cartId: 'cart-impoff', accountId: u.accountId, userId: u.ticket.userId },
      });
    const made = () =>
      s.store.db
        .selectFrom('sessions')
        .select('id')
        .where('account_id', '=', u.accountId)
        .where('impersonated_by', 'is not', null)
        .execute();
    await setActive(false);
    const e = await sdkError(impersonateCart);
    assert.deepEqual([e.status, e.errorCode], [403, 'FORBIDDEN']);
    assert.equal(e.message, 'The account is deactivated: it cannot be impersonated until it is activated again');
    assert.equal((await made()).length, 0, 'no chain');
    const audited = await s.store.db
      .selectFrom('auth_events')
      .select('id')
      .where('account_id', '=', u.accountId)
      .where('type', '=', 'impersonation')
      .execute();
    assert.equal(audited.length, 0, 'no audit entry');

    await setActive(true);
    await admin.accounts.setLoginLocked({ accountId: u.accountId, body: true });
    const ticket = await impersonateCart();
    assert.ok(ticket.jwtAccessToken, 'a locked, active account is impersonated');
    assert.equal((await made()).length, 1);
  });

  /**
   * A user id sent without an account id is looked up: a registered shopper's makes their account's
   * ticket (the JWT names the account), so the account's rules hold — a deactivated one is refused.
   * A user id nobody has is a guest's cart, as before.
   */
  it("treats a registered shopper's user id sent alone as their account", async () => {
    const u = await signup(s, await s.appToken(), 'impuid');
    const admin = sdkApis(s, { accessToken: s.adminToken });
    const byUserId = (userId: string) =>
      admin.tickets.impersonateCart({ cartAuthTicketRequest: { cartId: 'cart-impuid', userId } });
    const ticket = await byUserId(u.ticket.userId!);
    const claims = decodeJwt(ticket.jwtAccessToken!);
    assert.equal(claims.accountId, u.accountId, "the ticket is the account's");
    assert.equal(claims.anonymous, false);

    await admin.accounts.updateAccount({
      accountId: u.accountId,
      customerAccount: { ...(await admin.accounts.getAccount({ accountId: u.accountId })), isActive: false },
    });
    const e = await sdkError(() => byUserId(u.ticket.userId!));
    assert.deepEqual([e.status, e.errorCode], [403, 'FORBIDDEN']);

    const guest = await byUserId('0123456789abcdef0123456789abcdef');
    const g = decodeJwt(guest.jwtAccessToken!);
    assert.equal(g.anonymous, true);
    assert.equal(g.sub, '0123456789abcdef0123456789abcdef');
    assert.equal(g.accountId, undefined);
  });

  it('answers an expired impersonation refresh with a Kibo error, never a 500', async () => {
    const { ticket } = await impersonate(s, s.adminToken, 'impkibo');
    try {
      s.clock.advanceMinutes(61);
      const r = await s.request(
        'PUT',
        `/api/commerce/customer/authtickets/refresh?refreshToken=${encodeURIComponent(ticket.refreshToken!)}`,
        { headers: { authorization: `Bearer ${await s.appToken(ADMIN)}` } },
      );
      assertKibo(r, 401, 'UNAUTHORIZED');
    } finally {
      s.clock.advanceMinutes(-61);
    }
  });
});
