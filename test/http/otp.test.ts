import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, useTestServer } from '../helpers/server.ts';
import { signup } from '../helpers/signup.ts';
import { newShopper, sdkApis, sdkError } from '../helpers/sdk.ts';
import { codeIn, startSmtpInbox, type SmtpInbox } from '../helpers/smtp.ts';
import { configWithLogin } from '../helpers/login-config.ts';

const otpOn = { otpLogin: { enabled: true } };

describe('one-time-code login through the official SDK', () => {
  let inbox: SmtpInbox;
  const s = useTestServer(async () => {
    inbox = await startSmtpInbox();
    // site 1 enables OTP (and always-2FA, which OTP login does not add to); site 2 does not
    return {
      env: { SMTP_URL: inbox.url },
      configFile: configWithLogin({
        1: { ...otpOn, twoFactor: { always: true, onNewFingerprint: false, onNewRegion: false } },
      }),
    };
  });
  after(async () => {
    await inbox?.close();
  });

  const api = (siteId = 1) => sdkApis(s, { accessToken: s.storefrontToken, siteId }).tickets;
  const request = (email: string, siteId = 1) => api(siteId).generateAndSendOtp({ otpRequest: { email } });
  const auth = (email: string, otpCode: string, extra: { fingerprint?: string; region?: string } = {}, siteId = 1) =>
    api(siteId).validateOtpAndCreateAuthTicket({ authTicketOtpInfo: { email, otpCode, ...extra } });

  it('logs in with an emailed code, once', async () => {
    const { ticket: t, ...u } = await signup(s, s.storefrontToken, 'otp');
    await request(u.email.toUpperCase());
    const mail = await inbox.next(u.email);
    assert.match(mail.raw, /Subject: Your Main login code/);
    const code = codeIn(mail.raw);
    const ticket = await auth(u.email, code, { fingerprint: 'phone-1', region: 'EU' });
    assert.equal(ticket.requires2FA, false);
    assert.ok(ticket.accessToken && ticket.refreshToken && ticket.jwtAccessToken);
    assert.equal(ticket.customerAccount?.id, t.customerAccount?.id);
    const me = await sdkApis(s, { accessToken: ticket.jwtAccessToken! }).accounts.getCurrentAccount({});
    assert.equal(me.emailAddress, u.email);
    // the device and region are recorded
    const devices = await s.store.db
      .selectFrom('known_devices')
      .selectAll()
      .where('account_id', '=', t.customerAccount!.id!)
      .execute();
    assert.equal(devices.length, 1);
    const again = await sdkError(() => auth(u.email, code));
    assert.equal(again.status, 401);
    assert.equal(again.errorCode, 'INVALID_CODE');
    assert.ok(!s.logs.some((l) => l.includes(code)));
  });

  it('answers an unknown email exactly like a known one, sends nothing, and takes about as long', async () => {
    const u = await signup(s, s.storefrontToken, 'otp');
    const time = async (email: string) => {
      const t0 = performance.now();
      const r = await s.request('POST', '/api/commerce/customer/authtickets/otp/request', {
        body: { email },
        headers: { authorization: `Bearer ${s.storefrontToken}` },
      });
      return { r, ms: performance.now() - t0 };
    };
    const known = await time(u.email);
    const unknownEmail = `nobody-${Date.now()}@example.com`;
    const unknown = await time(unknownEmail);
    assert.equal(known.r.status, 200);
    assert.equal(unknown.r.status, unknown.r.status);
    assert.equal(unknown.r.status, 200);
    assert.equal(unknown.r.text, known.r.text);
    await s.services.codeLogin.idle();
    await inbox.next(u.email);
    assert.equal(inbox.count(unknownEmail), 0);
    // the mail goes out after the answer, so both answers cost the same lookups; allow for noise
    const samples = async (email: (i: number) => string) => {
      const out: number[] = [];
      for (let i = 0; i < 5; i++) {
        const shopper = email(i);
        out.push((await time(shopper)).ms);
      }
      return out.sort((a, b) => a - b)[2];
    };
    const known5 = await Promise.all(Array.from({ length: 5 }, () => signup(s, s.storefrontToken, 'otp')));
    const kMed = await samples((i) => known5[i].email);
    const uMed = await samples((i) => `nobody-${i}-${Date.now()}@example.com`);
    assert.ok(Math.abs(kMed - uMed) < 100, `median known ${kMed.toFixed(1)} ms vs unknown ${uMed.toFixed(1)} ms`);
    await s.services.codeLogin.idle();
  });

  it('answers a second request for one email within the resend interval alike, known or not, and sends nothing', async () => {
    const u = await signup(s, s.storefrontToken, 'otp');
    await request(u.email);
    const first = await inbox.nextCode(u.email);
    for (const email of [u.email, `ghost-${Date.now()}@example.com`]) {
      if (email !== u.email) await request(email);
      const e = await s.request('POST', '/api/commerce/customer/authtickets/otp/request', {
        body: { email },
        headers: { authorization: `Bearer ${s.storefrontToken}` },
      });
      assert.equal(e.status, 200, e.text);
      assert.equal(e.text, '');
    }
    await s.services.codeLogin.idle();
    assert.equal(inbox.count(u.email), 1, 'no second mail inside the interval');
    s.clock.advance(31_000);
    await request(u.email);
    const second = await inbox.nextCode(u.email);
    if (second !== first) assert.equal((await sdkError(() => auth(u.email, first))).errorCode, 'INVALID_CODE');
    assert.ok((await auth(u.email, second)).jwtAccessToken);
  });

  it('kills a code after three wrong tries, and expires it after three minutes', async () => {
    const u = await signup(s, s.storefrontToken, 'otp');
    await request(u.email);
    const code = await inbox.nextCode(u.email);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) assert.equal((await sdkError(() => auth(u.email, wrong))).errorCode, 'INVALID_CODE');
    assert.equal((await sdkError(() => auth(u.email, code))).errorCode, 'INVALID_CODE');

    s.clock.advance(31_000);
    await request(u.email);
    const code2 = await inbox.nextCode(u.email);
    s.clock.advanceMinutes(4);
    assert.equal((await sdkError(() => auth(u.email, code2))).errorCode, 'INVALID_CODE');
    // an unknown email is just a wrong code
    assert.equal((await sdkError(() => auth(`ghost-${Date.now()}@example.com`, code2))).errorCode, 'INVALID_CODE');
  });

  it('refuses OTP on a site that does not enable it with 403 FORBIDDEN', async () => {
    const u = await signup(s, s.storefrontToken, 'otp');
    const e1 = await sdkError(() => request(u.email, 2));
    assert.equal(e1.status, 403);
    assert.equal(e1.errorCode, 'FORBIDDEN');
    const e2 = await sdkError(() => auth(u.email, '123456', {}, 2));
    assert.equal(e2.status, 403);
    assert.equal(inbox.count(u.email), 0);
  });

  it('answers bad input with Kibo errors', async () => {
    const h = { authorization: `Bearer ${s.storefrontToken}` };
    const noEmail = await s.request('POST', '/api/commerce/customer/authtickets/otp/request', { body: {}, headers: h });
    assert.equal(noEmail.status, 400);
    const badEmail = await s.request('POST', '/api/commerce/customer/authtickets/otp/request', {
      body: { email: 'not an email' },
      headers: h,
    });
    assert.equal(badEmail.status, 400);
    assert.equal(badEmail.json.errorCode, 'MISSING_OR_INVALID_PARAMETER');
    const noCode = await s.request('POST', '/api/commerce/customer/authtickets/otp/auth', {
      body: { email: 'a@example.com' },
      headers: h,
    });
    assert.equal(noCode.status, 400);
  });

  it('leaves no usable code when the mail fails (and still answers 200)', async () => {
    const { ticket: t, ...u } = await signup(s, s.storefrontToken, 'otp');
    inbox.reject = true;
    try {
      await request(u.email);
      await s.services.codeLogin.idle();
    } finally {
      inbox.reject = false;
    }
    const live = await s.store.db
      .selectFrom('verification_codes')
      .selectAll()
      .where('account_id', '=', t.customerAccount!.id!)
      .where('consumed_at', 'is', null)
      .execute();
    assert.equal(live.length, 0);
    assert.ok(s.logs.some((l) => l.includes('failed sending the otp code')));
    // and the throttle was given back
    await request(u.email);
    assert.ok((await auth(u.email, await inbox.nextCode(u.email))).jwtAccessToken);
  });
});

