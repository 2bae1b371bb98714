import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../helpers/server.ts';
import { newShopper, sdkApis, sdkError } from '../helpers/sdk.ts';
import { login, signup } from '../helpers/signup.ts';
import { assertKibo } from '../helpers/kibo.ts';

describe('bulk admin account routes through the official SDK', () => {
  const s = useTestServer();

  const admin = () => sdkApis(s, { accessToken: s.adminToken }).accounts;

  it('adds many accounts, each on its own: a bad item fails alone and is reported by its index', async () => {
    const taken = await signup(s, s.storefrontToken, 'taken');
    const a = newShopper('bulka');
    const b = newShopper('bulkb');
    const c = newShopper('bulkc');
    const result = await admin().addAccounts({
      customerAccountAndAuthInfo: [
        { account: { emailAddress: a.email, firstName: 'A' }, password: a.password },
        { account: { emailAddress: taken.email }, password: 'Passw0rd-taken' },
        { account: { emailAddress: b.email }, password: 'short' },
        { account: { emailAddress: c.email, firstName: 'C' } },
        { account: { emailAddress: b.email, userName: 'bee' }, password: b.password },
      ],
    });
    assert.equal(result.totalCount, 3);
    assert.deepEqual(
      result.items?.map((x) => x.emailAddress),
      [a.email, c.email, b.email],
    );
    assert.ok(result.items?.every((x) => Number.isInteger(x.id) && x.customerSet === 'default'));
    const errors = (result as unknown as { errors: { index: number; errorCode: string }[] }).errors;
    assert.deepEqual(
      errors.map((e) => [e.index, e.errorCode]),
      [
        [1, 'VALIDATION_CONFLICT'],
        [2, 'MISSING_OR_INVALID_PARAMETER'],
      ],
    );
    // the accounts with a password can log in; the one without has no login yet
    assert.ok((await login(s, s.storefrontToken, a.email, a.password)).jwtAccessToken);
    assert.ok((await login(s, s.storefrontToken, 'bee', b.password)).jwtAccessToken);
    assert.equal((await sdkError(() => login(s, s.storefrontToken, c.email, 'Passw0rd-none'))).status, 401);
    const events = await s.store.db
      .selectFrom('auth_events')
      .select('type')
      .where('type', '=', 'account.created')
      .where(
        'account_id',
        'in',
        result.items!.map((x) => x.id!),
      )
      .execute();
    assert.equal(events.length, 3);
  });

  it('changes many passwords with one result per item', async () => {
    const x = await signup(s, s.storefrontToken, 'cpx');
    const y = await signup(s, s.storefrontToken, 'cpy');
    const result = await admin().changePasswords({
      accountPasswordInfoCollection: {
        totalCount: 4,
        items: [
          { accountId: x.accountId, passwordInfo: { newPassword: 'Brand-new-passw0rd' } },
          { accountId: y.accountId, passwordInfo: { newPassword: 'weak' } },
          { accountId: 2_000_000_000, passwordInfo: { newPassword: 'Brand-new-passw0rd' } },
          { accountId: y.accountId, userId: 'someone-else', passwordInfo: { newPassword: 'Brand-new-passw0rd' } },
        ],
      },
    });
    assert.equal(result.totalCount, 4);
    assert.deepEqual(
      result.items?.map((r) => [r.accountId, r.succeeded]),
      [
        [x.accountId, true],
        [y.accountId, false],
        [2_000_000_000, false],
        [y.accountId, false],
      ],
    );
    assert.equal(result.items?.[0].errorMessage, null);
    assert.ok(result.items?.slice(1).every((r) => typeof r.errorMessage === 'string' && r.errorMessage.length > 0));
    assert.ok((await login(s, s.storefrontToken, x.email, 'Brand-new-passw0rd')).jwtAccessToken);
    assert.ok((await login(s, s.storefrontToken, y.email, y.password)).jwtAccessToken, 'failed items change nothing');
    // the change revoked x's earlier login
    const old = await sdkError(() =>
      sdkApis(s, { accessToken: x.ticket.jwtAccessToken! }).accounts.getCurrentAccount({}),
    );
    assert.equal(old.status, 401);
  });

  it('needs manage-accounts: a storefront app or a shopper gets 403', async () => {
    const u = await signup(s, s.storefrontToken, 'bulkshopper');
    for (const api of [
      sdkApis(s, { accessToken: s.storefrontToken }).accounts,
      sdkApis(s, { accessToken: u.ticket.jwtAccessToken! }).accounts,
    ]) {
      const add = await sdkError(() =>
        api.addAccounts({ customerAccountAndAuthInfo: [{ account: { emailAddress: newShopper().email } }] }),
      );
      assert.equal(add.status, 403);
      const change = await sdkError(() =>
        api.changePasswords({
          accountPasswordInfoCollection: {
            items: [{ accountId: u.accountId, passwordInfo: { newPassword: 'Other-passw0rd' } }],
          },
        }),
      );
      assert.equal(change.status, 403);
    }
    assert.ok((await login(s, s.storefrontToken, u.email, u.password)).jwtAccessToken);
  });

  it('answers 404, never 405, for an unknown word under /accounts/', async () => {
    const h = { authorization: `Bearer ${s.adminToken}` };
    for (const [method, path] of [
      ['POST', '/api/commerce/customer/accounts/purchaseOrderAccounts'],
      ['POST', '/api/commerce/customer/accounts/NoSuchThing'],
      ['GET', '/api/commerce/customer/accounts/NoSuchThing'],
      ['GET', '/api/commerce/customer/accounts/12abc'],
      ['DELETE', '/api/commerce/customer/accounts/loginstatebyusernames'],
    ]) {
      const r = await s.request(method, path, {
        headers: h,
        ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }),
      });
      assertKibo(r, 404, 'ITEM_NOT_FOUND');
    }
    // a wrong method on a real route is still 405
    const r = await s.request('PATCH', '/api/commerce/customer/accounts/1', { headers: h, body: {} });
    assertKibo(r, 405, 'METHOD_NOT_ALLOWED');
    assertKibo(
      await s.request('GET', '/api/commerce/customer/accounts/Bulk', { headers: h }),
      405,
      'METHOD_NOT_ALLOWED',
    );
    // and the bulk routes refuse a bad body as a whole
    const empty = await s.request('POST', '/api/commerce/customer/accounts/Bulk', { headers: h, body: [] });
    assertKibo(empty, 400, 'MISSING_OR_INVALID_PARAMETER');
    const doc = (await s.request('GET', '/api/docs/openapi.json')).json;
    assert.ok(doc.paths['/api/commerce/customer/accounts/Bulk'].post);
    assert.ok(doc.paths['/api/commerce/customer/accounts/Change-Passwords'].post);
    assert.ok(
      doc.paths['/api/commerce/customer/accounts/{accountId}'].get,
      'the id pattern does not leak into the document',
    );
  });
});
