import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CustomerAccountAttributeDefinitionsApi,
  CustomerAttributeDefinitionApi,
} from '@kibocommerce/rest-sdk/clients/Customer/index.js';
import { useTestServer } from '../helpers/server.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { signup } from '../helpers/signup.ts';
import { testConfigFile } from '../helpers/config.ts';
import type { ConfigFile } from '../../src/config/schema.ts';

/** Tenant 1 with a few attribute definitions of each kind. */
function configWithAttributes(): ConfigFile {
  const file = testConfigFile();
  file.tenants[0].attributeDefinitions = [
    {
      attributeCode: 'nickname',
      adminName: 'Nickname',
      dataType: 'String',
      validation: { minStringLength: 2, maxStringLength: 12, regularExpression: '[A-Za-z ]+' },
    },
    {
      attributeCode: 'shoe-size',
      dataType: 'Number',
      isMultiValued: true,
      validation: { minNumericValue: 30, maxNumericValue: 50 },
    },
    { attributeCode: 'newsletter', dataType: 'Bool' },
    { attributeCode: 'birthday', dataType: 'DateTime', validation: { minDateTime: '1900-01-01T00:00:00Z' } },
    {
      attributeCode: 'tier',
      dataType: 'String',
      inputType: 'List',
      valueType: 'AdminEntered',
      vocabularyValues: [{ value: 'gold' }, { value: 'silver' }],
    },
    {
      attributeCode: 'colour',
      dataType: 'String',
      inputType: 'List',
      vocabularyValues: [{ value: 'red' }, { value: 'blue' }],
    },
    { attributeCode: 'internal-score', dataType: 'Number', isVisible: false, isReadOnly: true },
    { attributeCode: 'member-since', dataType: 'DateTime', isRequired: true },
  ];
  return file;
}

