import type { Config, SiteConfig, TenantConfig } from '../../config/load.ts';
import { findSite } from '../../config/load.ts';

const HOST_RE = /^t(\d+)-s(\d+)\./i;

/**
 * The site a page request serves: the one a `t{tenant}-s{site}.` host names (as for /api), when
 * its pages are on; with any other host, the first site in the configuration whose pages are on.
 * Undefined when the host names a site without pages (that host answers 404).
 */
export function pageSite(config: Config, hostname: string): { tenant: TenantConfig; site: SiteConfig } | undefined {
  const m = HOST_RE.exec(hostname);
  if (m) {
    const found = findSite(config, Number(m[1]), Number(m[2]));
    return found?.site.pages.enabled ? found : undefined;
  }
  for (const tenant of config.tenants) for (const site of tenant.sites) if (site.pages.enabled) return { tenant, site };
  return undefined;
}

export const anySitePages = (config: Config): boolean =>
  config.tenants.some((t) => t.sites.some((s) => s.pages.enabled));
