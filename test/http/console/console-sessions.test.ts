import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../../helpers/server.ts';
import { testConfigFile } from '../../helpers/config.ts';
import { signup } from '../../helpers/signup.ts';
import { createOperator, totpCode } from '../../helpers/operators.ts';
import { createAccountsRepo } from '../../../src/store/repos/accounts.ts';
import { ConsoleVisitor } from '../../helpers/console-visitor.ts';

const SECRETS_KEY = '11'.repeat(32);

describe('support console: sign-in, lockout, TOTP, timeouts, cookies, tenant scope', () => {
  const s = useTestServer({
    configFile: testConfigFile({ console: { idleMinutes: 30, absoluteMinutes: 60, maxAttempts: 3, lockMinutes: 15 } }),
    env: { SECRETS_KEY, TRUST_PROXY: 'loopback' },
  });

  it('sets the session cookie HttpOnly, SameSite=Strict, for /console only; Secure behind https', async () => {
    await createOperator(s, { email: 'cookie@example.com', password: 'operator-pass-1' });
    const plain = new ConsoleVisitor(s);
    const r = await plain.signIn('cookie@example.com', 'operator-pass-1');
    assert.equal(r.status, 303);
    assert.equal(r.location, '/console/accounts');
    const session = plain.lastSetCookies.find((c) => c.startsWith('sa_console='))!;
    assert.match(session, /; Path=\/console/);
    assert.match(session, /; HttpOnly/);
    assert.match(session, /; SameSite=Strict/);
    assert.doesNotMatch(session, /; Secure/);

    const proxied = new ConsoleVisitor(s, { 'x-forwarded-proto': 'https' });
    await proxied.signIn('cookie@example.com', 'operator-pass-1');
    assert.match(
      proxied.lastSetCookies.find((c) => c.startsWith('sa_console='))!,
      /; Secure/,
    );
    const csrfCookie = await new ConsoleVisitor(s, { 'x-forwarded-proto': 'https' }).fetch('/console/login');
    assert.equal(csrfCookie.status, 200);
  });

  it('locks an operator out after maxAttempts wrong passwords, for lockMinutes', async () => {
    await createOperator(s, { email: 'lock@example.com', password: 'operator-pass-1' });
    const v = new ConsoleVisitor(s);
    for (let i = 0; i < 3; i++) {
      const r = await v.signIn('lock@example.com', 'wrong-password-9');
      assert.equal(r.status, 401);
      assert.match(r.html, /Wrong email or password/);
    }
    const locked = await v.signIn('lock@example.com', 'operator-pass-1');
    assert.equal(locked.status, 423, 'even the right password while locked out');
    assert.match(locked.html, /Too many failed sign-ins/);
    const unknown = await v.signIn('nobody@example.com', 'operator-pass-1');
    assert.equal(unknown.status, 401);
    s.clock.advanceMinutes(16);
    assert.equal((await v.signIn('lock@example.com', 'operator-pass-1')).status, 303);
  });

  it('asks for a TOTP code when the operator has one; the secret is sealed at rest; a code is good once', async () => {
    const op = await createOperator(s, { email: 'totp@example.com', password: 'operator-pass-1', totp: true });
    const row = await s.store.db
      .selectFrom('operators')
      .select('totp_secret')
      .where('email', '=', op.email)
      .executeTakeFirstOrThrow();
    assert.match(row.totp_secret!, /^sa1:/);
    assert.ok(!row.totp_secret!.includes(op.totpSecret!));

    const v = new ConsoleVisitor(s);
    const r = await v.signIn(op.email, op.password);
    assert.equal(r.location, '/console/login/totp');
    assert.equal((await v.fetch('/console/accounts')).location, '/console/login', 'no pages before the code');
    const wrong = await v.submit('/console/login/totp', '/console/login/totp', {
      code: '000000' === totpCode(op.totpSecret!, s.clock.now()) ? '111111' : '000000',
    });
    assert.equal(wrong.status, 401);
    const code = totpCode(op.totpSecret!, s.clock.now());
    const ok = await v.submit('/console/login/totp', '/console/login/totp', { code });
    assert.equal(ok.location, '/console/accounts');
    assert.equal((await v.fetch('/console/accounts')).status, 200);

    const replay = new ConsoleVisitor(s);
    await replay.signIn(op.email, op.password);
    const again = await replay.submit('/console/login/totp', '/console/login/totp', { code });
    assert.equal(again.status, 401);
    assert.match(again.html, /Wrong or used code/);
  });

  it('ends a session after idleMinutes unused, and after absoluteMinutes however used', async () => {
    await createOperator(s, { email: 'idle@example.com', password: 'operator-pass-1' });
    const idle = new ConsoleVisitor(s);
    await idle.signIn('idle@example.com', 'operator-pass-1');
    s.clock.advanceMinutes(29);
    assert.equal((await idle.fetch('/console/accounts')).status, 200);
    s.clock.advanceMinutes(31);
    assert.equal((await idle.fetch('/console/accounts')).location, '/console/login');

    const busy = new ConsoleVisitor(s);
    await busy.signIn('idle@example.com', 'operator-pass-1');
    for (const minutes of [20, 20, 19]) {
      s.clock.advanceMinutes(minutes);
      assert.equal((await busy.fetch('/console/accounts')).status, 200);
    }
    s.clock.advanceMinutes(2);
    assert.equal((await busy.fetch('/console/accounts')).location, '/console/login');
  });

  it("finds accounts across the tenant's customer sets, paged, and never another tenant's", async () => {
    await createOperator(s, { email: 'find@example.com', password: 'operator-pass-1' });
    const v = new ConsoleVisitor(s);
    await v.signIn('find@example.com', 'operator-pass-1');
    // The clock has moved on past the seeded app token's life.
    const appToken = await s.appToken();
    const elsewhere = await signup(s, appToken, { prefix: 'paging', siteId: 3 });
    for (let i = 0; i < 20; i++) await signup(s, appToken, 'paging');
    const first = await v.fetch('/console/accounts?q=PAGING');
    assert.match(first.html, /21 accounts matching/);
    assert.match(first.html, /Page 1 of 2/);
    assert.ok(first.html.includes(`>${elsewhere.email}<`), "the other customer set's shopper is found");
    const second = await v.fetch('/console/accounts?q=paging&page=2');
    assert.equal([...second.html.matchAll(/<tr>/g)].length, 2, 'a header row and the 21st account');

    const foreign = await createAccountsRepo(s.store.db).insert({
      tenantId: 2,
      customerSet: 'default',
      userId: 'foreign-user',
      userName: 'foreign',
      email: 'paging-foreign@example.com',
      passwordHash: null,
      profile: {},
      at: s.clock.now(),
      by: null,
    });
    assert.match((await v.fetch('/console/accounts?q=paging-foreign')).html, /0 accounts matching/);
    const echoed = await v.fetch(`/console/accounts?q=${encodeURIComponent('<b id="x">paging')}`);
    assert.ok(echoed.html.includes('&lt;b id=&#34;x&#34;&gt;paging'), 'what is echoed is escaped');
    assert.ok(!echoed.html.includes('<b id="x">'));
    assert.equal((await v.fetch(`/console/accounts/${foreign.id}`)).status, 404);
    assert.equal(
      (await v.submit(`/console/accounts/${s.shopper.accountId}/lock`, `/console/accounts/${foreign.id}/lock`, {}))
        .status,
      404,
    );
  });
});
