import { MANAGE } from '../../config/schema.ts';
import type { CallContext } from '../context.ts';
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
