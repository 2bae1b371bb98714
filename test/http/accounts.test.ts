import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../helpers/server.ts';
import { newShopper, sdkApis, sdkError } from '../helpers/sdk.ts';

const fullAccount = (email: string) => ({
  emailAddress: email,
  userName: `user-${email}`,
  firstName: 'Grace',
  lastName: 'Hopper',
  localeCode: 'en-US',
  accountType: 'B2C',
  companyOrOrganization: 'Navy',
  externalId: 'ext-42',
  taxExempt: true,
  taxId: 'TX-1',
  acceptsMarketing: true,
  isActive: true,
  attributes: [{ fullyQualifiedName: 'tenant~loyalty', values: ['gold'] }],
  contacts: [
    {
      email,
      firstName: 'Grace',
      lastNameOrSurname: 'Hopper',
      middleNameOrInitial: 'B',
      companyOrOrganization: 'Navy',
      label: 'Home',
      address: {
        address1: '1 Main St',
        cityOrTown: 'Arlington',
        stateOrProvince: 'VA',
        postalOrZipCode: '22201',
        countryCode: 'US',
        addressType: 'Residential',
        isValidated: false,
      },
      phoneNumbers: { home: '555-0100', mobile: '555-0101', work: '555-0102' },
      types: [{ name: 'Billing', isPrimary: true }],
    },
  ],
  notes: [{ content: 'VIP' }],
  segments: [{ id: 7, code: 'vip', name: 'VIP', description: 'Very important' }],
});

