import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { STOREFRONT } from '../helpers/server.ts';
import { startCliTarget, type CliTarget } from '../helpers/cli.ts';
import { login } from '../helpers/signup.ts';
import { sdkError } from '../helpers/sdk.ts';

describe(`admin CLI: accounts import and export (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'embedded, through the admin socket'})`, () => {
  let t: CliTarget;
  before(async () => {
    t = await startCliTarget();
  });
  after(async () => {
    await t?.close();
  });
  const pw = 'Imp0rted-pass';

  it('imports JSON Lines: each bad line reported with its number and reason, the good ones log in, a re-run skips', async () => {
    const hash = bcrypt.hashSync(pw, 4);
    const file = path.join(t.tmp, 'accounts.jsonl');
    fs.writeFileSync(
      file,
      [
        JSON.stringify({ emailAddress: 'imp1@example.com', firstName: 'Ada', externalPassword: hash }),
        '{not json',
        JSON.stringify({ emailAddress: 'not-an-email', externalPassword: hash }),
        '',
        JSON.stringify({ emailAddress: 'imp2@example.com', password: 'Plain-passw0rd', lastName: 'Byron' }),
        JSON.stringify({ emailAddress: 'imp3@example.com', externalPassword: 'md5$nope' }),
        JSON.stringify({ emailAddress: 'imp4@example.com', shoeSize: 42 }),
        JSON.stringify({ emailAddress: 'IMP1@example.com', firstName: 'Duplicate' }),
        JSON.stringify({ userName: 'imp5', password: 'short' }),
      ].join('\n') + '\n',
    );
    const r = await t.cli('--json', 'accounts', 'import', file);
    assert.equal(r.code, 1, 'some lines are bad');
    assert.deepEqual(
      { created: r.json.created, updated: r.json.updated, skipped: r.json.skipped, failed: r.json.failed },
      { created: 2, updated: 0, skipped: 1, failed: 5 },
    );
    assert.deepEqual(
      r.json.errors.map((e: { line: number }) => e.line),
      [2, 3, 6, 7, 9],
    );

    const again = await t.cli('accounts', 'import', file);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^line 2: not valid JSON/m);
    assert.match(again.stderr, /^line 3: emailAddress is not a valid email address$/m);
    assert.match(again.stderr, /^line 6: externalPassword is not a supported password hash/m);
    assert.match(again.stderr, /^line 7: unknown field "shoeSize"$/m);
    assert.match(again.stderr, /^line 9: The password must be at least 8 characters long$/m);
    assert.match(again.stdout, /^8 lines: 0 created, 0 updated, 3 skipped, 5 failed/, 'the re-run changes nothing');

    const app = await t.s.appToken(STOREFRONT);
    const first = await login(t.s, app, 'imp1@example.com', pw);
    assert.equal(first.customerAccount?.firstName, 'Ada', 'the first of two lines for one email wins');
    assert.equal(first.customerAccount?.migrationRequired, false, 'the legacy hash became argon2id at login');
    assert.equal((await login(t.s, app, 'imp2@example.com', 'Plain-passw0rd')).customerAccount?.lastName, 'Byron');
    assert.equal(
      (await sdkError(() => login(t.s, app, 'imp1@example.com', 'Wrong-passw0rd'))).errorCode,
      'INVALID_CREDENTIALS',
    );
  });

  it('imports CSV with --existing update: existing accounts are updated, fields left out stay', async () => {
    const file = path.join(t.tmp, 'update.csv');
    fs.writeFileSync(file, 'emailAddress,firstName,acceptsMarketing\nimp2@example.com,Augusta,true\nbad@,x,maybe\n');
    const u = await t.cli('--json', 'accounts', 'import', file, '--existing', 'update');
    assert.equal(u.code, 1);
    assert.equal(u.json.updated, 1);
    assert.deepEqual(
      u.json.errors.map((e: { line: number }) => e.line),
      [3],
    );
    const app = await t.s.appToken(STOREFRONT);
    const a = (await login(t.s, app, 'imp2@example.com', 'Plain-passw0rd')).customerAccount!;
    assert.equal(a.firstName, 'Augusta');
    assert.equal(a.lastName, 'Byron');
    assert.equal(a.acceptsMarketing, true);
  });

  it('export writes JSON Lines of every account, with no password or hash', async () => {
    const r = await t.cli('accounts', 'export', '--tenant', '1');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((a) => a.emailAddress).sort(), ['imp1@example.com', 'imp2@example.com']);
    assert.equal(lines[0].tenantId, 1);
    assert.ok(!/argon2|\$2[aby]\$|"password|passwordHash|password_hash/i.test(r.stdout), 'no secret of any kind');
  });
});
