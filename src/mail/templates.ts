import { readFileSync } from 'node:fs';
import type { MailMessage } from './mailer.ts';
import { check, render, type Escaping } from './liquid.ts';

/** The mails a site may word its own way (CONFIG_FILE `sites[].mail.templates.<kind>`). */
export const MailKinds = ['twoFactor', 'otpLogin', 'passwordReset'] as const;
export type MailKind = (typeof MailKinds)[number];
export const MailParts = ['subject', 'text', 'html'] as const;
type MailPart = (typeof MailParts)[number];

/** What a site's configuration says about its mail (docs/configuration.md, `sites[].mail`). */
export interface SiteMail {
  /** The shopper reset page the reset mail links to, with the code in the link; absent → the code alone. */
  readonly resetUrl?: string;
  /** Liquid template text replacing a default part (src/mail/templates/<kind>.<part>.liquid). */
  readonly templates: { readonly [K in MailKind]?: { readonly [P in MailPart]?: string } };
}

/** The variables a mail template sees (docs/configuration.md lists them); absent ones render as nothing. */
export interface MailVars {
  code: string;
  /** how long the code is valid */
  minutes: number;
  userName: string;
  firstName?: string;
  /** passwordReset only: the reset page's link with the code in it, when the site has a resetUrl */
  resetUrl?: string;
}

const files: Record<MailKind, string> = {
  twoFactor: 'two-factor',
  otpLogin: 'otp-login',
  passwordReset: 'password-reset',
};
const escaping = (part: MailPart): Escaping => (part === 'html' ? 'html' : 'plain');

const defaults = new Map<string, string>();
/** A default template, read once; a file's final newline is not part of the template. */
function defaultTemplate(kind: MailKind, part: MailPart): string {
  const name = `${files[kind]}.${part}.liquid`;
  let text = defaults.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./templates/${name}`, import.meta.url), 'utf8').replace(/\r?\n$/, '');
    defaults.set(name, text);
  }
  return text;
}

/** Renders a site's mail of `kind`: its own template for each part it configures, else the default. */
export function renderMail(
  kind: MailKind,
  site: { readonly name: string; readonly mail: SiteMail },
  to: string,
  vars: MailVars,
): MailMessage {
  const scope = { siteName: site.name, ...vars };
  const part = (p: MailPart) => render(escaping(p), site.mail.templates[kind]?.[p] ?? defaultTemplate(kind, p), scope);
  // A subject is one header line, whatever line breaks its template has.
  const subject = part('subject')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return { to, subject, text: part('text'), html: part('html') };
}

/**
 * Checks a configured template: it parses, and it renders with every variable its mail offers
 * (under strict variables, so a misspelt name is an error).
 * @throws Error saying what is wrong
 */
export function checkMailTemplate(kind: MailKind, part: MailPart, source: string): void {
  const sample: MailVars & { siteName: string } = {
    code: '123456',
    minutes: 10,
    siteName: 'Site',
    userName: 'user',
    firstName: 'First',
    ...(kind === 'passwordReset' ? { resetUrl: 'https://shop.example/account/reset?code=x&userName=user' } : {}),
  };
  check(escaping(part), source, sample);
}

export interface CodeMailInput {
  to: string;
  /** the site the code is for: its name and its mail settings */
  site: { readonly name: string; readonly mail: SiteMail };
  purpose: '2fa' | 'otp';
  code: string;
  minutes: number;
  userName: string;
  firstName?: string;
}

/** The message carrying a two-factor or one-time login code. */
export function codeMail(m: CodeMailInput): MailMessage {
  return renderMail(m.purpose === '2fa' ? 'twoFactor' : 'otpLogin', m.site, m.to, {
    code: m.code,
    minutes: m.minutes,
    userName: m.userName,
    ...(m.firstName ? { firstName: m.firstName } : {}),
  });
}
