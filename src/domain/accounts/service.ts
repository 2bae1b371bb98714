import { randomUUID } from 'node:crypto';
import type { AccountsRepo, AccountRow } from '../../store/repos/accounts.ts';
import type { SessionsRepo } from '../../store/repos/sessions.ts';
import type { Transact } from '../../store/transaction.ts';
import type { Audit } from '../audit/events.ts';
import type { Clock } from '../clock.ts';
import { scopeOf, type CallContext, type ShopperPrincipal } from '../context.ts';
import { isActive } from './active.ts';
import { isEmailAddress, mustFindAccount } from './lookup.ts';
import { KiboError, assertThat } from '../errors.ts';
import type { PasswordHasher } from '../passwords/hasher.ts';
import { assertPasswordPolicy } from '../passwords/policy.ts';
import { passwordSecret, type NewLoginSecret } from '../passwords/check.ts';
import type { Device } from '../login-steps.ts';
import type { Ticket } from '../tickets/issue.ts';
import { resolveLifetimes, type Lifetimes } from '../lifetimes.ts';
import { parseFilter, parseSortBy } from './filter.ts';
import { profileFromInput, type AccountInput } from './shape.ts';

export interface LoginSecretInput {
  password?: string;
  externalPassword?: string;
  isImport?: boolean;
}

export interface AccountDeps {
  accounts: AccountsRepo;
  sessions: SessionsRepo;
  hasher: PasswordHasher;
  audit: Audit;
  clock: Clock;
  /** Runs writes that belong together as one transaction (store/transaction.ts). */
  transact: Transact;
  /** Issues the ticket once the account exists (the ticket service's completeLogin). */
  completeLogin(account: AccountRow, ctx: CallContext, device: Device, lifetimes: Lifetimes): Promise<Ticket>;
  /**
   * Turns an imported hash from an old platform into what is stored; undefined when imports
   * are not supported for that hash. (domain/passwords/legacy.ts)
   */
  importSecret?(externalPassword: string): NewLoginSecret | undefined;
}

