import type { TenantConfig } from '../../config/load.ts';
import type { AccountRow, AccountsRepo } from '../../store/repos/accounts.ts';
import type { AccountSearchRepo } from '../../store/repos/account-search.ts';
import type { createLoginStates, LoginState } from '../accounts/login-state.ts';
import type { Clock } from '../clock.ts';
import { scopeOf, type CallContext } from '../context.ts';
import { KiboError } from '../errors.ts';

type Security = Pick<ReturnType<typeof createLoginStates>, 'loginState' | 'setLocked' | 'setPasswordChangeRequired'>;

/** Console actions on an account; each is written to its audit log naming the operator (ctx.operator). */
export type SupportAction = 'lock' | 'unlock' | 'force-password-change' | 'revoke-sessions';
export const SUPPORT_ACTIONS: readonly SupportAction[] = ['lock', 'unlock', 'force-password-change', 'revoke-sessions'];

/**
 * What support staff do in the console: find shoppers across the tenant's customer sets, read an
 * account's login state, and act on it through the same functions the admin API uses.
 */
export function createSupportDesk(deps: {
  accounts: AccountsRepo;
  search: AccountSearchRepo;
  security: Security;
  revokeSessions: (ctx: CallContext, accountId: number) => Promise<number>;
  clock: Clock;
}) {
  const { accounts, search, security, clock } = deps;
  return {
    find: (tenant: TenantConfig, text: string, offset: number, limit: number) =>
      search.search({ tenantId: tenant.id, customerSets: tenant.customerSets.map((c) => c.code), text, offset, limit }),

    /** @throws ITEM_NOT_FOUND when the tenant has no such account */
    async account(tenant: TenantConfig, id: number): Promise<AccountRow> {
      const row = await accounts.findInTenant(tenant.id, id);
      if (!row) throw new KiboError('ITEM_NOT_FOUND', `Account ${id} not found`);
      return row;
    },

    /** Login state, the end of a running lockout, and live sessions; `ctx` addresses the account's customer set. */
    async state(
      ctx: CallContext,
      row: AccountRow,
    ): Promise<{ login: LoginState; lockedUntil: Date | null; liveSessions: number }> {
      const now = clock.now();
      const login = await security.loginState(ctx, { id: row.id }, row.customer_set);
      const lockedUntil = row.locked_until && row.locked_until > now ? row.locked_until : null;
      return { login, lockedUntil, liveSessions: await search.liveSessions(scopeOf(ctx), row.id, now) };
    },

    /** @throws ITEM_NOT_FOUND */
    async act(ctx: CallContext, id: number, action: SupportAction): Promise<void> {
      if (action === 'lock' || action === 'unlock') return security.setLocked(ctx, id, action === 'lock');
      if (action === 'force-password-change') return security.setPasswordChangeRequired(ctx, id, true);
      await deps.revokeSessions(ctx, id);
    },
  };
}
export type SupportDesk = ReturnType<typeof createSupportDesk>;
