import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, useTestServer } from '../../helpers/server.ts';
import { freePort, pagesConfigFile } from '../../helpers/pages.ts';
import { PageVisitor } from '../../helpers/page-visitor.ts';
import { signup } from '../../helpers/signup.ts';
import { PAGES_CSP } from '../../../src/http/pages/security-headers.ts';

/**
 * Issue #18, the shopper pages over plain HTTP: on only where configured, the strict CSP, cookie
 * flags, CSRF refused when missing or wrong, which site a host gets, readable refusals.
 * @see src/http/pages/index.ts
 */
describe('shopper pages: CSP, cookies, CSRF, sites', () => {
  let port = 0;
  const s = useTestServer(async () => {
    port = await freePort();
    // TRUST_PROXY: the tests name the page's host and scheme as a proxy in front would.
    return { port, configFile: pagesConfigFile(port), env: { TRUST_PROXY: 'loopback' } };
  });
  const site2 = () => new PageVisitor(s.url, { 'x-forwarded-host': `t1-s2.localhost:${port}` });

  it('answers with the strict CSP and no-store, and gives a guest an HttpOnly Lax guest cookie', async () => {
    const v = site2();
    const r = await v.fetch('/account/sign-in');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-security-policy'), PAGES_CSP);
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.match(r.html, /<title>Sign in · Second shop<\/title>/);
    const guest = v.lastSetCookies.find((c) => c.startsWith('sa_guest='))!;
    assert.match(guest, /; Path=\/account/);
    assert.match(guest, /; HttpOnly/);
    assert.match(guest, /; SameSite=Lax/);
    assert.doesNotMatch(guest, /; Secure/);
    const csrf = v.lastSetCookies.find((c) => c.startsWith('sa_account_csrf='))!;
    assert.match(csrf, /; HttpOnly/);
    assert.match(csrf, /; SameSite=Strict/);
  });

  it('refuses a form without its CSRF token, or with a wrong one, before calling the API', async () => {
    const shopper = await signup(s, s.storefrontToken, 'csrf');
    const v = site2();
    await v.fetch('/account/sign-in');
    const missing = await v.fetch('/account/sign-in', { username: shopper.email, password: shopper.password });
    assert.equal(missing.status, 403);
    assert.match(missing.html, /The form has expired or did not come from this site/);
    assert.equal(v.cookie('sa_shopper'), undefined);
    const wrong = await v.fetch('/account/sign-in', {
      username: shopper.email,
      password: shopper.password,
      _csrf: 'not-the-token',
    });
    assert.equal(wrong.status, 403);
    assert.equal(v.cookie('sa_shopper'), undefined);
  });

  it('signs in: the shopper cookie is HttpOnly, SameSite=Strict, for /account only; Secure behind https', async () => {
    const shopper = await signup(s, s.storefrontToken, 'cookies');
    const v = site2();
    const r = await v.submit('/account/sign-in', '/account/sign-in', {
      username: shopper.email,
      password: shopper.password,
    });
    assert.equal(r.status, 303);
    assert.equal(r.location, '/account/me');
    const cookie = v.lastSetCookies.find((c) => c.startsWith('sa_shopper='))!;
    assert.match(cookie, /; Path=\/account/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.doesNotMatch(cookie, /; Secure/);
    assert.ok(!cookie.includes(shopper.password), 'no password in the cookie');
    const me = await v.fetch('/account/me');
    assert.equal(me.status, 200);
    assert.match(me.html, new RegExp(shopper.email.replace('.', '\\.')));

    const https = new PageVisitor(s.url, {
      'x-forwarded-host': `t1-s2.localhost:${port}`,
      'x-forwarded-proto': 'https',
    });
    await https.submit('/account/sign-in', '/account/sign-in', { username: shopper.email, password: shopper.password });
    assert.match(
      https.lastSetCookies.find((c) => c.startsWith('sa_shopper='))!,
      /; Secure/,
    );
  });

  it('shows a wrong password as a sentence on the form, not an error document', async () => {
    const shopper = await signup(s, s.storefrontToken, 'wrongpw');
    const v = site2();
    const r = await v.submit('/account/sign-in', '/account/sign-in', {
      username: shopper.email,
      password: 'nope-1234',
    });
    assert.equal(r.status, 400);
    assert.match(r.html, /That user name or password is not right\./);
    assert.match(r.headers.get('content-type')!, /^text\/html/);
  });

  it('sends a signed-out visitor, or one with a forged cookie, to the sign-in page', async () => {
    const v = site2();
    assert.equal((await v.fetch('/account/me')).location, '/account/sign-in');
    v.setCookie('sa_shopper', 'forged');
    assert.equal((await v.fetch('/account/me')).location, '/account/sign-in');
    const jwtLike = Buffer.from(
      JSON.stringify({ jwt: 'a.b.c', refresh: 'x', expires: Date.now() + 3600_000 }),
    ).toString('base64url');
    v.setCookie('sa_shopper', jwtLike);
    const r = await v.fetch('/account/me');
    assert.equal(r.status, 303);
    assert.equal(r.location, '/account/sign-in');
  });

  it('serves the site a t{T}-s{S} host names; a site without pages gets a 404 page', async () => {
    const other = new PageVisitor(s.url, { 'x-forwarded-host': `t1-s3.localhost:${port}` });
    const r = await other.fetch('/account/sign-in');
    assert.equal(r.status, 404);
    assert.match(r.html, /This site has no account pages/);
    // Any other host: the first site with pages on (site 1), which offers code login.
    const plain = await new PageVisitor(s.url).fetch('/account/sign-in');
    assert.match(plain.html, /Main shop/);
    assert.match(plain.html, /Sign in with a code by email/);
    const code = await site2().fetch('/account/code');
    assert.equal(code.status, 404, 'site 2 has no code login');
  });

  it('answers a bad form and an unknown page with an HTML page, never a 500', async () => {
    const v = site2();
    const bad = await v.submit('/account/sign-in', '/account/sign-in', { username: 'x'.repeat(400), password: 'p' });
    assert.equal(bad.status, 400);
    assert.match(bad.html, /That form was not filled in as expected/);
    const missing = await v.fetch('/account/nothing-here');
    assert.equal(missing.status, 404);
    assert.match(missing.html, /No such page/);
  });

  it("refreshes an expired JWT with the cookie's refresh token, which the API then retires", async () => {
    const shopper = await signup(s, s.storefrontToken, 'refresh');
    const v = site2();
    await v.submit('/account/sign-in', '/account/sign-in', { username: shopper.email, password: shopper.password });
    const before = v.cookie('sa_shopper')!;
    const oldRefresh = (JSON.parse(Buffer.from(before, 'base64url').toString()) as { refresh: string }).refresh;
    s.clock.advance(61 * 60_000);
    const me = await v.fetch('/account/me');
    assert.equal(me.status, 200);
    assert.match(me.html, /My account/);
    assert.notEqual(v.cookie('sa_shopper'), before, 'a new pair in the cookie');
    const reuse = await s.request(
      'PUT',
      `/api/commerce/customer/authtickets/refresh?refreshToken=${encodeURIComponent(oldRefresh)}`,
      { headers: { authorization: `Bearer ${await s.appToken()}` } },
    );
    assert.equal(reuse.status, 401, 'the old refresh token was spent');
  });
});

describe('shopper pages: off unless configured; on in the built-in default', () => {
  it('a CONFIG_FILE site without `pages` has no /account', async () => {
    const s = await startTestServer();
    try {
      const r = await s.request('GET', '/account/sign-in');
      assert.equal(r.status, 404);
      assert.equal(r.json.errorCode, 'ITEM_NOT_FOUND');
    } finally {
      await s.close();
    }
  });

  it('the built-in default serves them (as its own app), and ACCOUNT_PAGES=false turns them off', async () => {
    const on = await startTestServer({ configFile: null });
    try {
      const r = await new PageVisitor(on.url).fetch('/account/sign-in');
      assert.equal(r.status, 200);
      assert.match(r.html, /You are browsing as guest/);
    } finally {
      await on.close();
    }
    const off = await startTestServer({ configFile: null, env: { ACCOUNT_PAGES: 'false' } });
    try {
      assert.equal((await off.request('GET', '/account/sign-in')).status, 404);
    } finally {
      await off.close();
    }
  });
});
