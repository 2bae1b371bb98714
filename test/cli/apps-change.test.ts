import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCliTarget, type CliTarget } from '../helpers/cli.ts';

describe(`admin CLI: apps rotate-secret, set-behaviors, delete (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'embedded, through the admin socket'})`, () => {
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
  const tenantCall = (token: string) =>
    t.s.request('GET', '/api/platform/tenants/1', { headers: { authorization: `Bearer ${token}` } });

  it('rotate-secret ends the old secret and its tokens; set-behaviors and delete take effect on the service', async () => {
    const created = await t.cli('--json', 'apps', 'create', '--client-id', 'cli-rot', '--tenant', '1');
    const old = (await appLogin('cli-rot', created.json.secret)).json;
    assert.equal((await tenantCall(old.access_token)).status, 200);
    await new Promise((r) => setTimeout(r, 1100)); // iat has one-second steps

    const rotated = await t.cli('--json', 'apps', 'rotate-secret', 'cli-rot');
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.notEqual(rotated.json.secret, created.json.secret);
    // The new secret works at once (an unknown secret makes the service read the apps again) ...
    const fresh = await appLogin('cli-rot', rotated.json.secret);
    assert.equal(fresh.status, 200);
    // ... and the old one stops within APP_RELOAD_MS (at once through the admin socket).
    t.s.clock.advance(31_000);
    assert.equal((await appLogin('cli-rot', created.json.secret)).status, 401, 'the old secret is refused');
    assert.equal((await tenantCall(old.access_token)).status, 401, 'an access token of the old secret is refused');
    assert.equal((await tenantCall(fresh.json.access_token)).status, 200);
    const refresh = await t.s.request('POST', '/api/platform/applications/authtickets/oauth', {
      body: { grant_type: 'refresh_token', refresh_token: old.refresh_token },
    });
    assert.equal(refresh.status, 401, 'a refresh token of the old secret is refused');

    const set = await t.cli('--json', 'apps', 'set-behaviors', 'cli-rot', '--behaviors', 'customer:manage-accounts');
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(set.json.behaviors, ['customer:manage-accounts']);

    const del = await t.cli('apps', 'delete', 'cli-rot');
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout, 'Deleted app cli-rot.\n');
    t.s.clock.advance(31_000);
    assert.equal((await appLogin('cli-rot', rotated.json.secret)).status, 401);
    assert.equal((await tenantCall(fresh.json.access_token)).status, 401, 'a deleted app loses its tokens');
  });
});
