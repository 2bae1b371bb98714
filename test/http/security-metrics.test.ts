import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type TestServer, useTestServer } from '../helpers/server.ts';
import { newShopper, sdkApis, sdkError } from '../helpers/sdk.ts';
import { startSmtpInbox, type SmtpInbox } from '../helpers/smtp.ts';
import { configWithLogin } from '../helpers/login-config.ts';
import { testConfigFile } from '../helpers/config.ts';
import { signup } from '../helpers/signup.ts';
import { parsePrometheus, sampleValue, type Sample } from '../helpers/prometheus.ts';

const off = { always: false, onNewFingerprint: false, onNewRegion: false };
const TICKETS = '/api/commerce/customer/authtickets';

/** Scrapes /metrics over HTTP and parses it. */
async function scrape(s: TestServer): Promise<Sample[]> {
  const r = await s.request('GET', '/metrics');
  assert.equal(r.status, 200);
  return parsePrometheus(r.text);
}

/** What `step` added to each metric named in `watch` (label sets as given). */
async function deltas(
  s: TestServer,
  watch: Record<string, [string, Record<string, string>?]>,
  step: () => Promise<unknown>,
): Promise<Record<string, number>> {
  const before = await scrape(s);
  await step();
  const after = await scrape(s);
  return Object.fromEntries(
    Object.entries(watch).map(([key, [name, labels]]) => [
      key,
      sampleValue(after, name, labels) - sampleValue(before, name, labels),
    ]),
  );
}

const logins = (outcome: string): [string, Record<string, string>] => ['storefront_auth_logins_total', { outcome }];
const ALL_OUTCOMES = {
  success: logins('success'),
  wrong_password: logins('wrong_password'),
  unknown_user: logins('unknown_user'),
  locked: logins('locked'),
  challenged_2fa: logins('challenged_2fa'),
};
const nothingBut = (d: Record<string, number>, expected: Record<string, number>) =>
  assert.deepEqual(d, { ...Object.fromEntries(Object.keys(d).map((k) => [k, 0])), ...expected });

