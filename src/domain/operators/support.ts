import type { TenantConfig } from '../../config/load.ts';
import { IMPERSONATE_CART, MANAGE } from '../../config/schema.ts';
import type { AccountRow, AccountsRepo } from '../../store/repos/accounts.ts';
import type { AccountSearchRepo } from '../../store/repos/account-search.ts';
import type { AuditRepo } from '../../store/repos/audit.ts';
import type { DevicesRepo } from '../../store/repos/devices.ts';
import type { SessionsRepo } from '../../store/repos/sessions.ts';
import type { Transact } from '../../store/transaction.ts';
import type { createLoginStates, LoginState } from '../accounts/login-state.ts';
import type { Audit, AuthEventType } from '../audit/events.ts';
import type { Clock } from '../clock.ts';
import type { ContactService } from '../contacts/service.ts';
import { scopeOf, type CallContext } from '../context.ts';
import { KiboError } from '../errors.ts';
import { assertActive } from '../accounts/active.ts';
import type { PasswordReset } from '../passwords/reset.ts';
import type { TicketService } from '../tickets/service.ts';
import type { App } from '../apps/registry.ts';

type Security = Pick<ReturnType<typeof createLoginStates>, 'loginState' | 'setLocked' | 'setPasswordChangeRequired'>;

/** Console actions on an account; each is written to its audit log naming the operator (ctx.operator). */
export type SupportAction = 'lock' | 'unlock' | 'force-password-change' | 'revoke-sessions' | 'send-reset-mail';
export const SUPPORT_ACTIONS: readonly SupportAction[] = [
  'lock',
  'unlock',
  'force-password-change',
  'revoke-sessions',
  'send-reset-mail',
];

/** The account page lists at most this many live sessions and known devices. */
const LIST_LIMIT = 50;

/** A page of the account's audit log: event types (any of them), a date range [from, to). */
export interface AuditFilter {
  types?: readonly AuthEventType[];
  from?: Date;
  to?: Date;
  offset: number;
  limit: number;
}

/**
 * What support staff do in the console: find shoppers across the tenant's customer sets, read an
 * account's login state, contacts, devices, sessions and audit log, and act on it through the same
 * functions the admin API uses.
 */
