import type { MailMessage } from './mailer.ts';
import { escapeHtml } from './templates.ts';

/** The Reset-Password mail: the confirmation code for Update-Forgotten-Password and the user name it goes with. */
export function passwordResetMessage(
  to: string,
  m: { userName: string; code: string; minutes: number; siteName: string },
): MailMessage {
  const text = [
    `A password reset was requested for your account "${m.userName}" at ${m.siteName}.`,
    '',
    'Your confirmation code:',
    '',
    `    ${m.code}`,
    '',
    `It works once and expires in ${m.minutes} minutes. If you did not ask for this, ignore this message; your password stays as it is.`,
  ].join('\n');
  const html =
    `<p>A password reset was requested for your account <b>${escapeHtml(m.userName)}</b> at ${escapeHtml(m.siteName)}.</p>` +
    `<p>Your confirmation code: <code>${escapeHtml(m.code)}</code></p>` +
    `<p>It works once and expires in ${m.minutes} minutes. If you did not ask for this, ignore this message; your password stays as it is.</p>`;
  return { to, subject: `Reset your password at ${m.siteName}`, text, html };
}