describe('security metrics on /metrics', () => {
  let inbox: SmtpInbox;
  // Unseeded: the fixture's signup and app logins would show in the counters these tests read.
  const s = useTestServer(async () => {
    inbox = await startSmtpInbox();
    return {
      env: { SMTP_URL: inbox.url },
      configFile: configWithLogin({
        1: { lockout: { maxAttempts: 3, lockMinutes: 30 } },
        2: { twoFactor: { ...off, always: true } },
      }),
      seed: false,
    };
  });
  let appToken: string;
  /** Every user name, email, password and token the tests used: none may appear in a label. */
  const secrets: string[] = [];
  before(async () => {
    appToken = await s.appToken();
    secrets.push(appToken);
  });
  // Registered after the fixture's, so this runs once the server has closed.
  after(async () => {
    await inbox?.close();
  });

  const loginRaw = (username: string, password: string, siteId = 1) =>
    s.request('POST', TICKETS, {
      headers: { authorization: `Bearer ${appToken}`, 'x-vol-site': String(siteId) },
      body: { username, password },
    });

  it('counts logins by outcome: success, wrong password, unknown user, locked', async () => {
    const u = await signup(s, appToken, 'metrics');
    secrets.push(u.email, u.userName, u.password, u.ticket.accessToken!, u.ticket.refreshToken!);

    const ok = await deltas(
      s,
      { ...ALL_OUTCOMES, verifies: ['storefront_auth_argon2_verify_seconds_count'] },
      async () => {
        const r = await loginRaw(u.email, u.password);
        assert.equal(r.status, 200);
        secrets.push(r.json.accessToken, r.json.refreshToken, r.json.jwtAccessToken);
      },
    );
    nothingBut(ok, { success: 1, verifies: 1 });

    const wrong = await deltas(s, ALL_OUTCOMES, async () => {
      assert.equal((await loginRaw(u.email, 'Wrong-passw0rd')).status, 401);
    });
    nothingBut(wrong, { wrong_password: 1 });

    const ghost = `nobody-${u.email}`;
    secrets.push(ghost);
    const unknown = await deltas(
      s,
      { ...ALL_OUTCOMES, verifies: ['storefront_auth_argon2_verify_seconds_count'] },
      async () => {
        assert.equal((await loginRaw(ghost, 'Whatever-passw0rd')).status, 401);
      },
    );
    nothingBut(unknown, { unknown_user: 1, verifies: 1 }); // the decoy verify is timed too

    // maxAttempts 3: one wrong try so far, the third locks the account
    const locking = await deltas(
      s,
      { ...ALL_OUTCOMES, lockouts: ['storefront_auth_lockouts_total', { reason: 'too_many_attempts' }] },
      async () => {
        assert.equal((await loginRaw(u.email, 'Wrong-passw0rd')).status, 401);
        assert.equal((await loginRaw(u.email, 'Wrong-passw0rd')).status, 401);
      },
    );
    nothingBut(locking, { wrong_password: 2, lockouts: 1 });

    const locked = await deltas(s, ALL_OUTCOMES, async () => {
      const r = await loginRaw(u.email, u.password);
      assert.equal(r.status, 423);
    });
    nothingBut(locked, { locked: 1 });
  });

  it('counts a 2FA challenge, the code mailed, and the code checks; then the success', async () => {
    const u = newShopper('metrics2fa');
    const { accounts, tickets } = sdkApis(s, { accessToken: appToken, siteId: 2 });
    await accounts.addAccountAndLogin({
      customerAccountAndAuthInfo: { account: { emailAddress: u.email }, password: u.password },
    });
    secrets.push(u.email, u.password);
    const watch = {
      ...ALL_OUTCOMES,
      sent: ['storefront_auth_codes_sent_total', { purpose: '2fa', result: 'sent' }],
      sendFailed: ['storefront_auth_codes_sent_total', { purpose: '2fa', result: 'failed' }],
      passed: ['storefront_auth_code_checks_total', { purpose: '2fa', result: 'passed' }],
      failed: ['storefront_auth_code_checks_total', { purpose: '2fa', result: 'failed' }],
      mail: ['storefront_auth_mail_failures_total'],
    } as Record<string, [string, Record<string, string>?]>;

    let challenge!: { userId?: string | null; accessToken?: string | null };
    const challenged = await deltas(s, watch, async () => {
      challenge = await tickets.createUserAuthTicket({
        customerUserAuthInfo: { username: u.email, password: u.password },
      });
      assert.equal((challenge as { requires2FA?: boolean }).requires2FA, true);
    });
    nothingBut(challenged, { challenged_2fa: 1, sent: 1 });
    secrets.push(challenge.accessToken!);
    const code = await inbox.nextCode(u.email);
    secrets.push(code);

    const checks = await deltas(s, watch, async () => {
      const wrong = await sdkError(() =>
        tickets.validate2FAAndCreateAuthTicket({
          authTicket2FAInfo: { userId: challenge.userId!, otpCode: code === '000000' ? '111111' : '000000' },
        }),
      );
      assert.equal(wrong.status, 401);
      const ticket = await tickets.validate2FAAndCreateAuthTicket({
        authTicket2FAInfo: { userId: challenge.userId!, otpCode: code },
      });
      secrets.push(ticket.accessToken!, ticket.refreshToken!);
    });
    nothingBut(checks, { failed: 1, passed: 1, success: 1 });

    // The mail server refuses: the code could not be sent, a mail failed, the login answers 503.
    s.clock.advance(31_000); // past the resend throttle
    inbox.reject = true;
    try {
      const failing = await deltas(s, watch, async () => {
        const r = await loginRaw(u.email, u.password, 2);
        assert.equal(r.status, 503);
      });
      nothingBut(failing, { sendFailed: 1, mail: 1 });
    } finally {
      inbox.reject = false;
    }
  });

  it('counts a refresh token presented again', async () => {
    const anon = await s.request('GET', `${TICKETS}/anonymousshopper`, {
      headers: { authorization: `Bearer ${appToken}` },
    });
    assert.equal(anon.status, 200);
    const spent = anon.json.refreshToken as string;
    secrets.push(spent, anon.json.accessToken);
    const refresh = () =>
      s.request('PUT', `${TICKETS}/refresh?refreshToken=${encodeURIComponent(spent)}`, {
        headers: { authorization: `Bearer ${appToken}` },
      });
    const d = await deltas(s, { reuse: ['storefront_auth_refresh_token_reuse_total'] }, async () => {
      const first = await refresh();
      assert.equal(first.status, 200);
      secrets.push(first.json.refreshToken);
      assert.equal((await refresh()).status, 401);
    });
    assert.deepEqual(d, { reuse: 1 });
  });

  it('reports the hashing-thread queue and the database pool', async () => {
    const m = await scrape(s);
    assert.equal(sampleValue(m, 'storefront_auth_hash_queue_depth'), 0, 'nothing owed at rest');
    assert.ok(sampleValue(m, 'storefront_auth_db_pool_size') >= 1);
    const inUse = m.find((x) => x.name === 'storefront_auth_db_pool_in_use');
    assert.ok(inUse && inUse.value >= 0 && inUse.value <= sampleValue(m, 'storefront_auth_db_pool_size'));
    assert.ok(m.some((x) => x.name === 'storefront_auth_db_pool_waiting'));
    assert.equal(
      m.some((x) => x.name === 'storefront_auth_pglite_memory_bytes'),
      s.store.kind === 'pglite',
      "PGlite's memory is reported on PGlite only",
    );
    // the queue rises while logins wait for the hashing threads
    const u = await signup(s, appToken, 'metricsq');
    secrets.push(u.email, u.userName, u.password);
    let peak = 0;
    let done = false;
    const running = Promise.all(Array.from({ length: 6 }, () => loginRaw(u.email, u.password))).finally(
      () => (done = true),
    );
    while (!done) peak = Math.max(peak, sampleValue(await scrape(s), 'storefront_auth_hash_queue_depth'));
    await running;
    assert.ok(peak >= 1, 'jobs owed were seen while logins ran');
    assert.equal(sampleValue(await scrape(s), 'storefront_auth_hash_queue_depth'), 0);
  });

  it('no label value carries a user name, an email, a password, a code or a token', async () => {
    assert.ok(secrets.length > 10);
    const m = await scrape(s);
    for (const sample of m)
      for (const value of Object.values(sample.labels))
        for (const secret of secrets) assert.ok(!value.includes(secret), `${sample.name} has a label ${value}`);
    // Codes are six digits, which a number may contain by chance; every other value must not appear at all.
    const text = (await s.request('GET', '/metrics')).text;
    for (const secret of secrets.filter((x) => !/^\d{6}$/.test(x)))
      assert.ok(!text.includes(secret), `the metrics text contains ${secret}`);
  });
});

