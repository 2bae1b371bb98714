import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCliTarget, type CliTarget } from '../helpers/cli.ts';

/** The CLI with `input` piped to its stdin (for --password-stdin). */
function cliWithStdin(
  t: CliTarget,
  input: string,
  ...args: string[]
): Promise<{ code: number; json: any; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...t.env } },
      (err, stdout, stderr) => {
        let json: any;
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, json, stderr });
      },
    );
    child.stdin!.end(input);
  });
}

describe(`admin CLI: operators (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'embedded, through the admin socket'})`, () => {
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
    const r = await cliWithStdin(
      t,
      'correct horse battery\n',
      '--json',
      'operators',
      'create',
      '--email',
      'ada@example.com',
      '--role',
      'admin',
      '--password-stdin',
      '--totp',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.password, undefined, 'a password the caller chose is not echoed');
    assert.match(r.json.totpUri, /^otpauth:\/\/totp\/storefront-auth:ada%40example\.com\?.*secret=[A-Z2-7]+/);
    assert.equal(r.json.totp, true);
    assert.equal((await signIn('ada@example.com', 'correct horse battery')).stage, 'totp');
  });

  it('disable ends sign-in; reset-password gives a new one and the old one stops working', async () => {
    const d = await t.cli('--json', 'operators', 'disable', 'sam@example.com');
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.json.disabled, true);
    const pw = await t.cli('--json', 'operators', 'reset-password', 'sam@example.com');
    assert.equal(pw.code, 0, pw.stderr);
    await assert.rejects(signIn('sam@example.com', pw.json.password), { code: 'INVALID_CREDENTIALS' });
    const e = await t.cli('operators', 'enable', 'sam@example.com');
    assert.equal(e.code, 0, e.stderr);
    assert.equal(e.stdout, 'Operator sam@example.com is enabled.\n');
    assert.equal((await signIn('sam@example.com', pw.json.password)).stage, 'full');
  });

  it('usage errors exit 2, failures exit 1, each in one line; --help exits 0', async () => {
    const role = await t.cli('operators', 'create', '--email', 'x@example.com', '--role', 'root');
    assert.equal(role.code, 2);
    assert.match(role.stderr, /--role <role>' argument 'root' is invalid/);
    const email = await t.cli('operators', 'create', '--email', 'not-an-email', '--role', 'support');
    assert.equal(email.code, 2);
    assert.equal(email.stderr, 'storefront-auth: Not an email address: not-an-email\n');
    const short = await cliWithStdin(
      t,
      'short\n',
      'operators',
      'reset-password',
      'ada@example.com',
      '--password-stdin',
    );
    assert.equal(short.code, 2);
    assert.equal(short.stderr, "storefront-auth: An operator's password must have 12 to 256 characters\n");
    const dup = await t.cli('operators', 'create', '--email', 'ada@example.com', '--role', 'support');
    assert.equal(dup.code, 1);
    assert.equal(dup.stderr, 'storefront-auth: Operator ada@example.com exists already\n');
    const missing = await t.cli('operators', 'disable', 'nobody@example.com');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'storefront-auth: No operator nobody@example.com\n');
    const help = await t.cli('operators', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /reset-password/);
  });
});