describe('customer accounts through the official SDK', () => {
  const s = useTestServer();

  it('round-trips the full account shape and sets server-owned fields', async () => {
    const u = newShopper();
    const sent = fullAccount(u.email);
    const { accounts } = sdkApis(s, { accessToken: s.storefrontToken });
    const t = await accounts.addAccountAndLogin({
      customerAccountAndAuthInfo: {
        account: { ...sent, id: 999999, isLocked: true, userId: 'forged' } as never,
        password: u.password,
      },
    });
    const acc = await sdkApis(s, { accessToken: s.adminToken }).accounts.getAccount({
      accountId: t.customerAccount!.id!,
    });
    for (const k of [
      'emailAddress',
      'userName',
      'firstName',
      'lastName',
      'localeCode',
      'accountType',
      'companyOrOrganization',
      'externalId',
      'taxExempt',
      'taxId',
      'acceptsMarketing',
      'isActive',
    ] as const) {
      assert.deepEqual(acc[k], sent[k], k);
    }
    assert.deepEqual(acc.attributes?.[0]?.values, ['gold']);
    const c = acc.contacts![0];
    assert.deepEqual(c.address, sent.contacts[0].address);
    assert.deepEqual(c.phoneNumbers, sent.contacts[0].phoneNumbers);
    assert.deepEqual(c.types, sent.contacts[0].types);
    assert.equal(c.accountId, acc.id);
    assert.ok(typeof c.id === 'number');
    assert.equal(acc.notes![0].content, 'VIP');
    assert.equal(acc.segments![0].code, 'vip');
    assert.notEqual(acc.id, 999999);
    assert.notEqual(acc.userId, 'forged');
    assert.equal(acc.isLocked, false);
    assert.equal(acc.isAnonymous, false);
    assert.equal(acc.customerSet, 'default');
    assert.equal(acc.commerceSummary?.orderCount, 0);
    assert.ok(acc.auditInfo?.createDate);
    assert.equal(acc.auditInfo?.createBy, 'storefront');
  });

  it('needs customer:manage-accounts for admin operations, and lets a shopper read only their own account', async () => {
    const u = newShopper();
    const t = await sdkApis(s, { accessToken: s.storefrontToken }).accounts.addAccountAndLogin({
      customerAccountAndAuthInfo: { account: { emailAddress: u.email }, password: u.password },
    });
    const plain = sdkApis(s, { accessToken: s.storefrontToken }).accounts;
    assert.equal((await sdkError(() => plain.getAccount({ accountId: t.customerAccount!.id! }))).status, 403);
    assert.equal((await sdkError(() => plain.getAccounts({}))).status, 403);
    assert.equal(
      (await sdkError(() => plain.addAccount({ customerAccount: { emailAddress: `x${u.email}` } }))).status,
      403,
    );
    const asShopper = sdkApis(s, { accessToken: t.jwtAccessToken! }).accounts;
    const own = await asShopper.getAccount({ accountId: t.customerAccount!.id! });
    assert.equal(own.emailAddress, u.email);
    const other = await sdkApis(s, { accessToken: s.storefrontToken }).accounts.addAccountAndLogin({
      customerAccountAndAuthInfo: { account: { emailAddress: `other-${u.email}` }, password: u.password },
    });
    assert.equal((await sdkError(() => asShopper.getAccount({ accountId: other.customerAccount!.id! }))).status, 403);
  });

  it('adds an account without a login, then Create-Login gives it one and logs in', async () => {
    const u = newShopper();
    const admin = sdkApis(s, { accessToken: s.adminToken });
    const acc = await admin.accounts.addAccount({
      customerAccount: { emailAddress: u.email, firstName: 'No', lastName: 'Login' },
    });
    assert.ok(acc.id);
    const before = await sdkError(() =>
      admin.tickets.createUserAuthTicket({ customerUserAuthInfo: { username: u.email, password: u.password } }),
    );
    assert.equal(before.errorCode, 'INVALID_CREDENTIALS');
    const t = await admin.accounts.addLoginToExistingCustomer({
      accountId: acc.id!,
      customerLoginInfo: { emailAddress: u.email, username: u.email, password: u.password },
    });
    assert.equal(t.customerAccount?.id, acc.id);
    assert.ok(t.jwtAccessToken);
    const login = await admin.tickets.createUserAuthTicket({
      customerUserAuthInfo: { username: u.email, password: u.password },
    });
    assert.equal(login.customerAccount?.id, acc.id);
    const again = await sdkError(() =>
      admin.accounts.addLoginToExistingCustomer({
        accountId: acc.id!,
        customerLoginInfo: { emailAddress: u.email, password: u.password },
      }),
    );
    assert.equal(again.status, 409);
    const missing = await sdkError(() =>
      admin.accounts.addLoginToExistingCustomer({
        accountId: 987654,
        customerLoginInfo: { emailAddress: u.email, password: u.password },
      }),
    );
    assert.equal(missing.status, 404);
  });

  it('updates an account, keeping what was not sent, and refuses a taken user name', async () => {
    const u = newShopper();
    const admin = sdkApis(s, { accessToken: s.adminToken }).accounts;
    const a = await admin.addAccount({
      customerAccount: { emailAddress: u.email, firstName: 'Old', lastName: 'Name', acceptsMarketing: true },
    });
    const b = await admin.addAccount({
      customerAccount: { emailAddress: `b-${u.email}`, userName: `taken-${u.email}` },
    });
    const upd = await admin.updateAccount({
      accountId: a.id!,
      customerAccount: { firstName: 'New', localeCode: 'fr-FR' },
    });
    assert.equal(upd.firstName, 'New');
    assert.equal(upd.lastName, 'Name');
    assert.equal(upd.acceptsMarketing, true);
    assert.equal(upd.localeCode, 'fr-FR');
    const conflict = await sdkError(() =>
      admin.updateAccount({ accountId: a.id!, customerAccount: { userName: b.userName!.toUpperCase() } }),
    );
    assert.equal(conflict.status, 409);
    assert.equal(
      (await sdkError(() => admin.updateAccount({ accountId: 987654, customerAccount: { firstName: 'x' } }))).status,
      404,
    );
  });

  it('deletes an account and revokes its tokens', async () => {
    const u = newShopper();
    const t = await sdkApis(s, { accessToken: s.storefrontToken }).accounts.addAccountAndLogin({
      customerAccountAndAuthInfo: { account: { emailAddress: u.email }, password: u.password },
    });
    const admin = sdkApis(s, { accessToken: s.adminToken });
    await admin.accounts.deleteAccount({ accountId: t.customerAccount!.id! });
    assert.equal(
      (await sdkError(() => sdkApis(s, { accessToken: t.jwtAccessToken! }).accounts.getCurrentAccount({}))).status,
      401,
    );
    assert.equal(
      (await sdkError(() => admin.tickets.refreshUserAuthTicket({ refreshToken: t.refreshToken! }))).status,
      401,
    );
    assert.equal((await sdkError(() => admin.accounts.getAccount({ accountId: t.customerAccount!.id! }))).status, 404);
    assert.equal(
      (await sdkError(() => admin.accounts.deleteAccount({ accountId: t.customerAccount!.id! }))).status,
      404,
    );
  });

  it('lists accounts with paging, filter, q and sortBy', async () => {
    const tag = `list${Date.now().toString(36)}`;
    const admin = sdkApis(s, { accessToken: s.adminToken }).accounts;
    for (const [i, name] of ['Carol', 'Alice', 'Bob'].entries()) {
      await admin.addAccount({
        customerAccount: { emailAddress: `${tag}-${i}@example.com`, firstName: name, lastName: tag },
      });
    }
    const all = await admin.getAccounts({ q: tag, pageSize: 2, sortBy: 'firstName asc' });
    assert.equal(all.totalCount, 3);
    assert.equal(all.pageCount, 2);
    assert.equal(all.pageSize, 2);
    assert.deepEqual(
      all.items!.map((a) => a.firstName),
      ['Alice', 'Bob'],
    );
    const page2 = await admin.getAccounts({ q: tag, pageSize: 2, startIndex: 2, sortBy: 'firstName asc' });
    assert.deepEqual(
      page2.items!.map((a) => a.firstName),
      ['Carol'],
    );
    const filtered = await admin.getAccounts({ filter: `emailAddress eq "${tag}-1@example.com"` });
    assert.equal(filtered.totalCount, 1);
    assert.equal(filtered.items![0].firstName, 'Alice');
    const sw = await admin.getAccounts({ filter: `lastName eq '${tag}' and firstName sw 'b'` });
    assert.deepEqual(
      sw.items!.map((a) => a.firstName),
      ['Bob'],
    );
    const desc = await admin.getAccounts({ q: tag, sortBy: 'firstName desc' });
    assert.deepEqual(
      desc.items!.map((a) => a.firstName),
      ['Carol', 'Bob', 'Alice'],
    );
    const tooBig = await sdkError(() => admin.getAccounts({ filter: 'id eq 9999999999' }));
    assert.equal(tooBig.status, 400, 'an id beyond the column is refused, not a database error');
    const bad = await sdkError(() => admin.getAccounts({ filter: 'password eq "x"' }));
    assert.equal(bad.status, 400);
    const badSort = await sdkError(() => admin.getAccounts({ sortBy: 'firstName sideways' }));
    assert.equal(badSort.status, 400);
  });

  it('keeps accounts of another customer set apart', async () => {
    const u = newShopper();
    await sdkApis(s, { accessToken: s.storefrontToken }).accounts.addAccountAndLogin({
      customerAccountAndAuthInfo: { account: { emailAddress: u.email }, password: u.password },
    });
    // the same email may exist in the other set
    const other = await sdkApis(s, { accessToken: s.storefrontToken, siteId: 3 }).accounts.addAccountAndLogin({
      customerAccountAndAuthInfo: { account: { emailAddress: u.email }, password: u.password },
    });
    assert.equal(other.customerAccount?.customerSet, 'other');
    const fromSite1 = await sdkError(() =>
      sdkApis(s, { accessToken: s.adminToken }).accounts.getAccount({ accountId: other.customerAccount!.id! }),
    );
    assert.equal(fromSite1.status, 404);
  });

  it('enforces the password rules and needs an email or user name', async () => {
    const u = newShopper();
    const { accounts } = sdkApis(s, { accessToken: s.storefrontToken });
    for (const password of ['short1', 'allletters', '1234567890']) {
      const e = await sdkError(() =>
        accounts.addAccountAndLogin({ customerAccountAndAuthInfo: { account: { emailAddress: u.email }, password } }),
      );
      assert.equal(e.status, 400, password);
      assert.equal(e.errorCode, 'MISSING_OR_INVALID_PARAMETER');
    }
    const noId = await sdkError(() =>
      accounts.addAccountAndLogin({
        customerAccountAndAuthInfo: { account: { firstName: 'x' }, password: u.password },
      }),
    );
    assert.equal(noId.status, 400);
    const badEmail = await sdkError(() =>
      accounts.addAccountAndLogin({
        customerAccountAndAuthInfo: { account: { emailAddress: 'not-an-email' }, password: u.password },
      }),
    );
    assert.equal(badEmail.status, 400);
    // nothing half-written: the email is still free
    const ok = await accounts.addAccountAndLogin({
      customerAccountAndAuthInfo: { account: { emailAddress: u.email }, password: u.password },
    });
    assert.ok(ok.customerAccount?.id);
  });

  it('stores passwords only as argon2id and tokens only as hashes', async () => {
    const u = newShopper();
    const t = await sdkApis(s, { accessToken: s.storefrontToken }).accounts.addAccountAndLogin({
      customerAccountAndAuthInfo: { account: { emailAddress: u.email }, password: u.password },
    });
    const row = await s.store.db
      .selectFrom('accounts')
      .select('password_hash')
      .where('id', '=', t.customerAccount!.id!)
      .executeTakeFirstOrThrow();
    assert.match(row.password_hash!, /^\$argon2id\$/);
    const access = await s.store.db
      .selectFrom('access_tokens')
      .select('token_hash')
      .where('token_hash', '=', t.accessToken!)
      .executeTakeFirst();
    assert.equal(access, undefined);
    const refresh = await s.store.db
      .selectFrom('refresh_tokens')
      .select('token_hash')
      .where('token_hash', '=', t.refreshToken!)
      .executeTakeFirst();
    assert.equal(refresh, undefined);
    assert.ok(Buffer.from(t.accessToken!, 'base64url').length >= 32);
    assert.ok(Buffer.from(t.refreshToken!, 'base64url').length >= 32);
  });
});
