import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { testConfigFile } from '../helpers/config.ts';

/** `tenants[].tokens.impersonationMinutes`: per tenant, default 60, at most 480. @see issue #13, point 4 */
describe('config: the end of impersonation chains', () => {
  const load = (tokens: Record<string, number> | undefined) => {
    const f = testConfigFile();
    f.tenants[0].tokens = tokens;
    return loadConfig({}, JSON.stringify(f));
  };

  it('defaults to 60 minutes and takes a tenant’s own value', () => {
    assert.equal(load(undefined).tenants[0].tokens.impersonationMinutes, 60);
    const c = load({ impersonationMinutes: 480 });
    assert.equal(c.tenants[0].tokens.impersonationMinutes, 480);
    assert.equal(c.tenants[1].tokens.impersonationMinutes, 60);
  });

  it('refuses values outside 1–480, naming the field', () => {
    for (const v of [0, 481, 1.5]) {
      assert.throws(
        () => load({ impersonationMinutes: v }),
        (err: unknown) => err instanceof ConfigError && err.message.includes('tenants[0].tokens.impersonationMinutes'),
        String(v),
      );
    }
  });
});