/** Customer accounts: create (with or without a login), read, update, delete, list. */
export function createAccountService(deps: AccountDeps) {
  const { accounts, sessions, hasher, audit, clock, transact } = deps;

  function identity(input: AccountInput): { userName: string | null; email: string | null } {
    const email = input.emailAddress?.trim() || null;
    const userName = input.userName?.trim() || email;
    if (email !== null)
      assertThat(isEmailAddress(email), 'MISSING_OR_INVALID_PARAMETER', 'emailAddress is not a valid email address', {
        field: 'emailAddress',
      });
    return { userName, email };
  }

  async function secretFor(ctx: CallContext, s: LoginSecretInput): Promise<NewLoginSecret> {
    if (s.isImport && s.externalPassword) {
      const imported = deps.importSecret?.(s.externalPassword);
      if (!imported)
        throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'externalPassword is not a supported password hash', {
          field: 'externalPassword',
        });
      return imported;
    }
    if (!s.password) throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'password is required', { field: 'password' });
    assertPasswordPolicy(s.password, ctx.site.login.password);
    return passwordSecret(hasher, s.password);
  }

  async function create(ctx: CallContext, input: AccountInput, secret?: NewLoginSecret): Promise<AccountRow> {
    const { userName, email } = identity(input);
    assertThat(userName || email, 'MISSING_OR_INVALID_PARAMETER', 'emailAddress or userName is required', {
      field: 'emailAddress',
    });
    const at = clock.now();
    const row = await accounts.insert({
      tenantId: ctx.tenant.id,
      customerSet: ctx.site.customerSet,
      userId: randomUUID().replaceAll('-', ''),
      userName,
      email,
      passwordHash: secret?.passwordHash ?? null,
      profile: profileFromInput(input, at, ctx.clientId),
      hasExternalPassword: secret?.hasExternalPassword,
      migrationRequired: secret?.migrationRequired,
      at,
      by: ctx.clientId,
    });
    await audit.record(ctx, 'account.created', row.id, {});
    return row;
  }

  const mustFind = (ctx: CallContext, id: number) => mustFindAccount(accounts, scopeOf(ctx), id);

  return {
    /** Add-Account-And-Login. @throws VALIDATION_CONFLICT for a taken email or user name */
    async addAndLogin(
      ctx: CallContext,
      info: LoginSecretInput &
        Device & { account: AccountInput; authTicketTtlMinutes?: number; refreshTokenTtlMinutes?: number },
    ): Promise<Ticket> {
      const lifetimes = resolveLifetimes(ctx.tenant.tokens, ctx.behaviors, info);
      const secret = await secretFor(ctx, info);
      // The account, its login and their audit rows commit together: a failure leaves no account
      // behind for the shopper's retry to collide with.
      return transact(async () => {
        const account = await create(ctx, info.account, secret);
        return deps.completeLogin(account, ctx, info, lifetimes);
      });
    },

    /** Add an account with a password but no ticket (POST /accounts/Bulk). */
    async addWithLogin(ctx: CallContext, info: LoginSecretInput & { account: AccountInput }): Promise<AccountRow> {
      return create(ctx, info.account, await secretFor(ctx, info));
    },

    /** Add an account without a login. */
    async add(ctx: CallContext, input: AccountInput): Promise<AccountRow> {
      return create(ctx, input);
    },

    /** Create-Login: gives a password to an account that has none, and logs in. */
    async createLogin(
      ctx: CallContext,
      id: number,
      info: LoginSecretInput &
        Device & {
          emailAddress?: string | null;
          username?: string | null;
          authTicketTtlMinutes?: number;
          refreshTokenTtlMinutes?: number;
        },
    ): Promise<Ticket> {
      const lifetimes = resolveLifetimes(ctx.tenant.tokens, ctx.behaviors, info);
      const existing = await mustFind(ctx, id);
      const secret = await secretFor(ctx, info);
      const { userName, email } = identity({
        emailAddress: info.emailAddress ?? existing.email,
        userName: info.username ?? existing.user_name ?? undefined,
      });
      return transact(async () => {
        const updated = await accounts.setInitialLogin(scopeOf(ctx), id, {
          userName,
          email,
          ...secret,
          at: clock.now(),
          by: ctx.clientId,
        });
        if (!updated) throw new KiboError('VALIDATION_CONFLICT', 'The account already has a login');
        return deps.completeLogin(updated, ctx, info, lifetimes);
      });
    },

    async get(ctx: CallContext, id: number): Promise<AccountRow> {
      return mustFind(ctx, id);
    },

    /** The caller's own account. @throws UNAUTHORIZED for a guest */
    async current(ctx: CallContext, shopper: ShopperPrincipal): Promise<AccountRow> {
      if (shopper.accountId === undefined) throw new KiboError('UNAUTHORIZED', 'An anonymous shopper has no account');
      return mustFind(ctx, shopper.accountId);
    },

    async update(ctx: CallContext, id: number, input: AccountInput): Promise<AccountRow> {
      const existing = await mustFind(ctx, id);
      const next = {
        userName: input.userName !== undefined ? input.userName?.trim() || null : existing.user_name,
        emailAddress: input.emailAddress !== undefined ? input.emailAddress?.trim() || null : existing.email,
      };
      const { userName, email } = identity(next);
      assertThat(userName || email, 'MISSING_OR_INVALID_PARAMETER', 'emailAddress or userName is required', {
        field: 'emailAddress',
      });
      const at = clock.now();
      return transact(async () => {
        const row = await accounts.updateProfile(scopeOf(ctx), id, {
          userName,
          email,
          profile: profileFromInput(input, at, ctx.clientId, existing.profile),
          at,
          by: ctx.clientId,
        });
        if (!row) throw new KiboError('ITEM_NOT_FOUND', `Account ${id} not found`);
        // A deactivated account keeps no login: every session ends now, on every instance (each
        // request checks its session in the database).
        const revoked = isActive(row) ? 0 : await sessions.revokeAccount(scopeOf(ctx), id, 'account-deactivated', at);
        await audit.record(ctx, 'account.updated', id, revoked ? { revokedSessions: revoked } : {});
        return row;
      });
    },

    /**
     * Deletes an account; its sessions and tokens go with it. Nothing changes unless the account is
     * in the caller's customer set. @throws ITEM_NOT_FOUND
     */
    async remove(ctx: CallContext, id: number): Promise<void> {
      const scope = scopeOf(ctx);
      await mustFind(ctx, id);
      await transact(async () => {
        await sessions.revokeAccount(scope, id, 'account-deleted', clock.now());
        const gone = await accounts.delete(scope, id);
        if (!gone) throw new KiboError('ITEM_NOT_FOUND', `Account ${id} not found`);
        await audit.record(ctx, 'account.deleted', id, {});
      });
    },

    async list(
      ctx: CallContext,
      q: { startIndex?: number; pageSize?: number; sortBy?: string; filter?: string; q?: string },
    ) {
      const startIndex = q.startIndex ?? 0;
      const pageSize = q.pageSize ?? 20;
      const { total, rows } = await accounts.list({
        ...scopeOf(ctx),
        startIndex,
        pageSize,
        sortBy: parseSortBy(q.sortBy),
        filter: parseFilter(q.filter),
        q: q.q?.trim() || undefined,
      });
      return { startIndex, pageSize, pageCount: Math.ceil(total / pageSize), totalCount: total, rows };
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
