import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/load.ts';

const file = (attributeDefinitions: unknown[]) =>
  JSON.stringify({
    tenants: [
      {
        id: 1,
        name: 'T',
        customerSets: [{ code: 'default', name: 'Default' }],
        sites: [{ id: 1, name: 'S', customerSet: 'default' }],
        attributeDefinitions,
      },
    ],
    apps: [],
  });

describe('attribute definitions in CONFIG_FILE', () => {
  it('fills in the defaults and names each definition tenant~code with a 1-based id', () => {
    const c = loadConfig(
      {},
      file([
        { attributeCode: 'tier', dataType: 'String', vocabularyValues: [{ value: 'gold' }] },
        { attributeCode: 'vip', namespace: 'acme', dataType: 'Bool' },
      ]),
    );
    const [tier, vip] = c.tenants[0].attributeDefinitions;
    assert.equal(tier.attributeFQN, 'tenant~tier');
    assert.equal(tier.id, 1);
    assert.equal(tier.valueType, 'Predefined', 'a list of values makes it predefined');
    assert.equal(tier.inputType, 'TextBox');
    assert.equal(vip.attributeFQN, 'acme~vip');
    assert.equal(vip.inputType, 'YesNo');
    assert.equal(vip.isMultiValued, false);
    assert.equal(vip.isRequired, false);
    assert.equal(vip.isVisible, true);
    assert.ok(Object.isFrozen(vip));
    assert.deepEqual(loadConfig({}, file([])).tenants[0].attributeDefinitions, []);
  });

  it('stops the start naming the bad field', () => {
    const cases: [unknown[], RegExp][] = [
      [[{ attributeCode: 'a', dataType: 'Text' }], /attributeDefinitions\[0\]\.dataType/],
      [[{ attributeCode: 'a b', dataType: 'String' }], /attributeDefinitions\[0\]\.attributeCode/],
      [
        [
          { attributeCode: 'a', dataType: 'String' },
          { attributeCode: 'A', dataType: 'Bool' },
        ],
        /attributeDefinitions\[1\]\.attributeCode: duplicate/,
      ],
      [[{ attributeCode: 'a', dataType: 'String', validation: { regularExpression: '([a-z' } }], /regularExpression/],
      [
        [{ attributeCode: 'a', dataType: 'String', validation: { minStringLength: 5, maxStringLength: 2 } }],
        /minStringLength: exceeds/,
      ],
      [
        [{ attributeCode: 'a', dataType: 'DateTime', validation: { minDateTime: '2020-13-45' } }],
        /minDateTime: is not a date/,
      ],
      [[{ attributeCode: 'a', dataType: 'String', inputType: 'List' }], /vocabularyValues/],
      [[{ attributeCode: 'a', dataType: 'String', colour: 'red' }], /attributeDefinitions\[0\]/],
    ];
    for (const [defs, message] of cases)
      assert.throws(
        () => loadConfig({}, file(defs)),
        (e: Error) => e instanceof ConfigError && message.test(e.message),
        JSON.stringify(defs),
      );
  });
});
