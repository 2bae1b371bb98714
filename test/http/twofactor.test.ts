import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StorefrontAuthTicketApi } from '@kibocommerce/rest-sdk/clients/Customer/index.js';
import { useTestServer } from '../helpers/server.ts';
import { signup } from '../helpers/signup.ts';
import { sdkApis, sdkError } from '../helpers/sdk.ts';
import { startSmtpInbox, type SmtpInbox } from '../helpers/smtp.ts';
import { configWithLogin } from '../helpers/login-config.ts';

const off = { always: false, onNewFingerprint: false, onNewRegion: false };

describe('email two-factor authentication through the official SDK', () => {
  let inbox: SmtpInbox;
  const s = useTestServer(async () => {
    inbox = await startSmtpInbox();
    return {
      env: { SMTP_URL: inbox.url, MAIL_FROM: 'Shop <no-reply@shop.test>' },
      configFile: configWithLogin({
        1: { twoFactor: { ...off, always: true } },
        2: { twoFactor: { ...off, onNewFingerprint: true } },
        3: { twoFactor: { ...off, onNewRegion: true } },
      }),
    };
  });
  after(async () => {
    await inbox?.close();
  });

  /** Moves past the resend interval, so the same account may be sent another code. */
  const pastThrottle = () => s.clock.advance(31_000);

  function login(
    u: { email: string; password: string },
    siteId = 1,
    device: { fingerprint?: string; region?: string } = {},
  ) {
    return sdkApis(s, { accessToken: s.storefrontToken, siteId }).tickets.createUserAuthTicket({
      customerUserAuthInfo: { username: u.email, password: u.password, ...device },
    });
  }

  const validate = (userId: string, otpCode: string, siteId = 1) =>
    sdkApis(s, { accessToken: s.storefrontToken, siteId }).tickets.validate2FAAndCreateAuthTicket({
      authTicket2FAInfo: { userId, otpCode },
    });

  /** The SDK as a storefront holding a challenge: user claims = challenge token, no bearer. */
  const asChallenge = (challengeToken: string, siteId = 1) =>
    new StorefrontAuthTicketApi(s.sdk({ userClaims: challengeToken, appClaims: s.storefrontToken, siteId }));

  it('challenges every login where the site says always, and the emailed code finishes it', async () => {
    const { ticket: signupTicket, ...u } = await signup(s, s.storefrontToken, {
      prefix: 'tfa',
      siteId: 1,
      account: { firstName: 'Ada' },
    });
    assert.equal(signupTicket.requires2FA, false, 'signing up is never challenged');
    assert.ok(signupTicket.jwtAccessToken);

    const challenge = await login(u);
    assert.equal(challenge.requires2FA, true);
    assert.equal(challenge.userId, signupTicket.userId);
    assert.ok(challenge.accessToken);
    assert.equal(challenge.refreshToken, undefined);
    assert.equal(challenge.jwtAccessToken, undefined);
    assert.equal(challenge.customerAccount, undefined);
    assert.ok(Date.parse(challenge.accessTokenExpiration as unknown as string) > s.clock.now().getTime());

    // the challenge token opens nothing else
    const me = await sdkError(() =>
      sdkApis(s, { userClaims: challenge.accessToken!, appClaims: s.storefrontToken }).accounts.getCurrentAccount({}),
    );
    assert.equal(me.status, 401);

    const mail = await inbox.next(u.email);
    assert.match(mail.raw, /Subject: Your Main verification code/);
    assert.match(mail.raw, /Content-Type: text\/plain/i);
    assert.match(mail.raw, /Content-Type: text\/html/i);
    assert.match(mail.raw, /sign(ed)? in to Main/);
    assert.equal(mail.from, 'no-reply@shop.test');
    const code = /^ {4}(\d{6})\s*$/m.exec(mail.raw)![1];

    const ticket = await validate(challenge.userId!, code);
    assert.equal(ticket.requires2FA, false);
    assert.ok(ticket.accessToken && ticket.refreshToken && ticket.jwtAccessToken);
    assert.equal(ticket.customerAccount?.emailAddress, u.email);
    assert.ok(ticket.customerAccount?.last2FaDate, 'last2FaDate is set');
    const me2 = await sdkApis(s, { accessToken: ticket.jwtAccessToken! }).accounts.getCurrentAccount({});
    assert.ok(me2.last2FaDate);

    // single use: the same code again, and the dead challenge token, are refused
    const again = await sdkError(() => validate(challenge.userId!, code));
    assert.equal(again.status, 401);
    assert.equal(again.errorCode, 'INVALID_CODE');
    const resend = await sdkError(() => asChallenge(challenge.accessToken!).generateAndSend2faOtp({}));
    assert.equal(resend.status, 401);

    // the code is stored only as a keyed hash, and never logged
    const rows = await s.store.db
      .selectFrom('verification_codes')
      .selectAll()
      .where('account_id', '=', ticket.customerAccount!.id!)
      .execute();
    assert.ok(rows.length > 0);
    for (const r of rows) assert.doesNotMatch(JSON.stringify(r), new RegExp(code));
    assert.ok(!s.logs.some((l) => l.includes(code)), 'the code never appears in the logs');
    const events = await s.store.db
      .selectFrom('auth_events')
      .select(['type', 'detail'])
      .where('account_id', '=', ticket.customerAccount!.id!)
      .execute();
    assert.ok(events.some((e) => e.type === '2fa.challenged'));
    assert.ok(events.some((e) => e.type === '2fa.passed'));
    assert.ok(!JSON.stringify(events).includes(code));
  });

  it('challenges a device it does not know, then knows it (site with onNewFingerprint)', async () => {
    const { ticket, ...u } = await signup(s, s.storefrontToken, {
      prefix: 'tfa',
      siteId: 2,
      account: { firstName: 'Ada' },
      device: { fingerprint: 'device-A' },
    });
    // the signup's device is known
    const a = await login(u, 2, { fingerprint: 'device-A' });
    assert.equal(a.requires2FA, false);
    assert.ok(a.jwtAccessToken);
    // a new device is challenged
    const b = await login(u, 2, { fingerprint: 'device-B' });
    assert.equal(b.requires2FA, true);
    const code = await inbox.nextCode(u.email);
    const passed = await validate(b.userId!, code, 2);
    assert.ok(passed.jwtAccessToken);
    // ... and known after the passed 2FA
    const c = await login(u, 2, { fingerprint: 'device-B' });
    assert.equal(c.requires2FA, false);
    // leaving the fingerprint out is no way around the check
    pastThrottle();
    const d = await login(u, 2, {});
    assert.equal(d.requires2FA, true);
    // fingerprints are stored as hashes, with first and last seen
    const devices = await s.store.db
      .selectFrom('known_devices')
      .selectAll()
      .where('account_id', '=', ticket.customerAccount!.id!)
      .execute();
    assert.equal(devices.length, 2);
    for (const dev of devices) {
      assert.doesNotMatch(dev.fingerprint_hash, /device-/);
      assert.ok(dev.first_seen_at <= dev.last_seen_at);
    }
  });

  it('challenges a login from a region other than the last one (site with onNewRegion)', async () => {
    const u = await signup(s, s.storefrontToken, {
      prefix: 'tfa',
      siteId: 3,
      account: { firstName: 'Ada' },
      device: { region: 'EU' },
    });
    const same = await login(u, 3, { region: 'eu' });
    assert.equal(same.requires2FA, false);
    const other = await login(u, 3, { region: 'US' });
    assert.equal(other.requires2FA, true);
    const passed = await validate(other.userId!, await inbox.nextCode(u.email), 3);
    assert.ok(passed.jwtAccessToken);
    const row = await s.store.db
      .selectFrom('accounts')
      .select(['last_region', 'last_2fa_at'])
      .where('id', '=', passed.customerAccount!.id!)
      .executeTakeFirstOrThrow();
    assert.equal(row.last_region, 'US');
    assert.ok(row.last_2fa_at);
    const now = await login(u, 3, { region: 'US' });
    assert.equal(now.requires2FA, false);
  });

  it('kills a code after three wrong tries', async () => {
    const u = await signup(s, s.storefrontToken, { prefix: 'tfa', siteId: 1, account: { firstName: 'Ada' } });
    const ch = await login(u);
    const code = await inbox.nextCode(u.email);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) {
      const e = await sdkError(() => validate(ch.userId!, wrong));
      assert.equal(e.status, 401);
      assert.equal(e.errorCode, 'INVALID_CODE');
    }
    const dead = await sdkError(() => validate(ch.userId!, code));
    assert.equal(dead.errorCode, 'INVALID_CODE');
    const events = await s.store.db.selectFrom('auth_events').select('type').where('type', '=', '2fa.failed').execute();
    assert.ok(events.length >= 3);
  });

  it('expires a code after three minutes', async () => {
    const u = await signup(s, s.storefrontToken, { prefix: 'tfa', siteId: 1, account: { firstName: 'Ada' } });
    const ch = await login(u);
    const code = await inbox.nextCode(u.email);
    s.clock.advanceMinutes(4);
    const e = await sdkError(() => validate(ch.userId!, code));
    assert.equal(e.errorCode, 'INVALID_CODE');
    const resend = await sdkError(() => asChallenge(ch.accessToken!).generateAndSend2faOtp({}));
    assert.equal(resend.status, 401, 'the challenge token lives as long as its code');
  });

  it('re-sends a code for the challenge token (throttled), and the new code kills the old', async () => {
    const u = await signup(s, s.storefrontToken, { prefix: 'tfa', siteId: 1, account: { firstName: 'Ada' } });
    const ch = await login(u);
    const first = await inbox.nextCode(u.email);
    // too soon: 429 with Retry-After
    const soon = await s.request('POST', '/api/commerce/customer/authtickets/2fa/request', {
      headers: { 'x-vol-user-claims': ch.accessToken!, 'x-vol-app-claims': s.storefrontToken },
    });
    assert.equal(soon.status, 429);
    assert.equal(soon.json.errorCode, 'TOO_MANY_REQUESTS');
    const wait = Number(soon.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 30, `Retry-After ${wait}`);
    pastThrottle();
    // the official SDK sends no body, the challenge token as x-vol-user-claims
    await asChallenge(ch.accessToken!).generateAndSend2faOtp({});
    const second = await inbox.nextCode(u.email);
    if (second !== first) {
      const old = await sdkError(() => validate(ch.userId!, first));
      assert.equal(old.errorCode, 'INVALID_CODE');
    }
    const ticket = await validate(ch.userId!, second);
    assert.ok(ticket.jwtAccessToken);
  });

  it('re-sends by {userId} in the body too, and refuses when there is no pending login', async () => {
    const { ticket, ...u } = await signup(s, s.storefrontToken, {
      prefix: 'tfa',
      siteId: 1,
      account: { firstName: 'Ada' },
    });
    const none = await s.request('POST', '/api/commerce/customer/authtickets/2fa/request', {
      body: { userId: ticket.userId },
      headers: { authorization: `Bearer ${s.storefrontToken}` },
    });
    assert.equal(none.status, 401);
    const ch = await login(u);
    await inbox.nextCode(u.email);
    pastThrottle();
    const r = await s.request('POST', '/api/commerce/customer/authtickets/2fa/request', {
      body: { userId: ch.userId },
      headers: { authorization: `Bearer ${s.storefrontToken}` },
    });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    const code = await inbox.nextCode(u.email);
    assert.ok((await validate(ch.userId!, code)).jwtAccessToken);
  });

  it('lets exactly one of parallel 2fa/auth calls with the right code win', async () => {
    const u = await signup(s, s.storefrontToken, { prefix: 'tfa', siteId: 1, account: { firstName: 'Ada' } });
    const ch = await login(u);
    const code = await inbox.nextCode(u.email);
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => validate(ch.userId!, code)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });

  it('never compares more than three guesses, even in parallel', async () => {
    const u = await signup(s, s.storefrontToken, { prefix: 'tfa', siteId: 1, account: { firstName: 'Ada' } });
    const ch = await login(u);
    const code = await inbox.nextCode(u.email);
    const wrong = code === '000000' ? '111111' : '000000';
    await Promise.allSettled(Array.from({ length: 6 }, () => validate(ch.userId!, wrong)));
    const e = await sdkError(() => validate(ch.userId!, code));
    assert.equal(e.errorCode, 'INVALID_CODE');
  });

  it('answers 503 SERVICE_UNAVAILABLE when the mail cannot be sent, and leaves no usable code', async () => {
    const { ticket, ...u } = await signup(s, s.storefrontToken, {
      prefix: 'tfa',
      siteId: 1,
      account: { firstName: 'Ada' },
    });
    inbox.reject = true;
    try {
      const e = await sdkError(() => login(u));
      assert.equal(e.status, 503);
      assert.equal(e.errorCode, 'SERVICE_UNAVAILABLE');
    } finally {
      inbox.reject = false;
    }
    const live = await s.store.db
      .selectFrom('verification_codes')
      .selectAll()
      .where('account_id', '=', ticket.customerAccount!.id!)
      .where('consumed_at', 'is', null)
      .execute();
    assert.equal(live.length, 0);
    // the failed send did not spend the throttle: the shopper can try again at once
    const ch = await login(u);
    assert.equal(ch.requires2FA, true);
    assert.ok((await validate(ch.userId!, await inbox.nextCode(u.email))).jwtAccessToken);
  });

  it('answers bad input with Kibo errors, never 500', async () => {
    const h = { authorization: `Bearer ${s.storefrontToken}` };
    const noCode = await s.request('POST', '/api/commerce/customer/authtickets/2fa/auth', {
      body: { userId: 'x' },
      headers: h,
    });
    assert.equal(noCode.status, 400);
    assert.equal(noCode.json.errorCode, 'MISSING_OR_INVALID_PARAMETER');
    const unknownUser = await s.request('POST', '/api/commerce/customer/authtickets/2fa/auth', {
      body: { userId: 'nobody', otpCode: '123456' },
      headers: h,
    });
    assert.equal(unknownUser.status, 401);
    assert.equal(unknownUser.json.errorCode, 'INVALID_CODE');
    const nothing = await s.request('POST', '/api/commerce/customer/authtickets/2fa/request', { headers: h });
    assert.equal(nothing.status, 400);
    const garbage = await s.request('POST', '/api/commerce/customer/authtickets/2fa/request', {
      headers: { 'x-vol-user-claims': 'not-a-challenge', 'x-vol-app-claims': s.storefrontToken },
    });
    assert.equal(garbage.status, 401);
    const wrongType = await s.request('POST', '/api/commerce/customer/authtickets/2fa/auth', {
      body: { userId: 'x', otpCode: 123456 },
      headers: h,
    });
    assert.equal(wrongType.status, 400);
    const noApp = await s.request('POST', '/api/commerce/customer/authtickets/2fa/auth', {
      body: { userId: 'x', otpCode: '123456' },
    });
    assert.equal(noApp.status, 401);
  });
});
