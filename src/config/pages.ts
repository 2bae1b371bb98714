import { randomBytes } from 'node:crypto';
import type { SitePagesInput } from './schema.ts';

/** A site's shopper pages at /account as used (docs/configuration.md, `sites[].pages`). */
export interface SitePages {
  readonly enabled: boolean;
  /**
   * The app the pages call the API as, and its secret: they exchange it for an app token like any
   * storefront back end, so they need it in plain (the config file holds it in plain already).
   */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Where shoppers reach the service (an origin, e.g. https://shop.example); the reset mail links here. */
  readonly publicUrl?: string;
}

/** The app the built-in default's pages call the API as (its secret is made at each start, in memory). */
export const PAGES_APP = 'storefront-pages';

type Fail = (field: string, message: string) => never;

function checkPublicUrl(value: string, field: string, fail: Fail): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search || url.hash)
    fail(field, 'must be an http(s) origin such as https://shop.example (no path, query or #fragment)');
  return url.origin;
}

/**
 * A CONFIG_FILE site's pages: off unless `enabled`; when on, `clientId` must name an app of
 * `apps[]` in the site's tenant.
 * @param at the site's path in the file, e.g. `tenants[0].sites[1]`
 */
export function resolveSitePages(
  input: SitePagesInput | undefined,
  at: string,
  fail: Fail,
  apps: readonly { clientId: string; clientSecret: string; tenantId: number }[],
  tenantId: number,
): SitePages {
  if (!input?.enabled) return { enabled: false };
  if (!input.clientId)
    fail(`${at}.pages.clientId`, 'required when the pages are enabled: the app they call the API as');
  const app = apps.find((a) => a.clientId === input.clientId);
  if (!app) fail(`${at}.pages.clientId`, `unknown app "${input.clientId}"`);
  if (app.tenantId !== tenantId) fail(`${at}.pages.clientId`, `app "${input.clientId}" belongs to another tenant`);
  const publicUrl =
    input.publicUrl === undefined ? undefined : checkPublicUrl(input.publicUrl, `${at}.pages.publicUrl`, fail);
  return { enabled: true, clientId: app.clientId, clientSecret: app.clientSecret, ...(publicUrl ? { publicUrl } : {}) };
}

/**
 * The built-in default's pages: on unless ACCOUNT_PAGES=false, calling the API as the app
 * `storefront-pages`, whose secret is made here for this process only (the embedded database
 * serves one process, so no other instance needs it), at PAGES_PUBLIC_URL or http://localhost:PORT.
 */
export function builtInPages(env: Record<string, string | undefined>, port: number, fail: Fail): SitePages {
  const on = env.ACCOUNT_PAGES;
  if (on !== undefined && on !== '' && on !== 'true' && on !== 'false') fail('ACCOUNT_PAGES', 'must be true or false');
  if (on === 'false') return { enabled: false };
  const publicUrl = env.PAGES_PUBLIC_URL
    ? checkPublicUrl(env.PAGES_PUBLIC_URL, 'PAGES_PUBLIC_URL', fail)
    : `http://localhost:${port}`;
  return { enabled: true, clientId: PAGES_APP, clientSecret: randomBytes(32).toString('base64url'), publicUrl };
}

/** The reset page's address: the link the reset mail carries (with the code) when no `mail.resetUrl` is set. */
export const resetPageUrl = (publicUrl: string): string => new URL('/account/reset', publicUrl).href;
