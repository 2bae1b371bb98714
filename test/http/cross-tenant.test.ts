import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { useTestServer, ADMIN, STOREFRONT } from '../helpers/server.ts';
import { testConfigFile } from '../helpers/config.ts';
import { login, signup } from '../helpers/signup.ts';
import { newShopper } from '../helpers/sdk.ts';

/**
 * Issue #13, point 1 and the cross-tenant sweep: an app that may manage the accounts of tenant 2
 * may not touch tenant 1's. Account ids are small integers, so every route that takes one is tried
 * with tenant 1's ids by tenant 2's manage-accounts app: each answers 404 and nothing of tenant 1
 * changes — its sessions stay live, its password, lock state, profile and audit log stay as they were.
 * @see src/store/repos/accounts.ts (theAccount), src/store/repos/sessions.ts (revokeAccount)
 */
const TENANT2_ADMIN = { clientId: 'tenant2-admin', clientSecret: 'tenant2-admin-secret' };
const base = '/api/commerce/customer/accounts';
const T2 = { 'x-vol-tenant': '2', 'x-vol-site': '21' };

/** Every route of the OpenAPI document that names an account, with a body that would change it. */
function sweep(ids: { withLogin: number; withoutLogin: number; contactId?: number }) {
  const u = newShopper('xt');
  const contact = {
    email: u.email,
    firstName: 'Mallory',
    address: { address1: '1 Main St', cityOrTown: 'Springfield', postalOrZipCode: '12345', countryCode: 'us' },
    types: [{ name: 'Shipping', isPrimary: true }],
  };
  const contacts = `${base}/{accountId}/contacts`;
  const attributes = `${base}/{accountId}/attributes`;
  const contactId = String(ids.contactId ?? 1);
  const fqn = 'tenant~nickname';
  const attribute = { fullyQualifiedName: fqn, values: ['Mallory'] };
  return [
    { method: 'GET', route: contacts, id: ids.withLogin },
    { method: 'POST', route: contacts, id: ids.withLogin, body: contact },
    { method: 'PUT', route: contacts, id: ids.withLogin, body: [contact] },
    { method: 'GET', route: `${contacts}/{contactId}`, id: ids.withLogin, sub: contactId },
    { method: 'PUT', route: `${contacts}/{contactId}`, id: ids.withLogin, sub: contactId, body: contact },
    { method: 'DELETE', route: `${contacts}/{contactId}`, id: ids.withLogin, sub: contactId },
    { method: 'GET', route: attributes, id: ids.withLogin },
    {
      method: 'POST',
      route: attributes,
      id: ids.withLogin,
      body: { fullyQualifiedName: 'tenant~colour', values: ['x'] },
    },
    { method: 'GET', route: `${attributes}/{attributeFQN}`, id: ids.withLogin, sub: fqn },
    { method: 'PUT', route: `${attributes}/{attributeFQN}`, id: ids.withLogin, sub: fqn, body: attribute },
    { method: 'DELETE', route: `${attributes}/{attributeFQN}`, id: ids.withLogin, sub: fqn },
    { method: 'GET', route: `${base}/{accountId}`, id: ids.withLogin },
    {
      method: 'PUT',
      route: `${base}/{accountId}`,
      id: ids.withLogin,
      body: { emailAddress: u.email, isActive: false },
    },
    { method: 'DELETE', route: `${base}/{accountId}`, id: ids.withLogin },
    {
      method: 'POST',
      route: `${base}/{accountId}/Create-Login`,
      id: ids.withoutLogin,
      body: { emailAddress: u.email, username: u.email, password: u.password },
    },
    { method: 'GET', route: `${base}/{accountId}/loginstate`, id: ids.withLogin },
    { method: 'POST', route: `${base}/{accountId}/Set-Login-Locked`, id: ids.withLogin, body: true },
    { method: 'POST', route: `${base}/{accountId}/Set-Password-Change-Required`, id: ids.withLogin, body: true },
    {
      method: 'POST',
      route: `${base}/{accountId}/Change-Password`,
      query: '?unlockAccount=true',
      id: ids.withLogin,
      body: { newPassword: u.password },
    },
    { method: 'GET', route: `${base}/{accountId}/AuditLog/Entries`, id: ids.withLogin },
  ];
}

