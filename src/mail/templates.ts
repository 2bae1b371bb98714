import type { MailMessage } from './mailer.ts';

export interface CodeMailInput {
  to: string;
  /** the site's name, shown to the shopper */
  siteName: string;
  purpose: '2fa' | 'otp';
  code: string;
  minutes: number;
  firstName?: string;
}

/** Text made safe to put inside HTML. */
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The message carrying a two-factor or one-time login code: plain text and HTML, naming the site. */
export function codeMail(m: CodeMailInput): MailMessage {
  const what = m.purpose === '2fa' ? 'verification code' : 'login code';
  const why =
    m.purpose === '2fa'
      ? `Someone (hopefully you) signed in to ${m.siteName} with your password. To finish signing in, enter this code:`
      : `Use this code to sign in to ${m.siteName}:`;
  const hello = m.firstName ? `Hello ${m.firstName},` : 'Hello,';
  const expires = `The code expires in ${m.minutes} minutes and works once.`;
  const ignore =
    m.purpose === '2fa'
      ? 'If this was not you, change your password: someone knows it.'
      : 'If you did not ask for it, you can ignore this message.';
  const text = [hello, '', why, '', `    ${m.code}`, '', expires, ignore, '', `— ${m.siteName}`, ''].join('\n');
  const site = escapeHtml(m.siteName);
  const html = `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>${escapeHtml(hello)}</p>
<p>${escapeHtml(why)}</p>
<p style="font-size: 28px; font-weight: bold; letter-spacing: 6px; font-family: monospace">${escapeHtml(m.code)}</p>
<p>${escapeHtml(expires)}<br>${escapeHtml(ignore)}</p>
<p>— ${site}</p>
</body></html>
`;
  return { to: m.to, subject: `Your ${m.siteName} ${what}`, text, html };
}
