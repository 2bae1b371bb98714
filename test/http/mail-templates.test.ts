import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { useTestServer } from '../helpers/server.ts';
import { login, signup } from '../helpers/signup.ts';
import { sdkApis } from '../helpers/sdk.ts';
import { codeIn, startSmtpInbox, type SmtpInbox } from '../helpers/smtp.ts';
import { configWithLogin } from '../helpers/login-config.ts';

const otpOn = { otpLogin: { enabled: true } };
const RESET_PAGE = 'https://shop.example/account/reset';

describe('per-site mail templates and the reset link, over real SMTP', () => {
  let inbox: SmtpInbox;
  const s = useTestServer(async () => {
    inbox = await startSmtpInbox();
    // site 1 words its OTP mail its own way and has a reset page; site 2 (same customer set) has neither
    const configFile = configWithLogin({ 1: otpOn, 2: otpOn });
    configFile.tenants[0].sites[0].mail = {
      resetUrl: RESET_PAGE,
      templates: {
        otpLogin: {
          subject: 'Sign-in code for {{ siteName }}',
          text: 'Hi {{ firstName | default: userName }},\n\n    {{ code }}\n\nValid {{ minutes }} minutes.',
          html: '<h1>Hi {{ firstName }}</h1><p>{{ code }}</p>',
        },
      },
    };
    return { env: { SMTP_URL: inbox.url }, configFile };
  });
  after(async () => {
    await inbox?.close();
  });

  const tickets = (siteId: number) => sdkApis(s, { accessToken: s.storefrontToken, siteId }).tickets;
  const accounts = (siteId: number) => sdkApis(s, { accessToken: s.storefrontToken, siteId }).accounts;
  const nextMail = async (to: string) => simpleParser((await inbox.next(to)).raw);

  it('uses a site’s own template for that site only, escaping variables in its HTML', async () => {
    const firstName = '<img src=x onerror=alert(1)> & "Ann"';
    const u = await signup(s, s.storefrontToken, { prefix: 'tpl', account: { firstName } });

    await tickets(1).generateAndSendOtp({ otpRequest: { email: u.email } });
    const own = await nextMail(u.email);
    assert.equal(own.subject, 'Sign-in code for Main');
    const code = codeIn(own.text!);
    assert.equal(own.text, `Hi ${firstName},\n\n    ${code}\n\nValid 3 minutes.`);
    assert.equal(own.html, `<h1>Hi &lt;img src=x onerror=alert(1)&gt; &amp; &#34;Ann&#34;</h1><p>${code}</p>`);
    // the code the site's own mail carried logs in
    assert.ok(
      (await tickets(1).validateOtpAndCreateAuthTicket({ authTicketOtpInfo: { email: u.email, otpCode: code } }))
        .accessToken,
    );

    // another shopper (a code may be asked for once per 30 s), on site 2
    const v = await signup(s, s.storefrontToken, { prefix: 'tpl', siteId: 2, account: { firstName } });
    await tickets(2).generateAndSendOtp({ otpRequest: { email: v.email } });
    const plain = await nextMail(v.email);
    assert.equal(plain.subject, 'Your Second login code');
    assert.match(
      plain.text!,
      /^Hello <img src=x onerror=alert\(1\)> & "Ann",\n\nUse this code to sign in to Second:\n/,
    );
    assert.ok(plain.html && !plain.html.includes('<img'), 'the default HTML escapes the first name');
  });

  it('links the reset mail to the site’s reset page with a working code, and mails the code alone elsewhere', async () => {
    const u = await signup(s, s.storefrontToken, 'tpl-reset');
    await accounts(1).resetPassword({ customerResetPasswordInfo: { emailAddress: u.email } });
    const mail = await nextMail(u.email);
    assert.equal(mail.subject, 'Reset your password at Main');
    const href = /<a href="([^"]+)">Choose a new password<\/a>/.exec(mail.html || '')?.[1];
    assert.ok(href, mail.html || '');
    const link = new URL(href.replaceAll('&amp;', '&'));
    assert.equal(`${link.origin}${link.pathname}`, RESET_PAGE);
    assert.equal(link.searchParams.get('userName'), u.userName);
    const code = link.searchParams.get('code')!;
    assert.match(code, /^[A-Za-z0-9_-]{43,}$/);
    assert.ok(mail.text!.includes(`open this link:\n\n    ${link.href}\n`), mail.text);
    // what the (future) /account/reset page would do with the link
    await accounts(1).updateForgottenPassword({
      confirmationInfo: {
        userName: link.searchParams.get('userName')!,
        confirmationCode: code,
        newPassword: 'Linked-passw0rd',
      },
    });
    assert.ok((await login(s, s.storefrontToken, u.email, 'Linked-passw0rd')).accessToken);

    await accounts(2).resetPassword({ customerResetPasswordInfo: { emailAddress: u.email } });
    const other = await nextMail(u.email);
    assert.equal(other.subject, 'Reset your password at Second');
    assert.match(other.text!, /\n\nYour confirmation code:\n\n {4}[A-Za-z0-9_-]{43,}\n\n/);
    assert.ok(!other.text!.includes('http') && !(other.html || '').includes('<a '));
  });
});
