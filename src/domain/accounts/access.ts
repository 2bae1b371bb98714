import { MANAGE } from '../../config/schema.ts';
import type { AccountScope } from '../../store/repos/accounts.ts';
import { scopeOf, type CallContext } from '../context.ts';
import { KiboError } from '../errors.ts';

/** Who is acting on an account's own data (contacts, attributes). */
export type AccountActor = 'owner' | 'manager';

/**
 * The shopper whose account it is (not a guest), or an app with manage-accounts. Another shopper
 * answers 403, as `GET /accounts/{id}` does; the account itself is then looked up in the caller's
 * tenant and customer set (404 when it is not there).
 * @throws FORBIDDEN
 */
export function actorFor(ctx: CallContext, accountId: number): AccountActor {
  const s = ctx.shopper;
  if (s && !s.anonymous && s.accountId === accountId) return 'owner';
  if (ctx.behaviors.includes(MANAGE)) return 'manager';
  throw new KiboError('FORBIDDEN', `Only the account's own shopper or an app with ${MANAGE} may do this`, {
    behavior: MANAGE,
  });
}

/**
 * The customer set an admin call addresses: the one named, which must be the tenant's, or the site's.
 * @throws ITEM_NOT_FOUND for a customer set the tenant does not have
 */
export function adminScope(ctx: CallContext, customerSetCode?: string | null): AccountScope {
  const code = customerSetCode?.trim();
  if (!code) return scopeOf(ctx);
  if (!ctx.tenant.customerSets.some((c) => c.code === code))
    throw new KiboError('ITEM_NOT_FOUND', `Customer set ${code} not found`, { customerSetCode: code });
  return { tenantId: ctx.tenant.id, customerSet: code };
}
