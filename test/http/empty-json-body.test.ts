import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, useTestServer } from '../helpers/server.ts';
import { signup } from '../helpers/signup.ts';
import { assertKibo } from '../helpers/kibo.ts';

const JSON_TYPE = { 'content-type': 'application/json' };

/** Clients that always send `content-type: application/json` must work on routes without a body. */
describe('an empty body with a JSON content type', () => {
  const s = useTestServer();

  it('refreshes a ticket: PUT authtickets/refresh with content-type JSON and no body answers 200', async () => {
    const u = await signup(s, s.storefrontToken, 'emptybody');
    const r = await s.request(
      'PUT',
      `/api/commerce/customer/authtickets/refresh?refreshToken=${encodeURIComponent(u.ticket.refreshToken!)}`,
      { raw: '', headers: { ...JSON_TYPE, authorization: `Bearer ${s.storefrontToken}` } },
    );
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.refreshToken && r.json.refreshToken !== u.ticket.refreshToken);
  });

  it('is accepted on every route that takes no body', async () => {
    const u = await signup(s, s.storefrontToken, 'everyroute');
    const admin = await s.appToken(ADMIN);
    const doc = (await s.request('GET', '/api/docs/openapi.json')).json;
    const values: Record<string, string> = {
      accountId: String(u.accountId),
      contactId: '1',
      attributeFQN: 'tenant~none',
      refreshToken: 'none',
      tenantId: '1',
    };
    let tried = 0;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { requestBody?: unknown }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.requestBody || method === 'get' || method === 'head') continue;
        const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? 'x');
        const r = await s.request(method.toUpperCase(), url, {
          raw: '',
          headers: { ...JSON_TYPE, authorization: `Bearer ${admin}` },
        });
        tried++;
        assert.ok(r.status < 500, `${method} ${path}: ${r.status} ${r.text}`);
        assert.doesNotMatch(r.json?.message ?? '', /body/i, `${method} ${path}: ${r.text}`);
      }
    }
    assert.ok(tried >= 4, `only ${tried} body-less routes`);
  });

  it('still refuses an empty body where one is required, naming it', async () => {
    const r = await s.request('POST', '/api/commerce/customer/authtickets', {
      raw: '',
      headers: { ...JSON_TYPE, authorization: `Bearer ${s.storefrontToken}` },
    });
    const json = assertKibo(r, 400, 'MISSING_OR_INVALID_PARAMETER');
    assert.match(json.message, /body/);
    const poisoned = await s.request('POST', '/api/commerce/customer/authtickets', {
      raw: '{"__proto__": {"x": 1}, "username": "a", "password": "b"}',
      headers: { ...JSON_TYPE, authorization: `Bearer ${s.storefrontToken}` },
    });
    assertKibo(poisoned, 400, 'MISSING_OR_INVALID_PARAMETER');
    const blank = await s.request('PUT', '/api/commerce/customer/authtickets/refresh?refreshToken=x', {
      raw: '   ',
      headers: { ...JSON_TYPE, authorization: `Bearer ${s.storefrontToken}` },
    });
    assert.equal(blank.status, 401, 'whitespace is no body either; the unknown token is the problem');
  });
});
