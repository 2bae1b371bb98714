import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startCliTarget, type CliTarget } from '../helpers/cli.ts';
import { createOperator } from '../helpers/operators.ts';

describe(`admin CLI: operators disable, enable, reset-password (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'embedded, through the admin socket'})`, () => {
  let t: CliTarget;
  before(async () => {
    t = await startCliTarget();
    await createOperator(t.s, { email: 'sam@example.com', password: 'first-password-1' });
  });
  after(async () => {
    await t?.close();
  });

  const signIn = (email: string, password: string) => t.s.services.consoleLogin.passwordStep(email, password);

  it('disable ends sign-in; reset-password gives a new one and the old one stops working; enable', async () => {
    const { token } = await signIn('sam@example.com', 'first-password-1');
    const d = await t.cli('--json', 'operators', 'disable', 'sam@example.com');
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.json.disabled, true);
    assert.equal(await t.s.services.consoleLogin.resume(token), undefined, 'the console session ended');
    await assert.rejects(signIn('sam@example.com', 'first-password-1'), { code: 'INVALID_CREDENTIALS' });

    const pw = await runCli(
      ['operators', 'reset-password', 'sam@example.com', '--password-stdin'],
      t.env,
      'second-password-2\n',
    );
    assert.equal(pw.code, 0, pw.stderr);
    assert.equal(pw.stdout, 'New password for sam@example.com.\n');
    const e = await t.cli('operators', 'enable', 'sam@example.com');
    assert.equal(e.code, 0, e.stderr);
    assert.equal(e.stdout, 'Operator sam@example.com is enabled.\n');
    await assert.rejects(signIn('sam@example.com', 'first-password-1'), { code: 'INVALID_CREDENTIALS' });
    assert.equal((await signIn('sam@example.com', 'second-password-2')).stage, 'full');
  });

  it('an unknown operator exits 1, in one line', async () => {
    const missing = await t.cli('operators', 'disable', 'nobody@example.com');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'storefront-auth: No operator nobody@example.com\n');
  });
});
