import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { useTestServer } from '../../helpers/server.ts';
import { login } from '../../helpers/signup.ts';
import { launchChromium, withScreenshot } from '../../helpers/browser.ts';
import { createOperator, totpCode } from '../../helpers/operators.ts';
import { startSmtpInbox, type SmtpInbox } from '../../helpers/smtp.ts';
import { ADMIN } from '../../helpers/config.ts';
import { CONSOLE_CSP } from '../../../src/http/console/security-headers.ts';

/**
 * Issue #18, the support console in real Chromium: an operator signs in with a TOTP code, finds a
 * shopper, locks them (the shopper's refresh token stops working), unlocks, impersonates a cart
 * (the ticket shown once works on the API), sends a reset mail (it arrives), reads the audit log
 * filtered, forces a password change and revokes sessions — each written to the account's audit
 * log naming the operator.
 * @see src/http/console/index.ts
 */
describe(`support console in Chromium (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let inbox: SmtpInbox;
  const s = useTestServer(async () => {
    inbox = await startSmtpInbox();
    return { env: { SMTP_URL: inbox.url } };
  });
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let operator: Awaited<ReturnType<typeof createOperator>>;

  before(async () => {
    operator = await createOperator(s, { email: 'help@example.com', password: 'operator-pass-1', totp: true });
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await inbox?.close();
  });

  const refresh = (refreshToken: string) =>
    s.request('PUT', `/api/commerce/customer/authtickets/refresh?refreshToken=${encodeURIComponent(refreshToken)}`, {
      headers: { authorization: `Bearer ${s.storefrontToken}` },
    });
  const auditBy = (type: string) =>
    s.store.db
      .selectFrom('auth_events')
      .select(['actor', 'client_id', 'detail'])
      .where('account_id', '=', s.shopper.accountId)
      .where('type', '=', type)
      .execute();
  /**
   * Opens an action from the account page, then confirms it on its own page; by keyboard only
   * (focus the link, Enter; the confirm button has the focus, Enter) when `keyboard`.
   */
  async function act(link: string, confirm: string, keyboard = false) {
    const opener = page.getByRole('link', { name: link, exact: true });
    if (keyboard) {
      await opener.focus();
      await page.keyboard.press('Enter');
    } else await opener.click();
    await page.waitForURL(/\/console\/accounts\/\d+\/[\w-]+$/);
    const button = page.getByRole('button', { name: confirm });
    if (keyboard) {
      assert.ok(await button.evaluate((b) => b === document.activeElement), 'the confirm button has the focus');
      await page.keyboard.press('Enter');
    } else await button.click();
    await page.waitForURL(/\?done=/);
  }

  it('signs in with password and TOTP, finds the shopper, locks, unlocks: the lock ends the API session', async () => {
    await withScreenshot(page, 'console-flow', async () => {
      const first = await page.goto(`${s.url}/console/accounts`);
      assert.equal(new URL(page.url()).pathname, '/console/login', 'a signed-out visit goes to the sign-in page');
      assert.equal(first!.headers()['content-security-policy'], CONSOLE_CSP);
      await page.getByLabel('Email').fill(operator.email);
      await page.getByLabel('Password').fill(operator.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/console\/login\/totp$/);
      await page
        .getByLabel('The 6-digit code from your authenticator app')
        .fill(totpCode(operator.totpSecret!, s.clock.now()));
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/console\/accounts$/);

      const cookie = (await context.cookies()).find((c) => c.name === 'sa_console')!;
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Strict');
      assert.equal(cookie.path, '/console');

      await page.getByLabel('Email, user name, name or id').fill(s.shopper.email.toUpperCase());
      await page.keyboard.press('Enter');
      await page.waitForURL(/q=/);
      assert.match(await page.locator('.count').innerText(), /^1 account matching/);
      await page.getByRole('link', { name: s.shopper.email }).click();
      await page.waitForURL(new RegExp(`/console/accounts/${s.shopper.accountId}$`));
      assert.equal(await page.locator('#state-locked').innerText(), 'no');
      assert.equal(await page.locator('#state-sessions').innerText(), '1');

      await act('Lock account', 'Confirm: Lock account');
      assert.equal(await page.getByRole('status').innerText(), 'The account is locked and its sessions have ended.');
      assert.equal(await page.locator('#state-locked').innerText(), 'yes (by an administrator)');
      assert.equal(await page.locator('#state-sessions').innerText(), '0');
      assert.equal((await refresh(s.shopper.ticket.refreshToken!)).status, 401, "the shopper's session has ended");

      await act('Unlock account', 'Confirm: Unlock account');
      assert.equal(await page.locator('#state-locked').innerText(), 'no');
      const again = await login(s, s.storefrontToken, s.shopper.email, s.shopper.password);
      assert.equal((await refresh(again.refreshToken!)).status, 200, 'unlocked, the shopper signs in again');

      const locked = await auditBy('account.locked');
      assert.deepEqual(
        locked.map((e) => [e.actor, e.client_id]),
        [[operator.email, 'console']],
      );
      assert.deepEqual(
        (await auditBy('account.unlocked')).map((e) => e.actor),
        [operator.email],
      );
    });
  });

  it('impersonates a cart (the ticket works on the API), sends a reset mail, and filters the audit log', async () => {
    await withScreenshot(page, 'console-impersonate', async () => {
      await page.goto(`${s.url}/console/accounts/${s.shopper.accountId}`);
      await page.getByRole('link', { name: 'Impersonate a cart', exact: true }).click();
      await page.waitForURL(/\/impersonate$/);
      await page.getByLabel('Cart id').fill('cart-browser-1');
      await page.getByLabel('For the application').selectOption(ADMIN.clientId);
      const before = s.clock.now().getTime();
      await page.getByRole('button', { name: 'Confirm: Impersonate a cart' }).click();
      await page.waitForURL(/\/impersonate$/);
      assert.equal(new URL(page.url()).search, '', 'the ticket is in no URL');
      const ends = Date.parse((await page.locator('#ticket-ends time').getAttribute('datetime'))!);
      assert.ok(Math.abs(ends - (before + 60 * 60_000)) < 2000, 'ends 60 minutes on');
      const jwt = await page.locator('#ticket-jwt').innerText();
      const current = await s.request('GET', '/api/commerce/customer/accounts/current', {
        headers: { authorization: `Bearer ${jwt}`, 'x-vol-tenant': '1', 'x-vol-site': '1' },
      });
      assert.equal(current.status, 200, current.text);
      assert.equal(current.json.id, s.shopper.accountId, 'the ticket acts as the shopper');
      await page.getByRole('link', { name: 'Back to the account' }).click();
      assert.ok(!(await page.content()).includes(jwt), 'shown once');
    });
    await withScreenshot(page, 'console-reset-mail', async () => {
      await act('Send a reset mail', 'Confirm: Send a reset mail');
      assert.match(await page.getByRole('status').innerText(), /password reset mail is on its way/);
      const mail = await inbox.next(s.shopper.email);
      assert.match(mail.raw, /reset/i);
    });
    await withScreenshot(page, 'console-audit', async () => {
      await page.getByLabel('Event type').selectOption('impersonation');
      const today = s.clock.now().toISOString().slice(0, 10);
      await page.getByLabel('From').fill(today);
      await page.getByLabel('To').fill(today);
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/type=impersonation/);
      assert.equal(await page.locator('#audit-count').innerText(), '1 event');
      assert.deepEqual(await page.locator('#audit-log tbody td:nth-child(2)').allInnerTexts(), ['impersonation']);
      assert.equal(await page.locator('#audit-log tbody td:nth-child(3)').innerText(), `${operator.email} (console)`);
      // Submitted from the keyboard: Enter in the date field sends the form.
      await page.getByLabel('Event type').selectOption('account.locked');
      await page.getByLabel('From').focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/type=account\.locked/);
      assert.equal(await page.locator('#audit-count').innerText(), '1 event');
      await page.getByLabel('To').fill('2000-01-01');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/to=2000-01-01/);
      assert.equal(await page.locator('#audit-count').innerText(), '0 events', 'nothing before the range ends');
      await page.goto(`${s.url}/console/accounts/${s.shopper.accountId}?type=password.reset_requested`);
      assert.equal(await page.locator('#audit-count').innerText(), '1 event');
    });
  });

  it('forces a password change and revokes sessions, each confirmed and audited with the operator', async () => {
    await withScreenshot(page, 'console-actions', async () => {
      const shopperLogin = await login(s, s.storefrontToken, s.shopper.email, s.shopper.password);
      await page.goto(`${s.url}/console/accounts/${s.shopper.accountId}`);
      if (process.env.SCREENSHOT_DOCS) {
        // `SCREENSHOT_DOCS=1 npm test -- console.browser` renews the README's picture.
        fs.mkdirSync('docs/images', { recursive: true });
        await page.screenshot({ path: 'docs/images/console-account.png', fullPage: true });
      }
      await act('Revoke sessions', 'Confirm: Revoke sessions');
      assert.equal(await page.locator('#state-sessions').innerText(), '0');
      assert.equal((await refresh(shopperLogin.refreshToken!)).status, 401);
      const [revoked] = await auditBy('sessions.revoked');
      assert.equal(revoked.actor, operator.email);
      assert.ok((revoked.detail.revokedSessions as number) >= 1);

      await act('Force a password change', 'Confirm: Force a password change', true);
      assert.equal(await page.locator('#state-pcr').innerText(), 'yes');
      assert.deepEqual(
        (await auditBy('password.change_required')).map((e) => e.actor),
        [operator.email],
      );
    });
  });

  it('refuses a state-changing POST without its CSRF token (403) and changes nothing', async () => {
    const cookies = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const plain = await fetch(`${s.url}/console/accounts/${s.shopper.accountId}/lock`, {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    assert.equal(plain.status, 403);
    assert.match(plain.headers.get('content-type')!, /^text\/html/);
    assert.equal(plain.headers.get('content-security-policy'), CONSOLE_CSP);
    const wrong = await fetch(`${s.url}/console/accounts/${s.shopper.accountId}/lock`, {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: '_csrf=forged',
      redirect: 'manual',
    });
    assert.equal(wrong.status, 403);
    const noCookie = await fetch(`${s.url}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: operator.email, password: operator.password }).toString(),
      redirect: 'manual',
    });
    assert.equal(noCookie.status, 403, 'the sign-in form is protected too');
    assert.equal((await auditBy('account.locked')).length, 1, 'only the lock done through the page');
  });

  it('answers HTML errors on console pages and Kibo JSON on the API', async () => {
    await withScreenshot(page, 'console-errors', async () => {
      const missing = await page.goto(`${s.url}/console/accounts/999999`);
      assert.equal(missing!.status(), 404);
      assert.equal(missing!.headers()['content-security-policy'], CONSOLE_CSP);
      assert.equal(await page.getByRole('alert').innerText(), 'Account 999999 not found');
      assert.ok(await page.locator('form.logout input[name=_csrf]').inputValue(), 'sign-out works from an error page');
      const bad = await page.goto(`${s.url}/console/accounts/abc`);
      assert.equal(bad!.status(), 400);
      const api = await s.request('GET', '/api/commerce/customer/accounts/999999', {
        headers: { authorization: `Bearer ${s.adminToken}` },
      });
      assert.equal(api.status, 404);
      assert.equal(api.json.errorCode, 'ITEM_NOT_FOUND');
    });
  });

  it('signs out: the session ends and the pages ask to sign in again', async () => {
    await withScreenshot(page, 'console-logout', async () => {
      await page.goto(`${s.url}/console/accounts`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/console\/login$/);
      await page.goto(`${s.url}/console/accounts`);
      assert.equal(new URL(page.url()).pathname, '/console/login');
    });
  });
});
