import type { SessionsRepo } from '../../store/repos/sessions.ts';
import type { Transact } from '../../store/transaction.ts';
import type { Audit } from '../audit/events.ts';
import type { Clock } from '../clock.ts';
import { scopeOf, type CallContext } from '../context.ts';

/**
 * Ends every live session of an account (its refresh tokens stop working, its access tokens too:
 * each request checks its session), written to the audit log with how many ended.
 */
export function createSessionRevoker(deps: { sessions: SessionsRepo; audit: Audit; clock: Clock; transact: Transact }) {
  /** `reason`: who ended them, kept on each session ('operator' for the console, 'shopper' for "sign out everywhere"). */
  return async (ctx: CallContext, accountId: number, reason: 'operator' | 'shopper' = 'operator'): Promise<number> =>
    deps.transact(async () => {
      const revoked = await deps.sessions.revokeAccount(scopeOf(ctx), accountId, reason, deps.clock.now());
      await deps.audit.record(ctx, 'sessions.revoked', accountId, { revokedSessions: revoked });
      return revoked;
    });
}
