import type { SiteConfig, TenantConfig } from '../config/load.ts';
import type { AccountScope } from '../store/repos/accounts.ts';

/** A shopper, as known from a valid (unrevoked, unexpired) customer token. */
export interface ShopperPrincipal {
  sessionId: string;
  userId: string;
  accountId?: number;
  anonymous: boolean;
  tenantId: number;
  siteId: number;
  customerSet: string;
  clientId: string;
  impersonatedBy?: string;
}

/** Who is asking and from where: what the domain needs of a request, without HTTP. */
export interface CallContext {
  tenant: TenantConfig;
  site: SiteConfig;
  clientId: string;
  behaviors: readonly string[];
  ip: string | null;
  userAgent: string | null;
  /** The shopper whose token came with the request, if any (links a guest to a login). */
  shopper?: ShopperPrincipal;
  /** The support-console operator acting (their email), named in the audit log as the actor. */
  operator?: string;
}

/** The guest calling, if the request carries a guest's token: a login it makes links that guest. */
export function callingGuest(ctx: CallContext): string | undefined {
  return ctx.shopper?.anonymous ? ctx.shopper.userId : undefined;
}

/** The accounts a request may address: its tenant and its site's customer set. */
export function scopeOf(ctx: CallContext): AccountScope {
  return { tenantId: ctx.tenant.id, customerSet: ctx.site.customerSet };
}
