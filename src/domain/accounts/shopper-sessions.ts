import type { AccountSearchRepo } from '../../store/repos/account-search.ts';
import type { Clock } from '../clock.ts';
import { scopeOf, type CallContext } from '../context.ts';
import type { createSessionRevoker } from './revoke-sessions.ts';

/**
 * A shopper's own sessions, for the "my account" page: how many are live, and "sign out
 * everywhere". The Kibo API has no route for either, so the pages call these directly, always for
 * the account the shopper's own token names.
 */
export function createShopperSessions(deps: {
  search: Pick<AccountSearchRepo, 'liveSessions'>;
  revoke: ReturnType<typeof createSessionRevoker>;
  clock: Clock;
}) {
  return {
    live: (ctx: CallContext, accountId: number): Promise<number> =>
      deps.search.liveSessions(scopeOf(ctx), accountId, deps.clock.now()),
    endAll: (ctx: CallContext, accountId: number): Promise<number> => deps.revoke(ctx, accountId, 'shopper'),
  };
}
export type ShopperSessions = ReturnType<typeof createShopperSessions>;
