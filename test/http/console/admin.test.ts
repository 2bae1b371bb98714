import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../../helpers/server.ts';
import { createOperator, operatorAdminFor } from '../../helpers/operators.ts';
import { ConsoleVisitor } from '../../helpers/console-visitor.ts';

const ADMIN_PASSWORD = 'admin-password-1';
/** Every admin page and form target, as a support operator might try them. */
const ADMIN_GETS = [
  '/console/admin/apps',
  '/console/admin/apps/new',
  '/console/admin/apps/storefront/behaviors',
  '/console/admin/apps/storefront/rotate-secret',
  '/console/admin/apps/storefront/delete',
  '/console/admin/keys',
  '/console/admin/keys/rotate',
  '/console/admin/keys/some-kid/retire',
  '/console/admin/operators',
  '/console/admin/operators/new',
  '/console/admin/operators/1/disable',
  '/console/admin/operators/1/enable',
  '/console/admin/operators/1/reset-password',
];
const ADMIN_POSTS = [
  '/console/admin/apps',
  '/console/admin/apps/storefront/behaviors',
  '/console/admin/apps/storefront/rotate-secret',
  '/console/admin/apps/storefront/delete',
  '/console/admin/keys/rotate',
  '/console/admin/keys/some-kid/retire',
  '/console/admin/operators',
  '/console/admin/operators/1/disable',
  '/console/admin/operators/1/enable',
  '/console/admin/operators/1/reset-password',
];

/**
 * Issue #18, the console's admin pages over HTTP: role `admin` only, CSRF on every change, secrets
 * shown once and working, key rotation published, operators made and managed, the tenant's scope,
 * and every change an `admin.*` audit event naming the operator.
 * @see src/http/console/admin-apps.ts, admin-keys.ts, admin-operators.ts
 */
