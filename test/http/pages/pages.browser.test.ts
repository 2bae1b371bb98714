import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { useTestServer } from '../../helpers/server.ts';
import { startSmtpInbox, type SmtpInbox } from '../../helpers/smtp.ts';
import { freePort, pagesConfigFile } from '../../helpers/pages.ts';
import { launchChromium, withScreenshot } from '../../helpers/browser.ts';
import { signup } from '../../helpers/signup.ts';
import { PAGES_CSP } from '../../../src/http/pages/security-headers.ts';

/**
 * Issue #18, the shopper pages in real Chromium against a real server and SMTP inbox: sign up →
 * sign in → 2FA from the mailed code → change password → sessions → sign out everywhere; forgot
 * password → the mail's link → reset → sign in with the new password; code login; a guest who
 * signs in sees their guest id linked. Site 1 demands 2FA and offers code login; site 2
 * (host t1-s2.localhost) does neither.
 * @see src/http/pages/index.ts
 */
describe(`shopper pages in Chromium (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let inbox: SmtpInbox;
  let port = 0;
  const s = useTestServer(async () => {
    inbox = await startSmtpInbox();
    port = await freePort();
    return { port, configFile: pagesConfigFile(port), env: { SMTP_URL: inbox.url } };
  });
  let browser: Browser;

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await inbox?.close();
  });

  /** A fresh browser (its own cookies) on a page. */
  async function fresh(): Promise<Page> {
    return (await browser.newContext()).newPage();
  }
  const site1 = () => `http://127.0.0.1:${port}`;
  const site2 = () => `http://t1-s2.localhost:${port}`;

  async function signIn(page: Page, base: string, username: string, password: string) {
    await page.goto(`${base}/account/sign-in`);
    await page.getByLabel('Email or user name').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  /** The 2FA step with the code from the mail just sent. */
  async function twoFactor(page: Page, email: string) {
    await page.waitForURL(/\/account\/two-factor$/);
    await page.getByLabel('The 6-digit code from the email').fill(await inbox.nextCode(email));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account\/me/);
  }

  it('sign up → sign in with the mailed 2FA code → change password → sessions → sign out everywhere', async () => {
    const page = await fresh();
    const other = await fresh();
    await withScreenshot(page, 'pages-account-flow', async () => {
      const first = await page.goto(`${site1()}/account/sign-up`);
      assert.equal(first!.headers()['content-security-policy'], PAGES_CSP);
      await page.getByLabel('Email', { exact: true }).fill('grace@example.com');
      await page.getByLabel('First name').fill('Grace');
      await page.getByLabel('Last name').fill('Hopper');
      await page.getByLabel(/^Password/).fill('Cobol-1959');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(/\/account\/me$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'My account');
      assert.match(await page.locator('dl').innerText(), /Grace Hopper/);
      const cookie = (await page.context().cookies()).find((c) => c.name === 'sa_shopper')!;
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Strict');
      assert.equal(cookie.path, '/account');

      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.waitForURL(/\/account\/sign-in$/);
      assert.equal(
        (await page.context().cookies()).find((c) => c.name === 'sa_shopper'),
        undefined,
      );

      // Site 1 demands 2FA: the password step mails a code.
      await signIn(page, site1(), 'grace@example.com', 'Cobol-1959');
      await twoFactor(page, 'grace@example.com');
      // The guest who sent the password is linked by the ticket the code finishes.
      assert.match(await page.locator('.linked-guest').innerText(), /^[0-9a-f]{32}$/);
      // A second browser signs in too: two sessions.
      await signIn(other, site1(), 'grace@example.com', 'Cobol-1959');
      await twoFactor(other, 'grace@example.com');

      await page.getByText('Add an address').click();
      await page.getByLabel('Street address').fill('1 Navy Yard');
      await page.getByLabel('City').fill('Arlington');
      await page.getByLabel(/^Country code/).fill('us');
      await page.getByRole('button', { name: 'Add address' }).click();
      await page.waitForURL(/done=address/);
      assert.match(await page.locator('.addresses').innerText(), /1 Navy Yard/);
      await page.getByRole('button', { name: 'Remove 1 Navy Yard' }).click();
      await page.waitForURL(/done=removed/);
      assert.match(await page.getByRole('region', { name: 'Addresses' }).innerText(), /No addresses yet/);

      // A wrong current password is a sentence on the page; the right one changes it.
      await page.getByLabel('Current password').fill('not-it-1');
      await page.getByLabel('New password').fill('Harvard-1944');
      await page.getByRole('button', { name: 'Change password' }).click();
      assert.equal(await page.getByRole('alert').innerText(), 'That user name or password is not right.');
      await page.getByLabel('Current password').fill('Cobol-1959');
      await page.getByLabel('New password').fill('Harvard-1944');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.waitForURL(/done=password/);
      assert.match(
        await page.getByRole('status').filter({ hasText: 'password' }).innerText(),
        /Your password was changed/,
      );
      // The change ended the other browser's session and kept this one.
      await other.goto(`${site1()}/account/me`);
      assert.equal(new URL(other.url()).pathname, '/account/sign-in');
      assert.equal(await page.locator('.live-sessions').innerText(), '1');

      await signIn(other, site1(), 'grace@example.com', 'Harvard-1944');
      await twoFactor(other, 'grace@example.com');
      await page.reload();
      assert.equal(await page.locator('.live-sessions').innerText(), '2');
      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await page.waitForURL(/out=all/);
      assert.equal(await page.getByRole('status').innerText(), 'You were signed out everywhere.');
      await other.goto(`${site1()}/account/me`);
      assert.equal(new URL(other.url()).pathname, '/account/sign-in', 'the other browser is signed out too');
    });
    await other.context().close();
    await page.context().close();
  });

  it('forgot password → the link in the mail → reset → sign in with the new password', async () => {
    const shopper = await signup(s, s.storefrontToken, 'reset');
    const page = await fresh();
    await withScreenshot(page, 'pages-reset', async () => {
      await page.goto(`${site1()}/account/sign-in`);
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.getByLabel('Email').fill(shopper.email);
      await page.getByRole('button', { name: 'Send me a link' }).click();
      assert.match(await page.getByRole('status').innerText(), /If that address has an account here/);

      const mail = await simpleParser((await inbox.next(shopper.email)).raw);
      const link = /^\s+(http\S+)$/m.exec(mail.text ?? '')?.[1];
      assert.ok(link, `a link in the mail:\n${mail.text}`);
      assert.equal(new URL(link).pathname, '/account/reset');
      await page.goto(link);
      assert.equal(await page.getByLabel('User name').inputValue(), shopper.userName);
      const code = new URL(link).searchParams.get('code')!;
      assert.ok(mail.text?.includes(`    ${code}\n`), 'the link carries the mailed code');
      assert.equal(await page.getByLabel('Confirmation code (from the email)').inputValue(), code);
      await page.getByLabel('New password').fill('short');
      await page.getByRole('button', { name: 'Set the new password' }).click();
      assert.match(await page.getByRole('alert').innerText(), /password/i, 'a weak password is refused, in words');
      await page.getByLabel('New password').fill('Brand-New-2026');
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.waitForURL(/\/account\/sign-in\?reset/);
      assert.match(await page.getByRole('status').innerText(), /Sign in with the new one/);

      await signIn(page, site1(), shopper.userName, 'Brand-New-2026');
      await twoFactor(page, shopper.email);
      assert.match(await page.locator('dl').innerText(), new RegExp(shopper.userName));
    });
    await page.context().close();
  });

  it('signs in without a password with a code from the mail', async () => {
    const shopper = await signup(s, s.storefrontToken, 'otp');
    const page = await fresh();
    await withScreenshot(page, 'pages-code-login', async () => {
      await page.goto(`${site1()}/account/sign-in`);
      await page.getByRole('link', { name: 'Sign in with a code by email' }).click();
      await page.getByLabel('Email').fill(shopper.email);
      await page.getByRole('button', { name: 'Email me a code' }).click();
      await page.getByLabel('The 6-digit code from the email').fill('000000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      assert.match(await page.getByRole('alert').innerText(), /That code is not right/);
      await page.getByLabel('The 6-digit code from the email').fill(await inbox.nextCode(shopper.email));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/account\/me$/);
      assert.match(await page.locator('dl').innerText(), new RegExp(shopper.userName));
    });
    await page.context().close();
  });

  it('a guest who signs in sees their guest id linked to the account', async () => {
    const shopper = await signup(s, s.storefrontToken, 'guest');
    const page = await fresh();
    await withScreenshot(page, 'pages-guest', async () => {
      await page.goto(`${site2()}/account/sign-in`);
      assert.match(await page.title(), /Second shop/);
      const guestId = await page.locator('.guest-id').innerText();
      assert.match(guestId, /^[0-9a-f]{32}$/);
      if (process.env.SCREENSHOT_DOCS) {
        // `SCREENSHOT_DOCS=1 npm test -- pages.browser` renews the README's picture.
        fs.mkdirSync('docs/images', { recursive: true });
        await page.screenshot({ path: 'docs/images/account-sign-in.png' });
      }
      await page.getByLabel('Email or user name').fill(shopper.email);
      await page.getByLabel('Password').fill(shopper.password);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/account\/me$/);
      assert.equal(await page.locator('.linked-guest').innerText(), guestId);
    });
    await page.context().close();
  });
});
