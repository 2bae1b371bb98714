import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StorefrontAuthTicketApi } from '@kibocommerce/rest-sdk/clients/Customer/index.js';
import { useTestServer } from '../helpers/server.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { signup } from '../helpers/signup.ts';
import { OTHER_TENANT_APP } from '../helpers/config.ts';
import { assertKibo } from '../helpers/kibo.ts';

const shipping = (isPrimary = false) => ({ name: 'Shipping', isPrimary });
const billing = (isPrimary = false) => ({ name: 'Billing', isPrimary });

function contact(label: string, types = [shipping(true)]) {
  return {
    label,
    email: `${label.toLowerCase()}@example.com`,
    firstName: 'Ada',
    lastNameOrSurname: 'Lovelace',
    phoneNumbers: { mobile: '+44 20 7946 0958' },
    address: {
      address1: '12 St James Square',
      cityOrTown: 'London',
      postalOrZipCode: 'SW1Y 4JH',
      countryCode: 'gb',
      addressType: 'Residential',
    },
    types,
  };
}

describe('contacts (address book) through the official SDK', () => {
  const s = useTestServer();

  const asShopper = (jwt: string) => sdkApis(s, { accessToken: jwt }).accounts;
  const asAdmin = () => sdkApis(s, { accessToken: s.adminToken }).accounts;

  it('lets a shopper add, read, update and delete their own contacts; the account shows the same data', async () => {
    const u = await signup(s, s.storefrontToken, 'book');
    const api = asShopper(u.ticket.jwtAccessToken!);
    const added = await api.addAccountContact({ accountId: u.accountId, customerContact: contact('Home') });
    assert.ok(Number.isInteger(added.id) && added.id! > 0);
    assert.equal(added.accountId, u.accountId);
    assert.equal(added.address?.countryCode, 'GB', 'country codes are stored upper-case');
    assert.equal(added.address?.isValidated, false, 'shape is checked, deliverability is not');
    assert.deepEqual(added.types, [{ name: 'Shipping', isPrimary: true }]);
    assert.ok(added.auditInfo?.createDate);

    const page = await api.getAccountContacts({ accountId: u.accountId });
    assert.equal(page.totalCount, 1);
    assert.equal(page.items?.[0].id, added.id);
    assert.deepEqual(await api.getAccountContact({ accountId: u.accountId, contactId: added.id! }), added);

    const me = await api.getCurrentAccount({});
    assert.deepEqual(me.contacts, [added], 'CustomerAccount.contacts is the address book');

    const changed = await api.updateAccountContact({
      accountId: u.accountId,
      contactId: added.id!,
      customerContact: { ...contact('Home'), address: { ...contact('Home').address, cityOrTown: 'Bath' } },
    });
    assert.equal(changed.id, added.id);
    assert.equal(changed.address?.cityOrTown, 'Bath');
    assert.equal(changed.auditInfo?.createDate, added.auditInfo?.createDate);
    assert.equal((await api.getAccount({ accountId: u.accountId })).contacts?.[0].address?.cityOrTown, 'Bath');

    await api.deleteAccountContact({ accountId: u.accountId, contactId: added.id! });
    assert.equal((await api.getAccountContacts({ accountId: u.accountId })).totalCount, 0);
    const gone = await sdkError(() => api.getAccountContact({ accountId: u.accountId, contactId: added.id! }));
    assert.equal(gone.status, 404);
    assert.equal(gone.errorCode, 'ITEM_NOT_FOUND');

    const events = await s.store.db
      .selectFrom('auth_events')
      .select('type')
      .where('account_id', '=', u.accountId)
      .where('type', 'like', 'contact.%')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => e.type),
      ['contact.added', 'contact.updated', 'contact.deleted'],
    );
  });

  it('works with the opaque access token as user claims too, and trims answers with responseFields', async () => {
    const u = await signup(s, s.storefrontToken, 'opaque');
    const api = sdkApis(s, { userClaims: u.ticket.accessToken!, appClaims: s.storefrontToken }).accounts;
    const added = await api.addAccountContact({
      accountId: u.accountId,
      customerContact: contact('Work', [billing(true)]),
      responseFields: 'id,types',
    });
    assert.deepEqual(Object.keys(added).sort(), ['id', 'types']);
    const page = await api.getAccountContacts({ accountId: u.accountId, responseFields: 'totalCount,items(label)' });
    assert.deepEqual(page, { totalCount: 1, items: [{ label: 'Work' }] });
  });

  it('keeps at most one primary contact per type: a new primary takes it from the old one', async () => {
    const u = await signup(s, s.storefrontToken, 'primary');
    const api = asShopper(u.ticket.jwtAccessToken!);
    const a = await api.addAccountContact({
      accountId: u.accountId,
      customerContact: contact('A', [shipping(true), billing(true)]),
    });
    const b = await api.addAccountContact({ accountId: u.accountId, customerContact: contact('B', [shipping(true)]) });
    const types = async (id: number) => (await api.getAccountContact({ accountId: u.accountId, contactId: id })).types;
    assert.deepEqual(
      await types(a.id!),
      [shipping(false), billing(true)],
      'A is no longer the primary shipping contact',
    );
    assert.deepEqual(await types(b.id!), [shipping(true)]);

    // updating A back to primary shipping takes it from B, in the same write
    await api.updateAccountContact({
      accountId: u.accountId,
      contactId: a.id!,
      customerContact: contact('A', [shipping(true)]),
    });
    assert.deepEqual(await types(b.id!), [shipping(false)]);
    const all = (await api.getAccountContacts({ accountId: u.accountId })).items!;
    assert.equal(all.filter((c) => c.types?.some((t) => t.name === 'Shipping' && t.isPrimary)).length, 1);

    // two primaries of one type in one list: refused, and nothing is written
    const twice = await sdkError(() =>
      api.addAccountContactList({
        accountId: u.accountId,
        customerContact: [contact('C', [shipping(true)]), contact('D', [shipping(true)])],
      }),
    );
    assert.equal(twice.status, 400);
    assert.equal(twice.errorCode, 'MISSING_OR_INVALID_PARAMETER');
    assert.equal((await api.getAccountContacts({ accountId: u.accountId })).totalCount, 2);

    const list = await api.addAccountContactList({
      accountId: u.accountId,
      customerContact: [contact('C', [shipping(false)]), contact('D', [billing(false)])],
    });
    assert.equal(list.totalCount, 2);
    assert.equal(list.items?.length, 2);
    assert.equal((await api.getAccountContacts({ accountId: u.accountId })).totalCount, 4);
  });

  it('pages, sorts and filters the address book', async () => {
    const u = await signup(s, s.storefrontToken, 'paging');
    const api = asShopper(u.ticket.jwtAccessToken!);
    for (const label of ['Charlie', 'Alpha', 'Bravo'])
      await api.addAccountContact({ accountId: u.accountId, customerContact: contact(label, [billing()]) });
    const sorted = await api.getAccountContacts({ accountId: u.accountId, sortBy: 'label asc', pageSize: 2 });
    assert.deepEqual(
      sorted.items?.map((c) => c.label),
      ['Alpha', 'Bravo'],
    );
    assert.equal(sorted.totalCount, 3);
    assert.equal(sorted.pageCount, 2);
    const next = await api.getAccountContacts({
      accountId: u.accountId,
      sortBy: 'label asc',
      pageSize: 2,
      startIndex: 2,
    });
    assert.deepEqual(
      next.items?.map((c) => c.label),
      ['Charlie'],
    );
    const filtered = await api.getAccountContacts({ accountId: u.accountId, filter: "label sw 'br'" });
    assert.deepEqual(
      filtered.items?.map((c) => c.label),
      ['Bravo'],
    );
    const bad = await sdkError(() => api.getAccountContacts({ accountId: u.accountId, filter: 'nosuch eq 1' }));
    assert.equal(bad.status, 400);
  });

  it('never loses a contact to a parallel write', async () => {
    const u = await signup(s, s.storefrontToken, 'parallel');
    const api = asShopper(u.ticket.jwtAccessToken!);
    const made = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        api.addAccountContact({ accountId: u.accountId, customerContact: contact(`P${i}`) }),
      ),
    );
    assert.equal(new Set(made.map((c) => c.id)).size, 6, 'every contact gets its own id');
    const all = (await api.getAccountContacts({ accountId: u.accountId })).items!;
    assert.equal(all.length, 6);
    assert.equal(all.filter((c) => c.types?.[0].isPrimary).length, 1, 'one primary shipping contact is left');
  });

  it("answers 403 for another shopper's contacts, and changes nothing", async () => {
    const owner = await signup(s, s.storefrontToken, 'owner');
    const other = await signup(s, s.storefrontToken, 'other');
    const mine = await asShopper(owner.ticket.jwtAccessToken!).addAccountContact({
      accountId: owner.accountId,
      customerContact: contact('Mine'),
    });
    const them = asShopper(other.ticket.jwtAccessToken!);
    const ref = { accountId: owner.accountId, contactId: mine.id! };
    const calls: [string, () => Promise<unknown>][] = [
      ['list', () => them.getAccountContacts({ accountId: owner.accountId })],
      ['get', () => them.getAccountContact(ref)],
      ['add', () => them.addAccountContact({ accountId: owner.accountId, customerContact: contact('Evil') })],
      ['addList', () => them.addAccountContactList({ accountId: owner.accountId, customerContact: [contact('Evil')] })],
      ['update', () => them.updateAccountContact({ ...ref, customerContact: contact('Evil') })],
      ['delete', () => them.deleteAccountContact(ref)],
    ];
    for (const [name, call] of calls) {
      const e = await sdkError(call);
      assert.equal(e.status, 403, name);
      assert.equal(e.errorCode, 'FORBIDDEN', name);
    }
    // the storefront app alone (no shopper) is not enough either
    const app = sdkApis(s, { accessToken: s.storefrontToken }).accounts;
    assert.equal((await sdkError(() => app.getAccountContacts({ accountId: owner.accountId }))).status, 403);
    // nor is a guest
    const guest = await new StorefrontAuthTicketApi(
      s.sdk({ accessToken: s.storefrontToken }),
    ).createAnonymousShopperAuthTicket({});
    const asGuest = sdkApis(s, { accessToken: guest.jwtAccessToken! }).accounts;
    assert.equal((await sdkError(() => asGuest.getAccountContacts({ accountId: owner.accountId }))).status, 403);
    const still = await asShopper(owner.ticket.jwtAccessToken!).getAccountContacts({ accountId: owner.accountId });
    assert.deepEqual(still.items, [mine]);
  });

  it('lets a manage-accounts app manage any account of its tenant and customer set, and no other', async () => {
    const u = await signup(s, s.storefrontToken, 'managed');
    const admin = asAdmin();
    const made = await admin.addAccountContact({ accountId: u.accountId, customerContact: contact('ByAdmin') });
    assert.equal(
      (await asShopper(u.ticket.jwtAccessToken!).getAccountContacts({ accountId: u.accountId })).totalCount,
      1,
    );
    await admin.deleteAccountContact({ accountId: u.accountId, contactId: made.id! });

    const missing = await sdkError(() => admin.getAccountContacts({ accountId: 2_000_000_000 }));
    assert.equal(missing.status, 404);
    assert.equal(missing.errorCode, 'ITEM_NOT_FOUND');
    // site 3 uses another customer set: the account is not found there
    const elsewhere = sdkApis(s, { accessToken: s.adminToken, siteId: 3 }).accounts;
    assert.equal((await sdkError(() => elsewhere.getAccountContacts({ accountId: u.accountId }))).status, 404);
    // an app of tenant 2 cannot reach tenant 1 at all
    const t2 = await s.appToken(OTHER_TENANT_APP);
    const foreign = sdkApis(s, { accessToken: t2, tenantId: 2, siteId: 21 }).accounts;
    assert.equal((await sdkError(() => foreign.getAccountContacts({ accountId: u.accountId }))).status, 403);
    const crossed = sdkApis(s, { accessToken: t2 }).accounts;
    assert.equal((await sdkError(() => crossed.getAccountContacts({ accountId: u.accountId }))).status, 401);
  });

  it('checks the shape of a contact and names the bad field', async () => {
    const u = await signup(s, s.storefrontToken, 'shape');
    const h = { authorization: `Bearer ${u.ticket.jwtAccessToken}` };
    const path = `/api/commerce/customer/accounts/${u.accountId}/contacts`;
    const cases: [string, unknown][] = [
      ['address.countryCode', { ...contact('X'), address: { ...contact('X').address, countryCode: 'XX' } }],
      ['address.countryCode', { ...contact('X'), address: { ...contact('X').address, countryCode: 'GBR' } }],
      ['address.postalOrZipCode', { ...contact('X'), address: { ...contact('X').address, postalOrZipCode: '<b>' } }],
      ['body.address.address1', { ...contact('X'), address: { ...contact('X').address, address1: 'a'.repeat(201) } }],
      ['email', { ...contact('X'), email: undefined }],
      ['email', { ...contact('X'), email: 'not-an-email' }],
      ['types', { ...contact('X'), types: [] }],
      ['types[1].name', { ...contact('X'), types: [shipping(), shipping()] }],
      ['phoneNumbers.mobile', { ...contact('X'), phoneNumbers: { mobile: 'call me' } }],
    ];
    for (const [field, body] of cases) {
      const r = await s.request('POST', path, { body, headers: h });
      const json = assertKibo(r, 400, 'MISSING_OR_INVALID_PARAMETER');
      assert.ok(
        json.additionalErrorData.some((d: { name: string; value: string }) => d.name === 'field' && d.value === field),
        `${field}: ${r.text}`,
      );
    }
    assert.equal((await s.request('GET', path, { headers: h })).json.totalCount, 0, 'nothing was written');
    assertKibo(await s.request('GET', `${path}/999999`, { headers: h }), 404, 'ITEM_NOT_FOUND');
    assertKibo(await s.request('GET', `${path}/abc`, { headers: h }), 404, 'ITEM_NOT_FOUND');
    assertKibo(
      await s.request('POST', path, { raw: '[1,', headers: { ...h, 'content-type': 'application/json' } }),
      400,
      'MISSING_OR_INVALID_PARAMETER',
    );
  });

  it('serves contacts and attributes sent with an account update, however sparse', async () => {
    const u = await signup(s, s.storefrontToken, 'legacy');
    const admin = asAdmin();
    await admin.updateAccount({
      accountId: u.accountId,
      customerAccount: {
        emailAddress: u.email,
        contacts: [{ firstName: 'Old' }, { id: 7, email: 'x@example.com', types: [{ name: 'Billing' }] }],
        attributes: [{ fullyQualifiedName: 'tenant~legacy', values: ['a', null as never] }],
      },
    });
    const api = asShopper(u.ticket.jwtAccessToken!);
    const before = await api.getAccountContacts({ accountId: u.accountId });
    assert.equal(before.totalCount, 2);
    assert.equal(before.items?.[0].firstName, 'Old');
    const added = await api.addAccountContact({ accountId: u.accountId, customerContact: contact('New') });
    assert.ok(![1, 7].includes(added.id!), 'a new id never collides with an old one');
    assert.equal((await api.getAccountContacts({ accountId: u.accountId })).totalCount, 3);
    const attrs = await api.getAccountAttributes({ accountId: u.accountId });
    assert.deepEqual(attrs.items?.[0].values, ['a']);
  });

  it('documents every contact route in the OpenAPI document', async () => {
    const doc = (await s.request('GET', '/api/docs/openapi.json')).json;
    const list = doc.paths['/api/commerce/customer/accounts/{accountId}/contacts'];
    const one = doc.paths['/api/commerce/customer/accounts/{accountId}/contacts/{contactId}'];
    assert.deepEqual(Object.keys(list).sort(), ['get', 'post', 'put']);
    assert.deepEqual(Object.keys(one).sort(), ['delete', 'get', 'put']);
  });
});
