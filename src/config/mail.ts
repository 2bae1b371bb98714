import { checkMailTemplate, MailKinds, MailParts, type SiteMail } from '../mail/templates.ts';
import type { SiteMailInput } from './schema.ts';

/**
 * A site's mail settings as used: `resetUrl` an absolute http(s) URL, every template parsed and
 * rendered once with sample values, so that a bad one stops the start naming its field.
 * @param at the site's path in the file, e.g. `tenants[0].sites[1]`
 */
export function resolveSiteMail(
  input: SiteMailInput | undefined,
  at: string,
  fail: (field: string, message: string) => never,
): SiteMail {
  const resetUrl = input?.resetUrl;
  if (resetUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(resetUrl);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash)
      fail(`${at}.mail.resetUrl`, 'must be an absolute http(s) URL without a #fragment');
  }
  const templates: Record<string, Record<string, string>> = {};
  for (const kind of MailKinds) {
    const given = input?.templates?.[kind];
    if (!given) continue;
    templates[kind] = {};
    for (const part of MailParts) {
      const source = given[part];
      if (source === undefined) continue;
      try {
        checkMailTemplate(kind, part, source);
      } catch (err) {
        fail(`${at}.mail.templates.${kind}.${part}`, `not a usable Liquid template: ${(err as Error).message}`);
      }
      templates[kind][part] = source;
    }
  }
  return { ...(resetUrl ? { resetUrl } : {}), templates };
}