describe('mail without SMTP_URL: the outbox', () => {
  it('writes each message as an .eml file and logs where, never the code', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sa-outbox-'));
    const s = await startTestServer({ env: { MAIL_OUTBOX_DIR: dir }, configFile: configWithLogin({ 1: otpOn }) });
    try {
      const appToken = await s.appToken();
      const u = newShopper('outbox');
      const { accounts, tickets } = sdkApis(s, { accessToken: appToken });
      await accounts.addAccountAndLogin({
        customerAccountAndAuthInfo: { account: { emailAddress: u.email }, password: u.password },
      });
      await tickets.generateAndSendOtp({ otpRequest: { email: u.email } });
      await s.services.codeLogin.idle();
      const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.eml'));
      assert.equal(files.length, 1);
      const file = path.join(dir, files[0]);
      const raw = await fs.readFile(file, 'utf8');
      assert.match(raw, new RegExp(`To: ${u.email}`));
      const code = codeIn(raw);
      const line = s.logs.find((l) => l.includes(files[0]));
      assert.ok(line, 'a log line names the file');
      assert.ok(!s.logs.some((l) => l.includes(code)), 'no log line has the code');
      const ticket = await tickets.validateOtpAndCreateAuthTicket({
        authTicketOtpInfo: { email: u.email, otpCode: code },
      });
      assert.ok(ticket.jwtAccessToken);
    } finally {
      await s.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