describe('account attributes through the official SDK', () => {
  const s = useTestServer({ configFile: configWithAttributes() });

  const asShopper = (jwt: string) => sdkApis(s, { accessToken: jwt }).accounts;
  const asAdmin = () => sdkApis(s, { accessToken: s.adminToken }).accounts;

  it('sets, reads, replaces and removes attributes; the account shows the same values', async () => {
    const u = await signup(s, s.storefrontToken, 'attr');
    const api = asShopper(u.ticket.jwtAccessToken!);
    const set = await api.addAccountAttribute({
      accountId: u.accountId,
      customerAttribute: { fullyQualifiedName: 'tenant~nickname', values: ['Ada'] },
    });
    assert.equal(set.fullyQualifiedName, 'tenant~nickname');
    assert.equal(set.attributeDefinitionId, 1);
    assert.deepEqual(set.values, ['Ada']);
    assert.ok(set.auditInfo?.createDate);
    await api.addAccountAttribute({
      accountId: u.accountId,
      customerAttribute: { fullyQualifiedName: 'TENANT~Shoe-Size', values: [38, 39.5] },
    });

    const page = await api.getAccountAttributes({ accountId: u.accountId });
    assert.equal(page.totalCount, 2);
    assert.deepEqual(
      page.items?.map((a) => a.fullyQualifiedName),
      ['tenant~nickname', 'tenant~shoe-size'],
    );
    assert.deepEqual(await api.getAccountAttribute({ accountId: u.accountId, attributeFQN: 'tenant~nickname' }), set);
    assert.deepEqual((await api.getCurrentAccount({})).attributes, page.items);

    const replaced = await api.updateAccountAttribute({
      accountId: u.accountId,
      attributeFQN: 'tenant~nickname',
      customerAttribute: { values: ['Countess'] },
    });
    assert.deepEqual(replaced.values, ['Countess']);
    assert.equal(replaced.auditInfo?.createDate, set.auditInfo?.createDate);

    const again = await sdkError(() =>
      api.addAccountAttribute({
        accountId: u.accountId,
        customerAttribute: { fullyQualifiedName: 'tenant~nickname', values: ['Ada'] },
      }),
    );
    assert.equal(again.status, 409, 'POST adds; PUT replaces');

    await api.deleteAccountAttribute({ accountId: u.accountId, attributeFQN: 'tenant~shoe-size' });
    const left = await api.getAccountAttributes({ accountId: u.accountId, filter: "fullyQualifiedName sw 'tenant~s'" });
    assert.equal(left.totalCount, 0);
    const gone = await sdkError(() =>
      api.getAccountAttribute({ accountId: u.accountId, attributeFQN: 'tenant~shoe-size' }),
    );
    assert.equal(gone.status, 404);
    const notSet = await sdkError(() =>
      api.updateAccountAttribute({
        accountId: u.accountId,
        attributeFQN: 'tenant~newsletter',
        customerAttribute: { values: [true] },
      }),
    );
    assert.equal(notSet.status, 404);

    const events = await s.store.db
      .selectFrom('auth_events')
      .select(['type', 'detail'])
      .where('account_id', '=', u.accountId)
      .where('type', 'like', 'attribute.%')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => `${e.type} ${(e.detail as { attribute: string }).attribute}`),
      [
        'attribute.set tenant~nickname',
        'attribute.set tenant~shoe-size',
        'attribute.set tenant~nickname',
        'attribute.deleted tenant~shoe-size',
      ],
    );
  });

  it('refuses a value that breaks its definition with a 400 naming the attribute, and writes nothing', async () => {
    const u = await signup(s, s.storefrontToken, 'badattr');
    const api = asShopper(u.ticket.jwtAccessToken!);
    const cases: [string, unknown[]][] = [
      ['tenant~nickname', ['A']], // too short
      ['tenant~nickname', ['Ada Lovelace Byron']], // too long
      ['tenant~nickname', ['Ada99']], // pattern
      ['tenant~nickname', ['Ada', 'Bea']], // not multi-valued
      ['tenant~nickname', [42]], // type
      ['tenant~shoe-size', [29]], // below the minimum
      ['tenant~shoe-size', ['40']], // text for a number
      ['tenant~shoe-size', [40, 40]], // repeated
      ['tenant~newsletter', ['yes']],
      ['tenant~birthday', ['yesterday']],
      ['tenant~birthday', ['1850-05-01']],
      ['tenant~colour', ['green']], // not in the list
      ['tenant~member-since', []], // required
      ['tenant~unknown', ['x']], // not defined
    ];
    for (const [fqn, values] of cases) {
      const e = await sdkError(() =>
        api.addAccountAttribute({ accountId: u.accountId, customerAttribute: { fullyQualifiedName: fqn, values } }),
      );
      assert.equal(e.status, 400, `${fqn} ${JSON.stringify(values)}`);
      assert.equal(e.errorCode, 'MISSING_OR_INVALID_PARAMETER');
      assert.match(e.message, new RegExp(fqn.replace('~', '~')), e.message);
    }
    assert.equal((await api.getAccountAttributes({ accountId: u.accountId })).totalCount, 0);
    // the good ones of the same definitions pass, dates stored as ISO 8601 UTC
    const d = await api.addAccountAttribute({
      accountId: u.accountId,
      customerAttribute: { fullyQualifiedName: 'tenant~birthday', values: ['1990-12-10'] },
    });
    assert.deepEqual(d.values, ['1990-12-10T00:00:00.000Z']);
    const required = await sdkError(() =>
      asAdmin().deleteAccountAttribute({ accountId: u.accountId, attributeFQN: 'tenant~member-since' }),
    );
    assert.equal(required.status, 400);
  });

  it('keeps merchant attributes from shoppers, and other shoppers out', async () => {
    const u = await signup(s, s.storefrontToken, 'tier');
    const other = await signup(s, s.storefrontToken, 'nosy');
    const api = asShopper(u.ticket.jwtAccessToken!);
    const own = await sdkError(() =>
      api.addAccountAttribute({
        accountId: u.accountId,
        customerAttribute: { fullyQualifiedName: 'tenant~tier', values: ['gold'] },
      }),
    );
    assert.equal(own.status, 403, 'a shopper cannot make themselves gold');
    const admin = asAdmin();
    await admin.addAccountAttribute({
      accountId: u.accountId,
      customerAttribute: { fullyQualifiedName: 'tenant~tier', values: ['gold'] },
    });
    await admin.addAccountAttribute({
      accountId: u.accountId,
      customerAttribute: { fullyQualifiedName: 'tenant~internal-score', values: [7] },
    });
    // the shopper sees the tier, not the hidden score; the merchant sees both
    assert.deepEqual(
      (await api.getAccountAttributes({ accountId: u.accountId })).items?.map((a) => a.fullyQualifiedName),
      ['tenant~tier'],
    );
    assert.equal((await admin.getAccountAttributes({ accountId: u.accountId })).totalCount, 2);
    assert.equal(
      (await sdkError(() => api.getAccountAttribute({ accountId: u.accountId, attributeFQN: 'tenant~internal-score' })))
        .status,
      404,
    );
    assert.equal(
      (await sdkError(() => api.deleteAccountAttribute({ accountId: u.accountId, attributeFQN: 'tenant~tier' })))
        .status,
      403,
    );

    const nosy = asShopper(other.ticket.jwtAccessToken!);
    for (const call of [
      () => nosy.getAccountAttributes({ accountId: u.accountId }),
      () => nosy.getAccountAttribute({ accountId: u.accountId, attributeFQN: 'tenant~tier' }),
      () =>
        nosy.addAccountAttribute({
          accountId: u.accountId,
          customerAttribute: { fullyQualifiedName: 'tenant~colour', values: ['red'] },
        }),
      () =>
        nosy.updateAccountAttribute({
          accountId: u.accountId,
          attributeFQN: 'tenant~tier',
          customerAttribute: { values: ['silver'] },
        }),
      () => nosy.deleteAccountAttribute({ accountId: u.accountId, attributeFQN: 'tenant~tier' }),
    ]) {
      const e = await sdkError(call);
      assert.equal(e.status, 403);
    }
    assert.equal((await sdkError(() => admin.getAccountAttributes({ accountId: 2_000_000_000 }))).status, 404);
    const elsewhere = sdkApis(s, { accessToken: s.adminToken, siteId: 3 }).accounts;
    assert.equal((await sdkError(() => elsewhere.getAccountAttributes({ accountId: u.accountId }))).status, 404);
  });

  it('serves the definitions on both definition routes of the client', async () => {
    const conf = s.sdk({ accessToken: s.storefrontToken });
    for (const api of [new CustomerAttributeDefinitionApi(conf), new CustomerAccountAttributeDefinitionsApi(conf)]) {
      const all = await api.getAttributes({});
      assert.equal(all.totalCount, 8);
      assert.equal(all.items?.[0].attributeFQN, 'tenant~nickname');
      const tier = await api.getAttribute({ attributeFQN: 'tenant~tier' });
      assert.equal(tier.dataType, 'String');
      assert.equal(tier.inputType, 'List');
      assert.equal(tier.valueType, 'AdminEntered');
      assert.equal(tier.isMultiValued, false);
      assert.equal(tier.isRequired, false);
      assert.deepEqual(
        tier.vocabularyValues?.map((v) => v.value),
        ['gold', 'silver'],
      );
      const nick = await api.getAttribute({ attributeFQN: 'tenant~nickname' });
      assert.deepEqual(nick.validation, { minStringLength: 2, maxStringLength: 12, regularExpression: '[A-Za-z ]+' });
      const page = await api.getAttributes({ pageSize: 2, startIndex: 2, sortBy: 'attributeCode desc' });
      assert.deepEqual(
        page.items?.map((d) => d.attributeCode),
        ['nickname', 'newsletter'],
      );
      assert.equal((await sdkError(() => api.getAttribute({ attributeFQN: 'tenant~nope' }))).status, 404);
    }
    const doc = (await s.request('GET', '/api/docs/openapi.json')).json;
    assert.ok(doc.paths['/api/commerce/customer/attributedefinition/attributes/{attributeFQN}'].get);
    assert.deepEqual(
      Object.keys(doc.paths['/api/commerce/customer/accounts/{accountId}/attributes/{attributeFQN}']).sort(),
      ['delete', 'get', 'put'],
    );
  });
});
