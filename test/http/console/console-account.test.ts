import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../../helpers/server.ts';
import { ADMIN, STOREFRONT, testConfigFile } from '../../helpers/config.ts';
import { login, signup } from '../../helpers/signup.ts';
import { startSmtpInbox, type SmtpInbox } from '../../helpers/smtp.ts';
import { createOperator } from '../../helpers/operators.ts';
import { ConsoleVisitor } from '../../helpers/console-visitor.ts';
import { sdkApis } from '../../helpers/sdk.ts';
import { createAccountsRepo } from '../../../src/store/repos/accounts.ts';
import { createAuditRepo } from '../../../src/store/repos/audit.ts';

/**
 * Issue #18, the console's account page over HTTP: contacts, known devices, live sessions (revoke
 * one), the audit log (filtered by type and dates, paged), and the actions "send a reset mail" and
 * "impersonate a cart" — each confirmed, CSRF-checked, audited naming the operator, tenant-scoped.
 * @see src/http/console/accounts.ts, src/domain/operators/support.ts
 */
describe('support console: the account page and its actions', () => {
  let inbox: SmtpInbox;
  const s = useTestServer(async () => {
    inbox = await startSmtpInbox();
    return { env: { SMTP_URL: inbox.url } };
  });
  after(() => inbox.close());
  let v: ConsoleVisitor;
  let foreignId: number;
  const page = (id = s.shopper.accountId, query = '') => `/console/accounts/${id}${query}`;
  const auditBy = (accountId: number, type: string) =>
    s.store.db
      .selectFrom('auth_events')
      .select(['actor', 'client_id', 'detail'])
      .where('account_id', '=', accountId)
      .where('type', '=', type)
      .execute();
  const refresh = (refreshToken: string) =>
    s.request('PUT', `/api/commerce/customer/authtickets/refresh?refreshToken=${encodeURIComponent(refreshToken)}`, {
      headers: { authorization: `Bearer ${s.storefrontToken}` },
    });

  before(async () => {
    await createOperator(s, { email: 'desk@example.com', password: 'operator-pass-1' });
    v = new ConsoleVisitor(s);
    assert.equal((await v.signIn('desk@example.com', 'operator-pass-1')).status, 303);
    const foreign = await createAccountsRepo(s.store.db).insert({
      tenantId: 2,
      customerSet: 'default',
      userId: 'foreign-desk',
      userName: 'foreign-desk',
      email: 'foreign-desk@example.com',
      passwordHash: null,
      profile: {},
      at: s.clock.now(),
      by: null,
    });
    foreignId = foreign.id;
  });

  it('shows contacts, known devices and live sessions; revokes one session, audited', async () => {
    // Sign-up makes its device known.
    const u = await signup(s, s.storefrontToken, { prefix: 'desk-page', device: { fingerprint: 'desk-laptop-1' } });
    const added = await s.request('POST', `/api/commerce/customer/accounts/${u.accountId}/contacts`, {
      headers: { authorization: `Bearer ${s.adminToken}` },
      body: {
        email: 'billing-desk@example.com',
        firstName: 'Grace',
        lastNameOrSurname: 'Hopper',
        types: [{ name: 'Billing', isPrimary: true }],
        address: { address1: '1 Harbour St', cityOrTown: 'Arlington', postalOrZipCode: '22201', countryCode: 'US' },
      },
    });
    assert.equal(added.status, 200, added.text);
    const device = await s.store.db
      .selectFrom('known_devices')
      .select('fingerprint_hash')
      .where('account_id', '=', u.accountId)
      .executeTakeFirstOrThrow();
    const other = await login(s, s.storefrontToken, u.email, u.password);

    const shown = await v.fetch(page(u.accountId));
    assert.equal(shown.status, 200);
    assert.ok(shown.html.includes('Grace Hopper'), 'the contact is listed');
    assert.ok(shown.html.includes('1 Harbour St, Arlington, 22201, US'));
    assert.ok(shown.html.includes('Billing (primary)'));
    assert.ok(
      shown.html.includes(`<code>${device.fingerprint_hash.slice(0, 12)}</code>`),
      'the device, by the start of its hash',
    );
    const sids = [...shown.html.matchAll(/\/sessions\/([0-9a-f-]{36})\/revoke/g)].map((m) => m[1]);
    assert.equal(sids.length, 2, 'both live sessions are listed');

    // The newest session is listed first: the second login.
    const r = await v.submit(
      page(u.accountId, `/sessions/${sids[0]}/revoke`),
      page(u.accountId, `/sessions/${sids[0]}/revoke`),
      {},
    );
    assert.equal(r.status, 303);
    assert.equal(r.location, page(u.accountId, '?done=revoke-session'));
    assert.equal((await refresh(other.refreshToken!)).status, 401, 'the revoked session ends');
    assert.equal((await refresh(u.ticket.refreshToken!)).status, 200, 'the other one lives on');
    const [event] = await auditBy(u.accountId, 'sessions.revoked');
    assert.equal(event.actor, 'desk@example.com');
    assert.deepEqual(event.detail, { revokedSessions: 1, sessionId: sids[0] });

    const again = await v.submit(page(u.accountId), page(u.accountId, `/sessions/${sids[0]}/revoke`), {});
    assert.equal(again.status, 404, 'an ended session cannot be revoked again');
    const notTheirs = await v.submit(page(), page(s.shopper.accountId, `/sessions/${sids[1]}/revoke`), {});
    assert.equal(notTheirs.status, 404, "another account's session is not this account's");
    assert.equal((await v.fetch(page(u.accountId, '/sessions/not-a-uuid/revoke'))).status, 400);
  });

  it('sends the shopper a reset mail that arrives, audited with the operator', async () => {
    const u = await signup(s, s.storefrontToken, 'desk-reset');
    const confirm = await v.fetch(page(u.accountId, '/send-reset-mail'));
    assert.match(confirm.html, /Confirm: Send a reset mail/);
    const r = await v.submit(page(u.accountId, '/send-reset-mail'), page(u.accountId, '/send-reset-mail'), {});
    assert.equal(r.location, page(u.accountId, '?done=send-reset-mail'));
    const mail = await inbox.next(u.email);
    assert.match(mail.raw, /reset/i);
    await s.services.passwordReset.idle();
    assert.deepEqual(
      (await auditBy(u.accountId, 'password.reset_requested')).map((e) => e.actor),
      ['desk@example.com'],
    );
  });

  it('impersonates a cart: the ticket is shown once, not cached, with its end; it works on the API', async () => {
    const u = await signup(s, s.storefrontToken, 'desk-imp');
    const form = await v.fetch(page(u.accountId, '/impersonate'));
    assert.match(form.html, /<label for="cartId">Cart id<\/label>/);
    // Only the tenant's apps with customer-auth:impersonate-cart are offered.
    assert.deepEqual(
      [...form.html.matchAll(/<option value="([^"]+)">/g)].map((m) => m[1]),
      [ADMIN.clientId],
    );
    const madeAt = s.clock.now().getTime();
    const shown = await v.submit(page(u.accountId, '/impersonate'), page(u.accountId, '/impersonate'), {
      cartId: 'cart-desk-1',
      app: ADMIN.clientId,
    });
    assert.equal(shown.status, 200, 'the ticket is on the answer itself, not behind a redirect');
    assert.equal(shown.headers.get('cache-control'), 'no-store');
    const jwt = /<code id="ticket-jwt" class="token">([^<]+)<\/code>/.exec(shown.html)![1];
    const refreshToken = /<code id="ticket-refresh" class="token">([^<]+)<\/code>/.exec(shown.html)![1];
    const ends = /<time datetime="([^"]+)"/.exec(shown.html)![1];
    assert.ok(Math.abs(Date.parse(ends) - (madeAt + 60 * 60_000)) < 2000, `ends ${ends}, 60 minutes on`);

    const current = await s.request('GET', '/api/commerce/customer/accounts/current', {
      headers: { authorization: `Bearer ${jwt}`, 'x-vol-tenant': '1', 'x-vol-site': '1' },
    });
    assert.equal(current.status, 200, current.text);
    assert.equal(current.json.id, u.accountId);

    const later = await v.fetch(page(u.accountId));
    assert.ok(!later.html.includes(jwt) && !later.html.includes(refreshToken), 'never shown again');
    const stored = [
      ...(await s.store.db.selectFrom('refresh_tokens').selectAll().execute()),
      ...(await s.store.db.selectFrom('access_tokens').selectAll().execute()),
      ...(await s.store.db.selectFrom('auth_events').selectAll().execute()),
    ];
    const access = /<code id="ticket-access" class="token">([^<]+)<\/code>/.exec(shown.html)![1];
    for (const token of [refreshToken, access])
      assert.ok(!JSON.stringify(stored).includes(token), 'not stored in clear');
    const [event] = await auditBy(u.accountId, 'impersonation');
    assert.equal(event.actor, 'desk@example.com');
    assert.equal(event.detail.cartId, 'cart-desk-1');
    assert.equal(event.client_id, ADMIN.clientId, 'made for the app named');

    const blank = await v.submit(page(u.accountId, '/impersonate'), page(u.accountId, '/impersonate'), {
      cartId: '   ',
      app: ADMIN.clientId,
    });
    assert.equal(blank.status, 400, 'a cart id is needed');
    const notAllowed = await v.submit(page(u.accountId, '/impersonate'), page(u.accountId, '/impersonate'), {
      cartId: 'cart-desk-2',
      app: STOREFRONT.clientId,
    });
    assert.equal(notAllowed.status, 400, 'an app without customer-auth:impersonate-cart is refused');
    assert.match(notAllowed.html, /No application of this tenant may impersonate carts as storefront/);
    assert.equal((await auditBy(u.accountId, 'impersonation')).length, 1);
  });

  it('filters the audit log by event type and dates, and pages it', async () => {
    const u = await signup(s, s.storefrontToken, 'desk-audit');
    const audit = createAuditRepo(s.store.db);
    const day = (d: string) => new Date(`${d}T12:00:00Z`);
    const event = (type: string, at: Date) =>
      audit.insert({
        tenantId: 1,
        siteId: 1,
        accountId: u.accountId,
        type,
        clientId: 'storefront',
        ip: '127.0.0.1',
        userAgent: null,
        detail: {},
        at,
      });
    for (let i = 0; i < 25; i++) await event('login.failed', day('2020-01-10'));
    await event('account.locked', day('2020-01-11'));
    await event('logout', day('2020-02-01'));

    const count = (html: string) => /<p class="count" id="audit-count">(\d+) events?<\/p>/.exec(html)![1];
    const rows = (html: string) => [...html.slice(html.indexOf('id="audit-log"')).matchAll(/<tr><td>/g)].length;

    const all = await v.fetch(page(u.accountId));
    assert.equal(rows(all.html), 20, 'a page holds 20 events');
    assert.match(all.html, /Page 1 of 2/);
    const second = await v.fetch(page(u.accountId, '?type=&from=&to=&page=2'));
    assert.equal(rows(second.html), Number(count(all.html)) - 20);

    const byType = await v.fetch(page(u.accountId, '?type=login.failed'));
    assert.equal(count(byType.html), '25');
    assert.ok(byType.html.includes('<option value="login.failed" selected>'), 'the filter is kept');
    assert.ok(
      byType.html.includes(
        'href="/console/accounts/' + u.accountId + '?type=login.failed&amp;from=&amp;to=&amp;page=2#audit"',
      ),
    );

    const january = await v.fetch(page(u.accountId, '?from=2020-01-11&to=2020-01-31'));
    assert.equal(count(january.html), '1', 'from and to are whole days, both included');
    assert.match(january.html, /<td>account\.locked<\/td>/);
    const typeAndDate = await v.fetch(page(u.accountId, '?type=logout&from=2020-01-01&to=2020-01-31'));
    assert.equal(count(typeAndDate.html), '0');

    for (const bad of ['?from=2020-13', '?from=2021-02-30', '?to=2021-13-01', '?to=0000-01-01']) {
      const r = await v.fetch(page(u.accountId, bad));
      assert.equal(r.status, 400, bad);
      assert.match(r.headers.get('content-type')!, /^text\/html/);
    }
    assert.equal((await v.fetch(page(u.accountId, '?type=no.such'))).status, 400);
  });

  /**
   * Nobody acts as a deactivated account nor mails it a reset: the confirm page and its POST say so
   * (403), nothing is mailed, no ticket is made, nothing audited. A locked-out account is served,
   * as a reset and an unlock are how support gets a shopper out of a lockout.
   * @see src/domain/accounts/active.ts, src/domain/operators/support.ts (assertMay)
   */
  it('refuses a reset mail and an impersonation for a deactivated account, and serves a locked-out one', async () => {
    const u = await signup(s, s.storefrontToken, 'desk-off');
    const admin = sdkApis(s, { accessToken: s.adminToken }).accounts;
    await admin.updateAccount({
      accountId: u.accountId,
      customerAccount: { ...(await admin.getAccount({ accountId: u.accountId })), isActive: false },
    });
    const noReset =
      '<p class="error" role="alert">The account is deactivated: no reset mail is sent to it until it is activated again</p>';
    const noImpersonation =
      '<p class="error" role="alert">The account is deactivated: it cannot be impersonated until it is activated again</p>';
    for (const [path, message] of [
      ['/send-reset-mail', noReset],
      ['/impersonate', noImpersonation],
    ]) {
      const confirm = await v.fetch(page(u.accountId, path));
      assert.equal(confirm.status, 403, `GET ${path}`);
      assert.ok(confirm.html.includes(message), `GET ${path}: ${confirm.html}`);
      assert.ok(!confirm.html.includes('Confirm:'), 'no confirm button');
      // a confirm page opened before the deactivation is refused alike
      const posted = await v.submit(page(u.accountId), page(u.accountId, path), {
        cartId: 'cart-off',
        app: ADMIN.clientId,
      });
      assert.equal(posted.status, 403, `POST ${path}`);
      assert.ok(posted.html.includes(message), `POST ${path}: ${posted.html}`);
    }
    await s.services.passwordReset.idle();
    assert.equal(inbox.count(u.email), 0, 'nothing mailed');
    assert.equal((await auditBy(u.accountId, 'password.reset_requested')).length, 0);
    assert.equal((await auditBy(u.accountId, 'impersonation')).length, 0);
    const chains = await s.store.db
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', u.accountId)
      .where('impersonated_by', 'is not', null)
      .execute();
    assert.equal(chains.length, 0, 'no impersonation chain');

    // Locked out by failed attempts: a reset mail and an impersonation still go.
    const l = await signup(s, s.storefrontToken, 'desk-lockedout');
    for (let i = 0; i < 6; i++) await login(s, s.storefrontToken, l.email, `${l.password}-wrong`).catch(() => {});
    const { locked_until } = await s.store.db
      .selectFrom('accounts')
      .select('locked_until')
      .where('id', '=', l.accountId)
      .executeTakeFirstOrThrow();
    assert.ok(locked_until && locked_until > s.clock.now(), 'locked out');
    assert.match((await v.fetch(page(l.accountId, '/send-reset-mail'))).html, /Confirm: Send a reset mail/);
    const reset = await v.submit(page(l.accountId, '/send-reset-mail'), page(l.accountId, '/send-reset-mail'), {});
    assert.equal(reset.location, page(l.accountId, '?done=send-reset-mail'));
    assert.match((await inbox.next(l.email)).raw, /reset/i);
    const shown = await v.submit(page(l.accountId, '/impersonate'), page(l.accountId, '/impersonate'), {
      cartId: 'cart-lockedout',
      app: ADMIN.clientId,
    });
    assert.equal(shown.status, 200, shown.html);
    assert.match(shown.html, /<code id="ticket-jwt" class="token">/);
  });

  it("answers 404 for another tenant's account on every new page and action", async () => {
    const sid = '00000000-0000-4000-8000-000000000000';
    for (const path of ['', '/send-reset-mail', '/impersonate', `/sessions/${sid}/revoke`])
      assert.equal((await v.fetch(page(foreignId, path))).status, 404, `GET ${path}`);
    for (const path of ['/send-reset-mail', '/impersonate', `/sessions/${sid}/revoke`]) {
      const r = await v.submit(page(), page(foreignId, path), { cartId: 'cart-x', app: ADMIN.clientId });
      assert.equal(r.status, 404, `POST ${path}`);
    }
    assert.equal(inbox.count('foreign-desk@example.com'), 0);
    assert.equal((await auditBy(foreignId, 'impersonation')).length, 0);
  });

  it('refuses each new action without its CSRF token (403) and does nothing', async () => {
    const u = await signup(s, s.storefrontToken, 'desk-csrf');
    const shown = await v.fetch(page(u.accountId));
    const sid = /\/sessions\/([0-9a-f-]{36})\/revoke/.exec(shown.html)![1];
    for (const path of ['/send-reset-mail', '/impersonate', `/sessions/${sid}/revoke`]) {
      const r = await v.fetch(page(u.accountId, path), { cartId: 'cart-csrf', app: ADMIN.clientId });
      assert.equal(r.status, 403, `POST ${path}`);
      assert.match(r.html, /The form has expired or did not come from this console/);
    }
    await s.services.passwordReset.idle();
    assert.equal(inbox.count(u.email), 0, 'no reset mail');
    assert.equal((await auditBy(u.accountId, 'impersonation')).length, 0);
    assert.equal((await refresh(u.ticket.refreshToken!)).status, 200, 'the session lives');
  });
});