export function createSupportDesk(deps: {
  accounts: AccountsRepo;
  search: AccountSearchRepo;
  security: Security;
  revokeSessions: (ctx: CallContext, accountId: number) => Promise<number>;
  sessions: Pick<SessionsRepo, 'revokeOfAccount'>;
  devices: Pick<DevicesRepo, 'list'>;
  contacts: Pick<ContactService, 'list'>;
  auditRepo: Pick<AuditRepo, 'listForAccount'>;
  passwordReset: Pick<PasswordReset, 'requestReset'>;
  impersonate: TicketService['impersonate'];
  /** The apps known now (the registry's `list`): a ticket is made for one that may impersonate. */
  apps: () => readonly App[];
  audit: Audit;
  clock: Clock;
  transact: Transact;
}) {
  const { accounts, search, security, clock } = deps;
  // The console reads and acts as the admin API does for an app with manage-accounts.
  const asManager = (ctx: CallContext): CallContext => ({ ...ctx, behaviors: [...ctx.behaviors, MANAGE] });
  /**
   * Whether support may do `action` for the account as it is: nobody acts as a deactivated account
   * nor mails it a reset (accounts/active.ts); everything else — unlock and a reset mail for a
   * locked account included — is how support helps a shopper. The confirm pages ask it first.
   * @throws FORBIDDEN
   */
  const assertMay = (row: AccountRow, action: SupportAction | 'impersonate'): void => {
    if (action === 'impersonate') assertActive(row, 'impersonation');
    if (action === 'send-reset-mail') assertActive(row, 'reset-mail');
  };
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

    /** The account's address book, known devices and live sessions (each list capped). */
    async details(ctx: CallContext, row: AccountRow) {
      const scope = scopeOf(ctx);
      const contacts = await deps.contacts.list(asManager(ctx), row.id, { pageSize: 200 });
      return {
        contacts: contacts.items,
        devices: await deps.devices.list(scope, row.id, LIST_LIMIT),
        sessions: await search.liveSessionList(scope, row.id, clock.now(), LIST_LIMIT),
      };
    },

    /** A page of the account's auth events, newest first. */
    auditLog: (ctx: CallContext, row: AccountRow, f: AuditFilter) =>
      deps.auditRepo.listForAccount({
        ...scopeOf(ctx),
        accountId: row.id,
        startIndex: f.offset,
        pageSize: f.limit,
        order: { column: 'created_at', desc: true },
        ...(f.types?.length ? { types: [...f.types] } : {}),
        ...(f.from ? { since: { at: f.from, inclusive: true } } : {}),
        ...(f.to ? { until: { at: f.to, inclusive: false } } : {}),
      }),

    assertMay,

    /**
     * @throws ITEM_NOT_FOUND | MISSING_OR_INVALID_PARAMETER (no email to mail a reset to)
     * @throws FORBIDDEN (a reset mail to a deactivated account)
     */
    async act(ctx: CallContext, row: AccountRow, action: SupportAction): Promise<void> {
      if (action === 'lock' || action === 'unlock') return security.setLocked(ctx, row.id, action === 'lock');
      if (action === 'force-password-change') return security.setPasswordChangeRequired(ctx, row.id, true);
      if (action === 'send-reset-mail') {
        assertMay(row, action);
        if (!row.email)
          throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'The account has no email address to send a reset to');
        // The shopper's own "forgot password": the same code, mail and audit event (naming the operator).
        return deps.passwordReset.requestReset(ctx, { emailAddress: row.email, customerSetCode: row.customer_set });
      }
      await deps.revokeSessions(ctx, row.id);
    },

    /**
     * Ends one live session of the account, audited as `sessions.revoked` with its id.
     * @throws ITEM_NOT_FOUND when it is not a live session of this account
     */
    async revokeSession(ctx: CallContext, row: AccountRow, sessionId: string): Promise<void> {
      await deps.transact(async () => {
        const done = await deps.sessions.revokeOfAccount(scopeOf(ctx), row.id, sessionId, 'operator', clock.now());
        if (!done) throw new KiboError('ITEM_NOT_FOUND', 'No such live session of this account');
        await deps.audit.record(ctx, 'sessions.revoked', row.id, { revokedSessions: 1, sessionId });
      });
    },

    /** The tenant's apps with customer-auth:impersonate-cart: an impersonation ticket names one of them. */
    impersonationApps: (tenant: TenantConfig): string[] =>
      deps
        .apps()
        .filter((a) => a.tenantId === tenant.id && a.behaviors.includes(IMPERSONATE_CART))
        .map((a) => a.clientId)
        .sort(),

    /**
     * An impersonation ticket for the shopper's cart, made as the API's impersonatecart makes it for
     * the app `clientId` (which must have customer-auth:impersonate-cart): the JWT names that app,
     * the chain ends `tokens.impersonationMinutes` from now; audited as `impersonation` naming the
     * operator. @throws MISSING_OR_INVALID_PARAMETER for an app that may not impersonate
     * @throws FORBIDDEN for a deactivated account (the ticket service checks it again, as it reads the account)
     */
    impersonate(ctx: CallContext, row: AccountRow, cartId: string, clientId: string) {
      assertMay(row, 'impersonate');
      const app = deps
        .apps()
        .find((a) => a.clientId === clientId && a.tenantId === ctx.tenant.id && a.behaviors.includes(IMPERSONATE_CART));
      if (!app)
        throw new KiboError(
          'MISSING_OR_INVALID_PARAMETER',
          `No application of this tenant may impersonate carts as ${clientId}`,
        );
      return deps.impersonate(
        { ...ctx, clientId: app.clientId, behaviors: app.behaviors },
        { cartId, accountId: row.id, userId: row.user_id },
      );
    },
  };
}
export type SupportDesk = ReturnType<typeof createSupportDesk>;