describe(`console admin pages (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  const s = useTestServer();
  const admin = new ConsoleVisitor(s);
  let firstSecret = '';
  const adminEvents = (type: string) =>
    s.store.db
      .selectFrom('auth_events')
      .select(['actor', 'account_id', 'tenant_id', 'detail'])
      .where('type', '=', type)
      .execute();

  before(async () => {
    await createOperator(s, { email: 'root@example.com', role: 'admin', password: ADMIN_PASSWORD });
    assert.equal((await admin.signIn('root@example.com', ADMIN_PASSWORD)).status, 303);
  });

  it('answers a support operator 403 on every admin route, and shows them no admin link', async () => {
    await createOperator(s, { email: 'helper@example.com', role: 'support', password: 'support-pass-12' });
    const support = new ConsoleVisitor(s);
    await support.signIn('helper@example.com', 'support-pass-12');
    const home = await support.fetch('/console/accounts');
    assert.equal(home.status, 200);
    assert.doesNotMatch(home.html, /\/console\/admin\//);
    assert.match(home.html, /href="\/console\/dashboard"/);
    const csrf = await support.csrf();
    for (const path of ADMIN_GETS) {
      const r = await support.fetch(path);
      assert.equal(r.status, 403, `GET ${path}`);
      assert.match(r.html, /for console administrators only/);
    }
    for (const path of ADMIN_POSTS) {
      const r = await support.fetch(path, { _csrf: csrf, clientId: 'sneaky', email: 'x@example.com', role: 'admin' });
      assert.equal(r.status, 403, `POST ${path}`);
    }
    assert.doesNotMatch((await admin.fetch('/console/admin/apps')).html, /sneaky/);
    // And the admin sees the links.
    assert.match((await admin.fetch('/console/accounts')).html, /href="\/console\/admin\/apps"/);
  });

  it('refuses a change without the CSRF token (403) and changes nothing', async () => {
    const r = await admin.fetch('/console/admin/apps', { clientId: 'no-csrf-app' });
    assert.equal(r.status, 403);
    assert.match(r.html, /did not come from this console/);
    const list = await admin.fetch('/console/admin/apps');
    assert.doesNotMatch(list.html, /no-csrf-app/);
    const wrong = await admin.fetch('/console/admin/keys/rotate', { _csrf: 'forged' });
    assert.equal(wrong.status, 403);
  });

  it('creates an app: the secret is shown once, not cached, and gets an app token on the API', async () => {
    const r = await admin.submit('/console/admin/apps/new', '/console/admin/apps', {
      clientId: 'shop-web',
      'customer:manage-accounts': 'on',
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('cache-control') ?? '', /no-store/);
    const secret = /data-secret="client_secret">([^<]+)</.exec(r.html)?.[1];
    assert.ok(secret, 'the secret is on the result page');
    const token = await s.appToken({ clientId: 'shop-web', clientSecret: secret });
    assert.ok(token.length > 20);
    firstSecret = secret;

    const list = await admin.fetch('/console/admin/apps');
    assert.match(list.html, /shop-web/);
    assert.ok(!list.html.includes(secret), 'the list never shows the secret');
    assert.match(list.html, /customer:manage-accounts/);
    // The config-file apps are listed, marked read-only, with no action on them.
    assert.match(list.html, /storefront<\/td>\s*<td>[^<]*<\/td>\s*<td>CONFIG_FILE <span class="tag">read-only/);
    assert.equal((await admin.fetch('/console/admin/apps/storefront/delete')).status, 409);
    // Another tenant's app does not exist for this admin.
    assert.doesNotMatch(list.html, /tenant2-app/);
    assert.equal((await admin.fetch('/console/admin/apps/tenant2-app/rotate-secret')).status, 404);

    const [event] = await adminEvents('admin.app_created');
    assert.equal(event.actor, 'root@example.com');
    assert.equal(event.account_id, null);
    assert.equal(event.tenant_id, 1);
    assert.deepEqual(event.detail, { app: 'shop-web', behaviors: ['customer:manage-accounts'] });
    assert.ok(!JSON.stringify(event).includes(secret));
  });

  it('answers a bad or taken client id on the form, not with a 500', async () => {
    const bad = await admin.submit('/console/admin/apps/new', '/console/admin/apps', { clientId: 'has space' });
    assert.equal(bad.status, 400);
    assert.match(bad.html, /role="alert">The client id must be/);
    const taken = await admin.submit('/console/admin/apps/new', '/console/admin/apps', { clientId: 'shop-web' });
    assert.equal(taken.status, 409);
    assert.match(taken.html, /exists already/);
  });

  it('sets behaviors, rotates the secret (the old one stops working) and deletes, each confirmed', async () => {
    const saved = await admin.submit(
      '/console/admin/apps/shop-web/behaviors',
      '/console/admin/apps/shop-web/behaviors',
      {
        'customer-auth:impersonate-cart': 'on',
      },
    );
    assert.equal(saved.status, 303);
    assert.match((await admin.fetch('/console/admin/apps')).html, /customer-auth:impersonate-cart/);

    const confirm = await admin.fetch('/console/admin/apps/shop-web/rotate-secret');
    assert.match(confirm.html, /Confirm: Rotate the secret/);
    const rotated = await admin.submit(
      '/console/admin/apps/shop-web/rotate-secret',
      '/console/admin/apps/shop-web/rotate-secret',
    );
    const secret = /data-secret="client_secret">([^<]+)</.exec(rotated.html)?.[1];
    assert.ok(secret);
    assert.ok(await s.appToken({ clientId: 'shop-web', clientSecret: secret }));
    assert.ok(firstSecret && firstSecret !== secret);
    await assert.rejects(s.appToken({ clientId: 'shop-web', clientSecret: firstSecret }), /401/);

    const deleted = await admin.submit('/console/admin/apps/shop-web/delete', '/console/admin/apps/shop-web/delete');
    assert.equal(deleted.status, 303);
    await assert.rejects(s.appToken({ clientId: 'shop-web', clientSecret: secret }), /401/);
    for (const type of ['admin.app_behaviors_set', 'admin.app_secret_rotated', 'admin.app_deleted'])
      assert.equal((await adminEvents(type))[0]?.actor, 'root@example.com', type);
  });

  it('rotates the signing key: the new kid is published in /.well-known/jwks.json', async () => {
    const before = (await s.request('GET', '/.well-known/jwks.json')).json.keys.map((k: { kid: string }) => k.kid);
    const r = await admin.submit('/console/admin/keys/rotate', '/console/admin/keys/rotate');
    assert.equal(r.status, 303);
    const kid = new URL(r.location!, s.url).searchParams.get('kid')!;
    assert.ok(!before.includes(kid));
    const after = (await s.request('GET', '/.well-known/jwks.json')).json.keys.map((k: { kid: string }) => k.kid);
    assert.ok(after.includes(kid), 'the new kid is published');
    const page = await admin.fetch(r.location!);
    assert.match(page.html, new RegExp(`New key ${kid} made`));
    assert.match(page.html, /next \(published, not signing yet\)/);
    assert.deepEqual((await adminEvents('admin.key_rotated'))[0].detail, { kid, now: false });

    // Retiring the only signing key is refused on a page, not with a 500.
    const active = /<code>([^<]+)<\/code><\/td>\s*<td>active/.exec(page.html)![1];
    const refused = await admin.submit(`/console/admin/keys/${active}/retire`, `/console/admin/keys/${active}/retire`);
    assert.equal(refused.status, 409);
    // The new key, once signing at once, lets the old one retire.
    await admin.submit('/console/admin/keys/rotate', '/console/admin/keys/rotate', { now: 'on' });
    const retired = await admin.submit(`/console/admin/keys/${active}/retire`, `/console/admin/keys/${active}/retire`);
    assert.equal(retired.status, 303);
    assert.match((await admin.fetch(retired.location!)).html, new RegExp(`${active}</code></td>\\s*<td>retired`));
  });

  it('creates an operator who can sign in; disables, enables, resets the password; never itself', async () => {
    const created = await admin.submit('/console/admin/operators/new', '/console/admin/operators', {
      email: 'New.Helper@Example.com',
      role: 'support',
    });
    assert.equal(created.status, 200);
    const password = /data-secret="Password">([^<]+)</.exec(created.html)?.[1];
    assert.ok(password);
    const newcomer = new ConsoleVisitor(s);
    assert.equal((await newcomer.signIn('new.helper@example.com', password)).location, '/console/accounts');
    assert.deepEqual((await adminEvents('admin.operator_created'))[0].detail, {
      operator: 'new.helper@example.com',
      role: 'support',
    });

    const ops = await operatorAdminFor(s).list();
    const id = ops.find((o) => o.email === 'new.helper@example.com')!.id;
    const me = ops.find((o) => o.email === 'root@example.com')!.id;
    const list = await admin.fetch('/console/admin/operators');
    assert.ok(!list.html.includes(`/console/admin/operators/${me}/disable`), 'no Disable link for oneself');
    assert.equal(
      (await admin.submit(`/console/admin/operators/${me}/disable`, `/console/admin/operators/${me}/disable`)).status,
      403,
    );

    assert.equal(
      (await admin.submit(`/console/admin/operators/${id}/disable`, `/console/admin/operators/${id}/disable`)).status,
      303,
    );
    // Their session ended, and they cannot sign in again.
    assert.equal((await newcomer.fetch('/console/accounts')).status, 303);
    assert.notEqual((await new ConsoleVisitor(s).signIn('new.helper@example.com', password)).status, 303);
    await admin.submit(`/console/admin/operators/${id}/enable`, `/console/admin/operators/${id}/enable`);

    const reset = await admin.submit(
      `/console/admin/operators/${id}/reset-password`,
      `/console/admin/operators/${id}/reset-password`,
    );
    const fresh = /data-secret="Password">([^<]+)</.exec(reset.html)?.[1];
    assert.ok(fresh && fresh !== password);
    assert.equal((await new ConsoleVisitor(s).signIn('new.helper@example.com', fresh)).status, 303);
    for (const type of ['admin.operator_disabled', 'admin.operator_enabled', 'admin.operator_password_reset'])
      assert.equal((await adminEvents(type))[0]?.actor, 'root@example.com', type);

    const bad = await admin.submit('/console/admin/operators/new', '/console/admin/operators', {
      email: 'not-an-email',
      role: 'support',
    });
    assert.equal(bad.status, 400);
    assert.match(bad.html, /Not an email address/);
  });

  it("keeps an admin to their own tenant's apps and operators", async () => {
    await operatorAdminFor(s).create({
      email: 'boss2@example.com',
      role: 'admin',
      tenantId: 2,
      password: 'tenant-2-admin-pass',
    });
    const other = new ConsoleVisitor(s);
    await other.signIn('boss2@example.com', 'tenant-2-admin-pass');
    const apps = await other.fetch('/console/admin/apps');
    assert.match(apps.html, /tenant2-app/);
    assert.doesNotMatch(apps.html, /storefront<\/td>/);
    const ops = await other.fetch('/console/admin/operators');
    assert.match(ops.html, /boss2@example\.com/);
    assert.doesNotMatch(ops.html, /root@example\.com/);
    const rootId = (await operatorAdminFor(s).list()).find((o) => o.email === 'root@example.com')!.id;
    assert.equal((await other.fetch(`/console/admin/operators/${rootId}/disable`)).status, 404);
    const created = await other.submit('/console/admin/apps/new', '/console/admin/apps', { clientId: 't2-new' });
    assert.equal(created.status, 200);
    assert.match((await other.fetch('/console/admin/apps')).html, /t2-new/);
    assert.doesNotMatch((await admin.fetch('/console/admin/apps')).html, /t2-new/);
  });
});
