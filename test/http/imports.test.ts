import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { useTestServer } from '../helpers/server.ts';
import { newShopper, sdkApis, sdkError } from '../helpers/sdk.ts';
import { login } from '../helpers/signup.ts';

const django = (pw: string) => {
  const salt = randomBytes(9).toString('hex');
  return `pbkdf2_sha256$10000$${salt}$${pbkdf2Sync(pw, salt, 10000, 32, 'sha256').toString('base64')}`;
};
const ab64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '').replaceAll('+', '.');
const passlib = (pw: string) => {
  const salt = randomBytes(16);
  return `$pbkdf2-sha256$5000$${ab64(salt)}$${ab64(pbkdf2Sync(pw, salt, 5000, 32, 'sha256'))}`;
};

describe('importing accounts with password hashes from an old platform', () => {
  const s = useTestServer();

  const storedHash = async (id: number) =>
    (await s.store.db.selectFrom('accounts').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow())
      .password_hash!;

  /** Imports, checks the flags, logs in (wrong, then right) and checks the upgrade to argon2id. */
  async function importThenLogin(accountId: number, email: string, password: string, legacy: string) {
    const admin = sdkApis(s, { accessToken: s.adminToken }).accounts;
    const before = await admin.getAccount({ accountId });
    assert.equal(before.hasExternalPassword, true);
    assert.equal(before.migrationRequired, true);
    assert.equal(await storedHash(accountId), legacy);
    assert.equal(
      (await sdkError(() => login(s, s.storefrontToken, email, `${password}x`))).errorCode,
      'INVALID_CREDENTIALS',
    );
    assert.equal(await storedHash(accountId), legacy, 'a wrong password changes nothing');
    const t = await login(s, s.storefrontToken, email, password);
    assert.equal(t.customerAccount?.hasExternalPassword, false);
    assert.equal(t.customerAccount?.migrationRequired, false);
    const after = await admin.getAccount({ accountId });
    assert.equal(after.hasExternalPassword, false);
    assert.equal(after.migrationRequired, false);
    assert.match(await storedHash(accountId), /^\$argon2id\$/);
    // and the password still works against the new hash
    assert.ok((await login(s, s.storefrontToken, email, password)).accessToken);
  }

  for (const [name, make] of [
    ['bcrypt $2b$', (pw: string) => bcrypt.hashSync(pw, 6)],
    ['bcrypt $2y$ (PHP)', (pw: string) => bcrypt.hashSync(pw, 6).replace(/^\$2b\$/, '$2y$')],
    ['PBKDF2-SHA256 (Django)', django],
    ['PBKDF2-SHA256 (passlib)', passlib],
  ] as const) {
    it(`Add-Account-And-Login imports ${name}; the first login rehashes to argon2id`, async () => {
      const u = newShopper('imp');
      const legacy = make(u.password);
      const t = await sdkApis(s, { accessToken: s.storefrontToken }).accounts.addAccountAndLogin({
        customerAccountAndAuthInfo: { account: { emailAddress: u.email }, isImport: true, externalPassword: legacy },
      });
      assert.ok(t.jwtAccessToken);
      assert.equal(t.customerAccount?.hasExternalPassword, true);
      await importThenLogin(t.customerAccount!.id!, u.email, u.password, legacy);
    });
  }

  it('Create-Login imports a hash for an existing account', async () => {
    const u = newShopper('impcl');
    const admin = sdkApis(s, { accessToken: s.adminToken }).accounts;
    const account = await admin.addAccount({ customerAccount: { emailAddress: u.email } });
    const legacy = bcrypt.hashSync(u.password, 6);
    const t = await admin.addLoginToExistingCustomer({
      accountId: account.id!,
      customerLoginInfo: { emailAddress: u.email, isImport: true, externalPassword: legacy },
    });
    assert.equal(t.customerAccount?.migrationRequired, true);
    await importThenLogin(account.id!, u.email, u.password, legacy);
  });

  it('refuses an unsupported external password format with 400', async () => {
    for (const externalPassword of ['plain-text-password', 'md5$abc$0123456789abcdef', `$2b$31$${'a'.repeat(53)}`]) {
      const u = newShopper('impbad');
      const e = await sdkError(() =>
        sdkApis(s, { accessToken: s.storefrontToken }).accounts.addAccountAndLogin({
          customerAccountAndAuthInfo: { account: { emailAddress: u.email }, isImport: true, externalPassword },
        }),
      );
      assert.equal(e.status, 400, externalPassword);
      assert.equal(e.errorCode, 'MISSING_OR_INVALID_PARAMETER');
    }
  });
});
