import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyResponseFields, parseResponseFields, type FieldTree } from '../../src/http/fields.ts';
import { useTestServer } from '../helpers/server.ts';

const ticket = {
  accessToken: 'a',
  accessTokenExpiration: '2030-01-01T00:00:00.000Z',
  refreshToken: 'r',
  userId: 'u1',
  customerAccount: {
    id: 7,
    emailAddress: 'x@y.z',
    firstName: 'Ann',
    contacts: [
      { id: 1, email: 'c@d.e', phone: '1' },
      { id: 2, email: 'f@g.h' },
    ],
  },
};

function filter(value: unknown, spec: string): unknown {
  const tree = parseResponseFields(spec);
  assert.ok(tree, `"${spec}" should parse`);
  return applyResponseFields(value, tree);
}

describe('parseResponseFields', () => {
  it('parses flat and nested lists', () => {
    assert.deepEqual(parseResponseFields('a,b'), { a: true, b: true });
    assert.deepEqual(parseResponseFields('a, b(c,d(e)) ,f'), { a: true, b: { c: true, d: { e: true } }, f: true });
  });

  it('lower-cases names and merges repeats', () => {
    assert.deepEqual(parseResponseFields('AccessToken,accessToken'), { accesstoken: true });
    assert.deepEqual(parseResponseFields('a(b),a(c)'), { a: { b: true, c: true } });
    assert.deepEqual(parseResponseFields('a(b),a'), { a: true }, 'the whole field wins over a part of it');
  });

  it('means "no filtering" for empty or malformed specs', () => {
    for (const bad of [undefined, '', '   ', ',', 'a(b', 'a)b', 'a(b))', 'a((b)', '(', ')']) {
      assert.equal(parseResponseFields(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('applyResponseFields', () => {
  it('keeps only the named top-level fields', () => {
    assert.deepEqual(filter(ticket, 'accessToken,userId'), { accessToken: 'a', userId: 'u1' });
  });

  it('applies nested lists to objects and to every element of arrays', () => {
    assert.deepEqual(filter(ticket, 'customerAccount(id,contacts(email))'), {
      customerAccount: { id: 7, contacts: [{ email: 'c@d.e' }, { email: 'f@g.h' }] },
    });
    assert.deepEqual(
      filter(
        [
          { a: 1, b: 2 },
          { a: 3, c: 4 },
        ],
        'a',
      ),
      [{ a: 1 }, { a: 3 }],
    );
    assert.deepEqual(filter({ items: [{ id: 1, x: { y: 1, z: 2 } }], totalCount: 1 }, 'items(x(z)),totalCount'), {
      items: [{ x: { z: 2 } }],
      totalCount: 1,
    });
  });

  it('ignores unknown names instead of failing', () => {
    assert.deepEqual(filter(ticket, 'userId,nope,customerAccount(nothing)'), { userId: 'u1', customerAccount: {} });
    assert.deepEqual(filter(ticket, 'nope'), {});
  });

  it('matches names without regard to case', () => {
    assert.deepEqual(filter(ticket, 'ACCESSTOKEN,CustomerAccount(EmailAddress)'), {
      accessToken: 'a',
      customerAccount: { emailAddress: 'x@y.z' },
    });
  });

  it('leaves scalars, nulls and a sub-list applied to a scalar alone', () => {
    assert.deepEqual(filter({ a: null, b: 5, c: 'x' }, 'a(x),b(y),c'), { a: null, b: 5, c: 'x' });
    assert.equal(applyResponseFields(42, { a: true } as FieldTree), 42);
  });
});

describe('?responseFields= on a real route', () => {
  const s = useTestServer();
  let auth: Record<string, string>;
  before(async () => {
    auth = { authorization: `Bearer ${await s.appToken()}` };
  });

  it('trims GET /api/platform/tenants/1 to id and the site ids', async () => {
    const r = await s.request('GET', '/api/platform/tenants/1?responseFields=id,sites(id)', { headers: auth });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { id: 1, sites: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    assert.equal(
      Number(r.headers.get('content-length')),
      Buffer.byteLength(r.text),
      'content-length matches the trimmed body',
    );
  });

  it('is case-insensitive and ignores unknown names on the wire too', async () => {
    const r = await s.request(
      'GET',
      `/api/platform/tenants/1?responseFields=${encodeURIComponent('DOMAIN,bogus,Sites(Name)')}`,
      { headers: auth },
    );
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      domain: 't1.localhost',
      sites: [{ name: 'Main' }, { name: 'Second' }, { name: 'Elsewhere' }],
    });
  });

  it('returns the whole answer for a malformed spec', async () => {
    const r = await s.request('GET', `/api/platform/tenants/1?responseFields=${encodeURIComponent('id,sites(id')}`, {
      headers: auth,
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.name, 'Test');
    assert.equal(r.json.sites.length, 3);
    assert.equal(r.json.sites[0].customerSet, 'default');
  });

  it('works on a POST answer and never trims an error', async () => {
    const ok = await s.request('POST', '/api/platform/applications/authtickets/oauth?responseFields=access_token', {
      body: { client_id: 'storefront', client_secret: 'storefront-secret', grant_type: 'client_credentials' },
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys(ok.json), ['access_token']);
    const err = await s.request('GET', '/api/platform/tenants/1?responseFields=id');
    assert.equal(err.status, 401);
    assert.equal(err.json.errorCode, 'UNAUTHORIZED');
    assert.equal(err.json.applicationName, 'Customer');
  });
});