/** The request path of a sweep entry: its account id, and its contact id or attribute name. */
function pathOf(r: { route: string; id: number; sub?: string; query?: string }): string {
  const sub = r.sub ?? '';
  const path = r.route
    .replace('{accountId}', String(r.id))
    .replace('{contactId}', sub)
    .replace('{attributeFQN}', encodeURIComponent(sub));
  return path + (r.query ?? '');
}

describe('cross-tenant sweep: tenant 2 manage-accounts app on tenant 1 account ids', () => {
  // Unseeded: the sweep compares tenant 1's accounts before and after, so no shopper of the fixture's.
  const s = useTestServer(() => {
    const file = testConfigFile();
    // Both tenants define the attributes, so tenant 2's calls are valid but for the account's scope.
    for (const t of file.tenants) {
      t.attributeDefinitions = [
        { attributeCode: 'nickname', dataType: 'String' },
        { attributeCode: 'colour', dataType: 'String' },
      ];
    }
    file.apps = [
      ...file.apps,
      {
        ...TENANT2_ADMIN,
        tenantId: 2,
        behaviors: ['customer:manage-accounts', 'customer-auth:impersonate-cart'],
      },
    ];
    return { configFile: file, seed: false };
  });

  /** What of tenant 1 a cross-tenant call could change. */
  async function tenant1State() {
    const accounts = await sql<Record<string, unknown>>`
      select id, password_hash, is_locked, locked_until, password_change_required, profile::text as profile, email,
        updated_at, last_password_change_at from accounts where tenant_id = 1 order by id`.execute(s.store.db);
    const sessions = await sql<Record<string, unknown>>`
      select id, revoked_at from sessions where tenant_id = 1 order by id`.execute(s.store.db);
    const audit = await sql<Record<string, unknown>>`
      select id, type from auth_events where tenant_id = 1 order by id`.execute(s.store.db);
    return { accounts: accounts.rows, sessions: sessions.rows, audit: audit.rows };
  }

  it('covers every route of the OpenAPI document that takes an account id', async () => {
    const doc = (await s.request('GET', '/api/docs/openapi.json')).json as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths)
      .filter(([p]) => p.includes('{accountId}'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    const swept = sweep({ withLogin: 1, withoutLogin: 1 })
      .map((r) => `${r.method} ${r.route}`)
      .sort();
    assert.deepEqual(swept, documented, 'a new route that takes an account id must join the sweep');
  });

  it('every one answers 404 and changes nothing of tenant 1', async () => {
    const appToken = await s.appToken(STOREFRONT);
    const admin1 = await s.appToken(ADMIN);
    const shopper = await signup(s, appToken, 'xt');
    const second = await login(s, appToken, shopper.email, shopper.password);
    const bare = await s.request('POST', base, {
      headers: { authorization: `Bearer ${admin1}` },
      body: { emailAddress: newShopper('xtbare').email },
    });
    assert.equal(bare.status, 200, bare.text);
    const withoutLogin = bare.json.id as number;

    // tenant 2's app manages its own accounts (so the 404s below are about scope, not about the app)
    const admin2 = await s.appToken(TENANT2_ADMIN);
    const own = await s.request('POST', base, {
      headers: { ...T2, authorization: `Bearer ${admin2}` },
      body: { emailAddress: newShopper('xt2').email },
    });
    assert.equal(own.status, 200, own.text);
    assert.equal(
      (await s.request('GET', `${base}/${own.json.id}`, { headers: { ...T2, authorization: `Bearer ${admin2}` } }))
        .status,
      200,
    );

    // Tenant 1's shopper has a contact and an attribute, so a 404 below can only be the scope's.
    const admin1Headers = { authorization: `Bearer ${admin1}` };
    const added = await s.request('POST', `${base}/${shopper.accountId}/contacts`, {
      headers: admin1Headers,
      body: {
        email: shopper.email,
        address: {
          address1: '12 St James Square',
          cityOrTown: 'London',
          postalOrZipCode: 'SW1Y 4JH',
          countryCode: 'gb',
        },
        types: [{ name: 'Shipping', isPrimary: true }],
      },
    });
    assert.equal(added.status, 200, added.text);
    const attr = await s.request('POST', `${base}/${shopper.accountId}/attributes`, {
      headers: admin1Headers,
      body: { fullyQualifiedName: 'tenant~nickname', values: ['Ada'] },
    });
    assert.equal(attr.status, 200, attr.text);

    const before = await tenant1State();
    assert.equal(before.sessions.length, 2);
    for (const r of sweep({ withLogin: shopper.accountId, withoutLogin, contactId: added.json.id })) {
      const path = pathOf(r);
      const res = await s.request(r.method, path, {
        headers: { ...T2, authorization: `Bearer ${admin2}` },
        body: r.body,
      });
      assert.equal(res.status, 404, `${r.method} ${r.route}: ${res.text}`);
      assert.equal(res.json.errorCode, 'ITEM_NOT_FOUND', `${r.method} ${r.route}`);
      assert.deepEqual(await tenant1State(), before, `${r.method} ${r.route} changed tenant 1`);
    }
    // impersonation names the account in its body
    const imp = await s.request('POST', '/api/commerce/customer/authtickets/impersonatecart', {
      headers: { ...T2, authorization: `Bearer ${admin2}` },
      body: { cartId: 'cart-1', accountId: shopper.accountId },
    });
    assert.equal(imp.status, 404, imp.text);
    assert.deepEqual(await tenant1State(), before);
    // the bulk password change names accounts in its body: each of tenant 1's fails on its own
    const bulk = await s.request('POST', `${base}/Change-Passwords`, {
      headers: { ...T2, authorization: `Bearer ${admin2}` },
      body: {
        items: [shopper.accountId, withoutLogin].map((accountId) => ({
          accountId,
          passwordInfo: { newPassword: 'Mallory-was-here-1' },
        })),
      },
    });
    assert.equal(bulk.status, 200, bulk.text);
    assert.deepEqual(
      bulk.json.items.map((r: { succeeded: boolean }) => r.succeeded),
      [false, false],
    );
    assert.deepEqual(await tenant1State(), before, 'Change-Passwords changed tenant 1');

    // tenant 1's shopper is still logged in, with both sessions, and the password still works
    const current = await s.request('GET', `${base}/current`, {
      headers: { authorization: `Bearer ${shopper.ticket.jwtAccessToken}` },
    });
    assert.equal(current.status, 200, current.text);
    const refreshed = await s.request(
      'PUT',
      `/api/commerce/customer/authtickets/refresh?refreshToken=${encodeURIComponent(second.refreshToken!)}`,
      { headers: { authorization: `Bearer ${appToken}` } },
    );
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.ok((await login(s, appToken, shopper.email, shopper.password)).accessToken);
  });

  it("the same calls with tenant 1 named in the headers are refused: the app's token is tenant 2's", async () => {
    const appToken = await s.appToken(STOREFRONT);
    const shopper = await signup(s, appToken, 'xth');
    const admin2 = await s.appToken(TENANT2_ADMIN);
    const before = await tenant1State();
    for (const r of sweep({ withLogin: shopper.accountId, withoutLogin: shopper.accountId })) {
      const path = pathOf(r);
      const res = await s.request(r.method, path, { headers: { authorization: `Bearer ${admin2}` }, body: r.body });
      assert.equal(res.status, 401, `${r.method} ${r.route}: ${res.text}`);
    }
    assert.deepEqual(await tenant1State(), before);
  });
});
