import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startCliTarget, type CliTarget } from '../helpers/cli.ts';

describe(`admin CLI: operators create and list (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'embedded, through the admin socket'})`, () => {
  let t: CliTarget;
  before(async () => {
    t = await startCliTarget();
  });
  after(async () => {
    await t?.close();
  });

  const signIn = (email: string, password: string) => t.s.services.consoleLogin.passwordStep(email, password);

  it('create shows a generated password once; the running service signs the operator in with it', async () => {
    const r = await t.cli('--json', 'operators', 'create', '--email', 'Sam@Example.com', '--role', 'support');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.email, 'sam@example.com');
    assert.equal(r.json.role, 'support');
    assert.equal(r.json.tenantId, 1);
    assert.equal(r.json.totp, false);
    assert.match(r.json.password, /^[\w-]{24}$/);
    assert.equal((await signIn('sam@example.com', r.json.password)).stage, 'full');

    const listed = await t.cli('--json', 'operators', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      listed.json.map((o: { email: string; role: string }) => [o.email, o.role]),
      [['sam@example.com', 'support']],
    );
    assert.ok(!listed.stdout.includes(r.json.password), 'a password is never shown again');
    assert.ok(!/hash|secret/i.test(listed.stdout));
  });

  it('create --password-stdin --totp takes the piped password and prints the otpauth URI once', async () => {
    const args = ['operators', 'create', '--email', 'ada@example.com', '--role', 'admin', '--password-stdin', '--totp'];
    const r = await runCli(['--json', ...args], t.env, 'correct horse battery\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.password, undefined, 'a password the caller chose is not echoed');
    assert.match(r.json.totpUri, /^otpauth:\/\/totp\/storefront-auth:ada%40example\.com\?.*secret=[A-Z2-7]+/);
    assert.equal(r.json.totp, true);
    assert.equal((await signIn('ada@example.com', 'correct horse battery')).stage, 'totp');
  });
});
