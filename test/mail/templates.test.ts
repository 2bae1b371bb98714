import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { codeMail, renderMail, type SiteMail } from '../../src/mail/templates.ts';
import { passwordResetMessage } from '../../src/mail/reset-template.ts';

const site = (name: string, mail: Partial<SiteMail> = {}) => ({ name, mail: { templates: {}, ...mail } });

describe('mail templates', () => {
  // The texts before templates (src/mail/templates/*.liquid must keep them, byte for byte).
  it('renders the default 2FA, OTP and reset mails exactly as before', () => {
    const twoFactor = codeMail({
      to: 'a@x',
      site: site('Main & Co'),
      purpose: '2fa',
      code: '123456',
      minutes: 10,
      userName: 'ann',
      firstName: 'Ann',
    });
    assert.deepEqual(twoFactor, {
      to: 'a@x',
      subject: 'Your Main & Co verification code',
      text: 'Hello Ann,\n\nSomeone (hopefully you) signed in to Main & Co with your password. To finish signing in, enter this code:\n\n    123456\n\nThe code expires in 10 minutes and works once.\nIf this was not you, change your password: someone knows it.\n\n— Main & Co\n',
      html: '<!doctype html>\n<html><body style="font-family: sans-serif; line-height: 1.5">\n<p>Hello Ann,</p>\n<p>Someone (hopefully you) signed in to Main &amp; Co with your password. To finish signing in, enter this code:</p>\n<p style="font-size: 28px; font-weight: bold; letter-spacing: 6px; font-family: monospace">123456</p>\n<p>The code expires in 10 minutes and works once.<br>If this was not you, change your password: someone knows it.</p>\n<p>— Main &amp; Co</p>\n</body></html>\n',
    });
    const noName = codeMail({
      to: 'a@x',
      site: site('Main'),
      purpose: '2fa',
      code: '123456',
      minutes: 10,
      userName: 'u',
    });
    assert.ok(noName.text.startsWith('Hello,\n\n'));
    assert.ok(noName.html.includes('<p>Hello,</p>'));

    const otp = codeMail({
      to: 'a@x',
      site: site('Main'),
      purpose: 'otp',
      code: '654321',
      minutes: 10,
      userName: 'bob',
      firstName: 'Bob',
    });
    assert.deepEqual(otp, {
      to: 'a@x',
      subject: 'Your Main login code',
      text: 'Hello Bob,\n\nUse this code to sign in to Main:\n\n    654321\n\nThe code expires in 10 minutes and works once.\nIf you did not ask for it, you can ignore this message.\n\n— Main\n',
      html: '<!doctype html>\n<html><body style="font-family: sans-serif; line-height: 1.5">\n<p>Hello Bob,</p>\n<p>Use this code to sign in to Main:</p>\n<p style="font-size: 28px; font-weight: bold; letter-spacing: 6px; font-family: monospace">654321</p>\n<p>The code expires in 10 minutes and works once.<br>If you did not ask for it, you can ignore this message.</p>\n<p>— Main</p>\n</body></html>\n',
    });

    const reset = passwordResetMessage('a@x', {
      userName: 'ann<1>',
      code: 'CODE_abc',
      minutes: 30,
      site: site('Main'),
    });
    assert.deepEqual(reset, {
      to: 'a@x',
      subject: 'Reset your password at Main',
      text: 'A password reset was requested for your account "ann<1>" at Main.\n\nYour confirmation code:\n\n    CODE_abc\n\nIt works once and expires in 30 minutes. If you did not ask for this, ignore this message; your password stays as it is.',
      html: '<p>A password reset was requested for your account <b>ann&lt;1&gt;</b> at Main.</p><p>Your confirmation code: <code>CODE_abc</code></p><p>It works once and expires in 30 minutes. If you did not ask for this, ignore this message; your password stays as it is.</p>',
    });
  });

  it("uses a site's own parts and the defaults for the parts it leaves out", () => {
    const own = site('Shop', {
      templates: {
        otpLogin: {
          subject: '{{ siteName }}: {{ code }}',
          text: 'Hi {{ firstName | default: userName }}: {{ code }} ({{ minutes }} min)',
        },
      },
    });
    const m = codeMail({ to: 'a@x', site: own, purpose: 'otp', code: '111222', minutes: 5, userName: 'bob' });
    assert.equal(m.subject, 'Shop: 111222');
    assert.equal(m.text, 'Hi bob: 111222 (5 min)');
    assert.ok(m.html.includes('<p>Use this code to sign in to Shop:</p>'), 'the default HTML');
    // the 2FA mail of the same site keeps its defaults
    const twoFactor = codeMail({ to: 'a@x', site: own, purpose: '2fa', code: '111222', minutes: 5, userName: 'bob' });
    assert.equal(twoFactor.subject, 'Your Shop verification code');
  });

  it('escapes variables in HTML only, and keeps a subject on one line', () => {
    const own = site('Tom & "Jerry"', {
      templates: {
        twoFactor: {
          subject: 'Code for\n{{ firstName }}\n',
          text: '{{ firstName }} at {{ siteName }}',
          html: '<p title="{{ firstName }}">{{ firstName }} at {{ siteName }} {{ firstName | raw }}</p>',
        },
      },
    });
    const evil = '<script>alert("x")</script> & \'co\'';
    const m = codeMail({ to: 'a@x', site: own, purpose: '2fa', code: '1', minutes: 1, userName: 'u', firstName: evil });
    assert.equal(m.subject, `Code for ${evil}`);
    assert.equal(m.text, `${evil} at Tom & "Jerry"`);
    const escaped = '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;co&#39;';
    assert.equal(m.html, `<p title="${escaped}">${escaped} at Tom &amp; &#34;Jerry&#34; ${evil}</p>`);
    // the default HTML escapes too
    const d = codeMail({
      to: 'a@x',
      site: site('S'),
      purpose: 'otp',
      code: '1',
      minutes: 1,
      userName: 'u',
      firstName: evil,
    });
    assert.ok(d.html.includes(`<p>Hello ${escaped},</p>`));
    assert.ok(!d.html.includes('<script>'));
  });

  it('links the reset mail to the site page with the code and user name, keeping its own query', () => {
    const own = site('Shop', { resetUrl: 'https://shop.example/account/reset?lang=en' });
    const m = passwordResetMessage('a@x', { userName: 'ann&bob', code: 'Co-de_1', minutes: 30, site: own });
    const link = 'https://shop.example/account/reset?lang=en&code=Co-de_1&userName=ann%26bob';
    assert.ok(m.text.includes(`To choose a new password, open this link:\n\n    ${link}\n\n`), m.text);
    assert.ok(m.text.includes('\n    Co-de_1\n'), 'the code is still there to type in');
    assert.ok(m.html.includes(`<a href="${link.replaceAll('&', '&amp;')}">`), m.html);
    assert.ok(m.html.includes('<code>Co-de_1</code>'));
    // without a resetUrl the variable is absent and the mail carries the code alone
    const plain = passwordResetMessage('a@x', { userName: 'ann', code: 'C', minutes: 30, site: site('Shop') });
    assert.ok(!plain.text.includes('http') && !plain.html.includes('<a '));
  });

  it('gives a site template the reset link and the first name as variables', () => {
    const own = site('Shop', {
      resetUrl: 'https://shop.example/r',
      templates: { passwordReset: { text: '{{ firstName }}|{{ userName }}|{{ resetUrl }}|{{ code }}|{{ minutes }}' } },
    });
    const m = passwordResetMessage('a@x', { userName: 'ann', code: 'C1', minutes: 30, site: own, firstName: 'Ann' });
    assert.equal(m.text, 'Ann|ann|https://shop.example/r?code=C1&userName=ann|C1|30');
    assert.equal(renderMail('passwordReset', own, 'a@x', { code: 'C2', minutes: 1, userName: 'x' }).text, '|x||C2|1');
  });
});
