import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import type { ConfigFile } from '../../src/config/schema.ts';
import { testConfigFile } from '../helpers/config.ts';

/** The test configuration with site 1's `pages` (and `mail`) set as given. */
function withPages(pages: object, mail?: object): string {
  const file = testConfigFile();
  const [first, ...rest] = file.tenants[0].sites;
  const tenants = [
    { ...file.tenants[0], sites: [{ ...first, pages, ...(mail ? { mail } : {}) }, ...rest] },
    file.tenants[1],
  ];
  return JSON.stringify({ ...file, tenants } as ConfigFile);
}

function refused(fileText: string | undefined, field: string, env: Record<string, string> = {}) {
  assert.throws(
    () => loadConfig(env, fileText),
    (err: unknown) => err instanceof ConfigError && err.message.includes(field),
  );
}

describe('config: sites[].pages', () => {
  it('is off for a CONFIG_FILE site that does not enable it, and then adds no reset link', () => {
    const c = loadConfig({}, JSON.stringify(testConfigFile()));
    assert.deepEqual(c.tenants[0].sites[0].pages, { enabled: false });
    assert.equal(c.tenants[0].sites[0].mail.resetUrl, undefined);
  });

  it("enabled: names an app of the site's tenant and keeps its secret; the reset mail links to the page", () => {
    const c = loadConfig({}, withPages({ enabled: true, clientId: 'storefront', publicUrl: 'https://shop.example' }));
    const site = c.tenants[0].sites[0];
    assert.deepEqual(site.pages, {
      enabled: true,
      clientId: 'storefront',
      clientSecret: 'storefront-secret',
      publicUrl: 'https://shop.example',
    });
    assert.equal(site.mail.resetUrl, 'https://shop.example/account/reset');
  });

  it("keeps a site's own mail.resetUrl", () => {
    const c = loadConfig(
      {},
      withPages(
        { enabled: true, clientId: 'storefront', publicUrl: 'https://shop.example' },
        { resetUrl: 'https://elsewhere.example/r' },
      ),
    );
    assert.equal(c.tenants[0].sites[0].mail.resetUrl, 'https://elsewhere.example/r');
  });

  it('refuses a missing or unknown app, an app of another tenant, and a public URL with a path', () => {
    refused(withPages({ enabled: true }), 'tenants[0].sites[0].pages.clientId');
    refused(withPages({ enabled: true, clientId: 'nobody' }), 'tenants[0].sites[0].pages.clientId');
    refused(withPages({ enabled: true, clientId: 'tenant2-app' }), 'tenants[0].sites[0].pages.clientId');
    refused(
      withPages({ enabled: true, clientId: 'storefront', publicUrl: 'https://shop.example/x' }),
      'pages.publicUrl',
    );
    refused(withPages({ enabled: true, clientId: 'storefront', extra: 1 }), 'tenants[0].sites[0].pages');
  });

  it('the built-in default has them on, as its own app, linking resets to localhost:PORT; ACCOUNT_PAGES=false turns them off', () => {
    const on = loadConfig({ PORT: '9090' }).tenants[0].sites[0];
    assert.equal(on.pages.enabled, true);
    assert.equal(on.pages.clientId, 'storefront-pages');
    assert.ok((on.pages.clientSecret ?? '').length >= 43, 'a generated secret');
    assert.equal(on.mail.resetUrl, 'http://localhost:9090/account/reset');
    const elsewhere = loadConfig({ PAGES_PUBLIC_URL: 'https://shop.example' }).tenants[0].sites[0];
    assert.equal(elsewhere.mail.resetUrl, 'https://shop.example/account/reset');
    const off = loadConfig({ ACCOUNT_PAGES: 'false' }).tenants[0].sites[0];
    assert.deepEqual(off.pages, { enabled: false });
    assert.equal(off.mail.resetUrl, undefined);
    refused(undefined, 'ACCOUNT_PAGES', { ACCOUNT_PAGES: 'yes' });
  });
});
