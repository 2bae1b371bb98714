import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { useTestServer } from '../../helpers/server.ts';
import { launchChromium, withScreenshot } from '../../helpers/browser.ts';
import { createOperator } from '../../helpers/operators.ts';
import { ConsoleVisitor } from '../../helpers/console-visitor.ts';

/**
 * Issue #18, the admin pages in real Chromium: an admin signs in, creates an app and sees its
 * secret once, rotates the signing key, creates an operator, and opens the dashboard — by labelled
 * controls, with no Content-Security-Policy violation on the way.
 * @see src/http/console/admin-apps.ts, admin-keys.ts, admin-operators.ts, dashboard.ts
 */
describe(`console admin pages in Chromium (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  const s = useTestServer();
  let browser: Browser;
  let page: Page;
  const cspErrors: string[] = [];

  before(async () => {
    await createOperator(s, { email: 'chief@example.com', role: 'admin', password: 'admin-password-1' });
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
  });
  after(async () => {
    await browser?.close();
  });

  it('creates an app (secret once), rotates the key, creates an operator, opens the dashboard', async () => {
    await withScreenshot(page, 'console-admin-flow', async () => {
      await page.goto(`${s.url}/console/login`);
      await page.getByLabel('Email').fill('chief@example.com');
      await page.getByLabel('Password').fill('admin-password-1');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/console\/accounts$/);

      // Apps: create one with a behavior, by the labelled form.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Apps' }).click();
      await page.waitForURL(/\/console\/admin\/apps$/);
      assert.match(await page.locator('tbody').innerText(), /storefront\s+—\s+CONFIG_FILE read-only/);
      await page.getByRole('link', { name: 'Create an app' }).click();
      await page.getByLabel('Client id').fill('browser-app');
      await page.getByLabel('customer:manage-accounts').check();
      await page.getByRole('button', { name: 'Create the app' }).click();
      await page.waitForURL(/\/console\/admin\/apps$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'App browser-app created');
      const secret = await page.locator('[data-secret="client_secret"]').innerText();
      assert.ok(await s.appToken({ clientId: 'browser-app', clientSecret: secret }), 'the secret works');
      await page.getByRole('link', { name: 'Back to the apps' }).click();
      await page.waitForURL(/\/console\/admin\/apps$/);
      const listed = await page.content();
      assert.match(listed, /browser-app/);
      assert.ok(!listed.includes(secret), 'the secret is not shown again');

      // Signing keys: rotate, confirmed by keyboard (the confirm button has the focus).
      const before = (await s.request('GET', '/.well-known/jwks.json')).json.keys.length;
      await page.getByRole('link', { name: 'Signing keys' }).click();
      await page.getByRole('link', { name: 'Rotate the signing key' }).click();
      await page.waitForURL(/\/keys\/rotate$/);
      const confirm = page.getByRole('button', { name: 'Confirm: rotate the key' });
      assert.ok(await confirm.evaluate((b) => b === document.activeElement), 'the confirm button has the focus');
      await page.keyboard.press('Enter');
      await page.waitForURL(/done=rotated/);
      assert.match(await page.getByRole('status').innerText(), /^New key [\w-]+ made and published\.$/);
      assert.equal((await s.request('GET', '/.well-known/jwks.json')).json.keys.length, before + 1);

      // Operators: create one; the generated password signs them in.
      await page.getByRole('link', { name: 'Operators', exact: true }).click();
      await page.getByRole('link', { name: 'Create an operator' }).click();
      await page.getByLabel('Email (they sign in with it)').fill('deputy@example.com');
      await page.getByLabel('Role').selectOption('support');
      await page.getByRole('button', { name: 'Create the operator' }).click();
      await page.waitForURL(/\/console\/admin\/operators$/);
      const password = await page.locator('[data-secret="Password"]').innerText();
      const deputy = new ConsoleVisitor(s);
      assert.equal((await deputy.signIn('deputy@example.com', password)).location, '/console/accounts');

      // The dashboard, from the nav.
      await page.getByRole('link', { name: 'Dashboard' }).click();
      await page.waitForURL(/\/console\/dashboard$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Dashboard');
      assert.equal(await page.locator('svg.chart').count(), 14);
      const bar = await page
        .locator('svg.chart rect.bar')
        .first()
        .evaluate((r) => getComputedStyle(r).fill);
      assert.equal(bar, 'rgb(29, 53, 87)', 'the stylesheet colours the bars');
      assert.deepEqual(cspErrors, []);
    });
  });
});
