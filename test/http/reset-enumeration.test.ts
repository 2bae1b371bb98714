import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../helpers/server.ts';
import { startSmtpInbox, type SmtpInbox } from '../helpers/smtp.ts';
import { signup } from '../helpers/signup.ts';
import { assertKibo } from '../helpers/kibo.ts';

const RESET = '/api/commerce/customer/accounts/Reset-Password';
const UPDATE = '/api/commerce/customer/accounts/Update-Forgotten-Password';

/** The reset code line of the mail (src/mail/templates/password-reset.text.liquid indents it by four spaces). */
function resetCodeIn(raw: string): string {
  const m = /^ {4}([A-Za-z0-9_-]{43,})\s*$/m.exec(raw.replace(/=\r?\n/g, ''));
  if (!m) throw new Error(`no reset code in:\n${raw}`);
  return m[1];
}

/** `p`, or a rejection naming `what` after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

/**
 * Reset-Password must not tell whether an email has an account (issue #13, point 6): a known
 * email does no more work before its answer than an unknown one, so storing the code and mailing
 * it happen after the answer. Held mail makes that observable without measuring time: the answer
 * for a known email arrives while its mail still waits on the SMTP server.
 */
describe('Reset-Password answers before its work', () => {
  let inbox: SmtpInbox;
  // Unseeded: the fixture's shopper and tokens are not needed. Held mail is released before the
  // server closes, which would otherwise wait on it.
  const s = useTestServer(async () => {
    inbox = await startSmtpInbox();
    return {
      env: { SMTP_URL: inbox.url },
      seed: false,
      beforeClose: () => {
        inbox.hold = undefined;
      },
    };
  });
  let app: Record<string, string>;
  before(async () => {
    app = { authorization: `Bearer ${await s.appToken()}` };
  });
  // Registered after the fixture's, so this runs once the server has closed.
  after(async () => {
    await inbox?.close();
  });

  it('answers a known email while its mail is still being sent, then the mailed code works', async () => {
    const u = await signup(s, await s.appToken(), 'reset-held');
    let release!: () => void;
    inbox.hold = new Promise<void>((r) => (release = r));
    try {
      const r = await within(
        s.request('POST', RESET, { headers: app, body: { emailAddress: u.email } }),
        4000,
        'Reset-Password for a known email',
      );
      assert.equal(r.status, 200, r.text);
      assert.equal(inbox.count(u.email), 0, 'the mail is still held');
    } finally {
      release();
      inbox.hold = undefined;
    }
    const code = resetCodeIn((await inbox.next(u.email)).raw);
    const done = await s.request('POST', UPDATE, {
      headers: app,
      body: { userName: u.email, confirmationCode: code, newPassword: 'Reset-after-answer-1' },
    });
    assert.equal(done.status, 200, done.text);
  });

  it('answers 200 when the mail cannot be sent, and logs the failure without the code', async () => {
    const u = await signup(s, await s.appToken(), 'reset-fail');
    inbox.reject = true;
    try {
      const r = await s.request('POST', RESET, { headers: app, body: { emailAddress: u.email } });
      assert.equal(r.status, 200, r.text);
      await s.services.passwordReset.idle();
    } finally {
      inbox.reject = false;
    }
    const line = s.logs.find((l) => l.includes('failed sending a password reset code'));
    assert.ok(line, 'the failed send is logged');
    assert.ok(!line.includes(u.email), line);
  });

  it('mails one code per request, in order, and only the last is live', async () => {
    const u = await signup(s, await s.appToken(), 'reset-order');
    let release!: () => void;
    inbox.hold = new Promise<void>((r) => (release = r));
    try {
      for (let i = 0; i < 3; i++) {
        const r = await s.request('POST', RESET, { headers: app, body: { emailAddress: u.email } });
        assert.equal(r.status, 200, r.text);
      }
    } finally {
      release();
      inbox.hold = undefined;
    }
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(resetCodeIn((await inbox.next(u.email)).raw));
    await s.services.passwordReset.idle();
    for (const code of codes.slice(0, 2)) {
      const r = await s.request('POST', UPDATE, {
        headers: app,
        body: { userName: u.email, confirmationCode: code, newPassword: 'Old-code-passw0rd' },
      });
      assertKibo(r, 401, 'INVALID_CODE');
    }
    const r = await s.request('POST', UPDATE, {
      headers: app,
      body: { userName: u.email, confirmationCode: codes[2], newPassword: 'Last-code-passw0rd' },
    });
    assert.equal(r.status, 200, r.text);
  });

  it('answers an unknown email the same 200 and mails nothing', async () => {
    const u = await signup(s, await s.appToken(), 'reset-same');
    const nobody = `nobody.${Date.now()}@example.com`;
    const r = await s.request('POST', RESET, { headers: app, body: { emailAddress: nobody } });
    const known = await s.request('POST', RESET, { headers: app, body: { emailAddress: u.email } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.status, r.text], [known.status, known.text]);
    await s.services.passwordReset.idle();
    assert.equal(inbox.count(nobody), 0);
  });
});
