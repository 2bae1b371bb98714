import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { keyPolicyFrom } from '../../src/domain/tokens/keys.ts';
import { testConfigFile } from '../helpers/config.ts';

describe('config: keys and SECRETS_KEY', () => {
  it('keys.rotateDays 90 and keys.publishAheadMinutes 60 by default; each may be set', () => {
    assert.deepEqual(loadConfig({}).keys, { rotateDays: 90, publishAheadMinutes: 60 });
    const c = loadConfig({}, JSON.stringify(testConfigFile({ keys: { rotateDays: 0 } })));
    assert.deepEqual(c.keys, { rotateDays: 0, publishAheadMinutes: 60 });
  });

  it('refuses a publish-ahead shorter than the instances and the JWKS caches need', () => {
    assert.throws(
      () => loadConfig({}, JSON.stringify(testConfigFile({ keys: { publishAheadMinutes: 5 } }))),
      (e: Error) => e instanceof ConfigError && /keys\.publishAheadMinutes/.test(e.message),
    );
  });

  it('a retired key stays published for the longest token any tenant may get', () => {
    const file = testConfigFile();
    file.tenants[0].tokens = { maxAccessMinutes: 600 };
    file.tenants[1].tokens = { maxAccessMinutes: 2000 };
    assert.equal(keyPolicyFrom(loadConfig({}, JSON.stringify(file))).maxTokenMinutes, 2000);
    file.tenants[1].tokens = { maxAccessMinutes: 30, accessMinutes: 30 };
    assert.equal(keyPolicyFrom(loadConfig({}, JSON.stringify(file))).maxTokenMinutes, 600);
    assert.equal(keyPolicyFrom(loadConfig({})).maxTokenMinutes, 1440);
  });

  it('SECRETS_KEY takes 32 bytes as hex or base64, and refuses anything else naming the variable', () => {
    const key = randomBytes(32);
    assert.equal(loadConfig({ SECRETS_KEY: key.toString('hex') }).secretsKey, key.toString('hex'));
    assert.equal(loadConfig({ SECRETS_KEY: key.toString('base64') }).secretsKey, key.toString('hex'));
    assert.equal(
      loadConfig({ SECRETS_KEY_PREVIOUS: key.toString('base64url') }).secretsKeyPrevious,
      key.toString('hex'),
    );
    for (const bad of ['short', randomBytes(16).toString('hex'), randomBytes(31).toString('base64')])
      assert.throws(
        () => loadConfig({ SECRETS_KEY: bad }),
        (e: Error) =>
          e instanceof ConfigError && /^Invalid configuration at SECRETS_KEY: must be 32 bytes/.test(e.message),
      );
  });
});