describe('rate-limit rejections on /metrics', () => {
  const roomy = { perIp: 1000, perAccount: 1000, windowSeconds: 60 };
  // Unseeded: the fixture's app logins and signup would count against these limits.
  const s = useTestServer({
    configFile: testConfigFile({
      rateLimits: {
        enabled: true,
        login: { perIp: 2, perAccount: 1000, windowSeconds: 60 },
        signup: roomy,
        codes: roomy,
        reset: roomy,
        appLogin: roomy,
      },
    }),
    seed: false,
  });

  it('counts each refused request by route pattern', async () => {
    const appToken = await s.appToken();
    const user = newShopper('metricsrl');
    const d = await deltas(
      s,
      {
        login: ['storefront_auth_rate_limited_total', { route: TICKETS }],
        oauth: ['storefront_auth_rate_limited_total', { route: '/api/platform/applications/authtickets/oauth' }],
      },
      async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) {
          const r = await s.request('POST', TICKETS, {
            headers: { authorization: `Bearer ${appToken}` },
            body: { username: user.email, password: user.password },
          });
          statuses.push(r.status);
        }
        assert.deepEqual(statuses, [401, 401, 429, 429]);
      },
    );
    assert.deepEqual(d, { login: 2, oauth: 0 });
    const text = (await s.request('GET', '/metrics')).text;
    assert.ok(!text.includes(user.email));
  });
});
