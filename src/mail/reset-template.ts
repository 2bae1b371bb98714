import type { MailMessage } from './mailer.ts';
import { renderMail, type SiteMail } from './templates.ts';

/**
 * The Reset-Password mail: the confirmation code for Update-Forgotten-Password and the user name it
 * goes with, and, when the site has a `mail.resetUrl`, a link to its reset page carrying both.
 */
export function passwordResetMessage(
  to: string,
  m: {
    userName: string;
    code: string;
    minutes: number;
    site: { readonly name: string; readonly mail: SiteMail };
    firstName?: string | null;
  },
): MailMessage {
  return renderMail('passwordReset', m.site, to, {
    code: m.code,
    minutes: m.minutes,
    userName: m.userName,
    ...(m.firstName ? { firstName: m.firstName } : {}),
    ...(m.site.mail.resetUrl ? { resetUrl: resetLink(m.site.mail.resetUrl, m.code, m.userName) } : {}),
  });
}

/** `<base>?code=…&userName=…`: what the reset page needs to call Update-Forgotten-Password. */
function resetLink(base: string, code: string, userName: string): string {
  const url = new URL(base);
  url.searchParams.set('code', code);
  url.searchParams.set('userName', userName);
  return url.href;
}
