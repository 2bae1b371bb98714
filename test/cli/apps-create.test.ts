import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCliTarget, type CliTarget } from '../helpers/cli.ts';

describe(`admin CLI: apps create and list (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'embedded, through the admin socket'})`, () => {
  let t: CliTarget;
  before(async () => {
    t = await startCliTarget();
  });
  after(async () => {
    await t?.close();
  });

  const appLogin = (clientId: string, clientSecret: string) =>
    t.s.request('POST', '/api/platform/applications/authtickets/oauth', {
      body: { client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' },
    });
  it('create shows the secret once and the running service accepts it at once; config apps are listed as such', async () => {
    const created = await t.cli('--json', 'apps', 'create', '--client-id', 'cli-shop', '--tenant', '1');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.json.clientId, 'cli-shop');
    assert.equal(created.json.source, 'database');
    assert.match(created.json.secret, /^[\w-]{40,}$/);
    const r = await appLogin('cli-shop', created.json.secret);
    assert.equal(r.status, 200, r.text);

    const listed = await t.cli('--json', 'apps', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    const source = (id: string) => listed.json.find((a: { clientId: string }) => a.clientId === id)?.source;
    assert.equal(source('storefront'), 'config');
    assert.equal(source('admin'), 'config');
    assert.equal(source('cli-shop'), 'database');
    assert.ok(!listed.stdout.includes(created.json.secret), 'a secret is never shown again');
    assert.ok(!/secretHash|secret_hash/.test(listed.stdout));
  });

  it('refuses to change a config app, a taken client id, an unknown tenant or behavior, each in one line', async () => {
    const refused = await t.cli('apps', 'rotate-secret', 'storefront');
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'storefront-auth: App storefront is defined in CONFIG_FILE; change it there\n');
    const dup = await t.cli('apps', 'create', '--client-id', 'cli-shop', '--tenant', '1');
    assert.equal(dup.code, 1);
    assert.equal(dup.stderr, 'storefront-auth: App cli-shop exists already\n');
    const badBehavior = await t.cli('apps', 'create', '--client-id', 'x', '--tenant', '99', '--behaviors', 'root');
    assert.equal(badBehavior.code, 2);
    assert.match(badBehavior.stderr, /^storefront-auth: (Unknown tenant 99|Unknown behavior "root")/);
  });
});