/**
 * An operator's reset mail counts against the account's Reset-Password limit
 * (`rateLimits.reset.perAccount`), on the very counter the shopper's own requests by email use.
 * @see src/http/console/account-actions.ts, src/http/plugins/rate-limit.ts (countForAccount)
 */
describe('support console: reset mails share the Reset-Password per-account limit', () => {
  let inbox: SmtpInbox;
  const s = useTestServer(async () => {
    inbox = await startSmtpInbox();
    const base = testConfigFile();
    return {
      env: { SMTP_URL: inbox.url },
      configFile: testConfigFile({
        rateLimits: { ...base.rateLimits, reset: { perIp: 10000, perAccount: 1, windowSeconds: 60 } },
      }),
    };
  });
  after(() => inbox.close());
  const page = (id: number, query = '') => `/console/accounts/${id}${query}`;
  const send = (v: ConsoleVisitor, id: number) =>
    v.submit(page(id, '/send-reset-mail'), page(id, '/send-reset-mail'), {});
  const tooMany = /<p class="error" role="alert">Too many requests; retry in \d+ seconds<\/p>/;

  it('refuses a second reset mail within the window with a 429 page and mails nothing', async () => {
    await createOperator(s, { email: 'limits@example.com', password: 'operator-pass-1' });
    const v = new ConsoleVisitor(s);
    assert.equal((await v.signIn('limits@example.com', 'operator-pass-1')).status, 303);
    const u = await signup(s, s.storefrontToken, 'desk-limit');
    assert.equal((await send(v, u.accountId)).location, page(u.accountId, '?done=send-reset-mail'));
    await inbox.next(u.email);

    const again = await send(v, u.accountId);
    assert.equal(again.status, 429);
    assert.match(again.html, tooMany);
    assert.ok(Number(again.headers.get('retry-after')) >= 1);

    // The shopper's own request was counted by the same limit: an operator's send after it is refused.
    const w = await signup(s, s.storefrontToken, 'desk-limit-shared');
    const own = await s.request('POST', '/api/commerce/customer/accounts/Reset-Password', {
      headers: { authorization: `Bearer ${s.storefrontToken}` },
      body: { emailAddress: w.email.toUpperCase() },
    });
    assert.equal(own.status, 200, own.text);
    await inbox.next(w.email);
    const byOperator = await send(v, w.accountId);
    assert.equal(byOperator.status, 429);
    assert.match(byOperator.html, tooMany);

    await s.services.passwordReset.idle();
    assert.equal(inbox.count(u.email), 1, 'one mail, not two');
    assert.equal(inbox.count(w.email), 1);
    const requested = await s.store.db
      .selectFrom('auth_events')
      .select('account_id')
      .where('type', '=', 'password.reset_requested')
      .where('account_id', 'in', [u.accountId, w.accountId])
      .execute();
    assert.equal(requested.length, 2, 'a refused send is not audited as sent');
  });
});

describe('support console: the sign-in rate limit', () => {
  const s = useTestServer({
    configFile: testConfigFile({ rateLimits: { console: { perIp: 3, perAccount: 100, windowSeconds: 60 } } }),
    seed: false,
  });

  it('refuses a 4th sign-in attempt from one IP within the window with an HTML 429 page', async () => {
    await createOperator(s, { email: 'limited@example.com', password: 'operator-pass-1' });
    const v = new ConsoleVisitor(s);
    for (let i = 0; i < 3; i++)
      assert.equal((await v.signIn('limited@example.com', 'wrong-password-1')).status, 401, `attempt ${i + 1}`);
    const refused = await v.signIn('limited@example.com', 'operator-pass-1');
    assert.equal(refused.status, 429, 'even the right password');
    assert.match(refused.headers.get('content-type')!, /^text\/html/);
    assert.match(refused.html, /<p class="error" role="alert">Too many requests; retry in \d+ seconds<\/p>/);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const totp = await v.fetch('/console/login/totp', { code: '123456' });
    assert.equal(totp.status, 429, 'the TOTP step shares the limit');
  });
});
