import type { AccountsRepo, AccountRow } from '../../store/repos/accounts.ts';
import type { SessionRow, SessionsRepo } from '../../store/repos/sessions.ts';
import type { Audit } from '../audit/events.ts';
import { addMinutes, type Clock } from '../clock.ts';
import { callingGuest, scopeOf, type CallContext, type ShopperPrincipal } from '../context.ts';
import { KiboError } from '../errors.ts';
import type { PasswordHasher } from '../passwords/hasher.ts';
import type { ShopperClaims } from '../tokens/jwt.ts';
import { hashToken } from '../tokens/opaque.ts';
import { isGuestChainId, isGuestToken, type GuestToken, type GuestTokens } from '../tokens/guest.ts';
import type { GuestsRepo } from '../../store/repos/guests.ts';
import type { Transact } from '../../store/transaction.ts';
import type { Challenge, Device, LoginGuard, PasswordCheck, SecondFactor } from '../login-steps.ts';
import type { Ticket, TicketIssuer } from './issue.ts';
import { assertActive } from '../accounts/active.ts';
import { resolveLifetimes, type Lifetimes } from '../lifetimes.ts';
import { randomHex } from '../tokens/random-pool.ts';

/** What the database knows of a refresh token that could not be spent. */
type KnownRefresh = NonNullable<Awaited<ReturnType<SessionsRepo['findRefresh']>>>;

/** An impersonation ticket's access tokens live 15 minutes, never past the chain's end. */
export const IMPERSONATION_ACCESS_MINUTES = 15;

export interface TicketDeps {
  accounts: AccountsRepo;
  sessions: SessionsRepo;
  issuer: TicketIssuer;
  hasher: PasswordHasher;
  passwords: PasswordCheck;
  guard: LoginGuard;
  secondFactor: SecondFactor;
  audit: Audit;
  clock: Clock;
  /** self-authenticating guest tokens, and what the database knows of guest chains */
  guestTokens: GuestTokens;
  guests: GuestsRepo;
  /** Runs writes that belong together as one transaction (store/transaction.ts). */
  transact: Transact;
}

export interface PasswordLogin extends Device {
  username: string;
  password: string;
  accountId?: number;
  authTicketTtlMinutes?: number;
  refreshTokenTtlMinutes?: number;
}

/** Shopper tickets: password login (2FA decision inside), anonymous, refresh, logout, impersonation. */
export function createTicketService(deps: TicketDeps) {
  const { accounts, sessions, issuer, hasher, passwords, guard, secondFactor, audit, clock, guestTokens, guests } =
    deps;

  /** Until when anything a guest chain issued with `g`'s lifetimes, from `at`, may be used. */
  const guestEnd = (g: GuestToken, at: Date) =>
    new Date(at.getTime() + Math.max(g.accessMinutes, g.refreshMinutes) * 60_000);

  /**
   * A guest refresh: the token must be ours, of this scope and app, unexpired, and not spent; it is
   * spent in the database (unique), which is the guest chain's first write. A spent one revokes the chain.
   */
  async function refreshGuest(ctx: CallContext, token: string, accountId?: number): Promise<Ticket> {
    const g = await guestTokens.open(token);
    if (!g || g.kind !== 'refresh' || g.tenantId !== ctx.tenant.id || g.customerSet !== ctx.site.customerSet)
      throw new KiboError('UNAUTHORIZED', 'Invalid refresh token');
    if (accountId !== undefined) throw new KiboError('UNAUTHORIZED', 'The refresh token belongs to another account');
    if (g.clientId !== ctx.clientId)
      throw new KiboError('UNAUTHORIZED', 'The refresh token was issued to another application');
    const now = clock.now();
    const expired = g.refreshExpiresAt <= now;
    // An expired token that was spent is still theft while its chain lives (as for a login's chain).
    if (expired && !(await guests.wasSpent(g.chainId, g.tokenId)))
      throw new KiboError('TOKEN_EXPIRED', 'The refresh token has expired');
    const spent =
      !expired &&
      (await guests.spend({
        chainId: g.chainId,
        tenantId: g.tenantId,
        tokenId: g.tokenId,
        now,
        endsAt: guestEnd(g, now),
      }));
    if (!spent) {
      if (await guests.isRevoked(g.chainId)) throw new KiboError('UNAUTHORIZED', 'The session has been revoked');
      throw await revokeReusedGuestChain(ctx, g, now);
    }
    return issuer.guest({
      chainId: g.chainId,
      userId: g.userId,
      tenantId: g.tenantId,
      siteId: g.siteId,
      customerSet: g.customerSet,
      clientId: g.clientId,
      lifetimes: { accessMinutes: g.accessMinutes, refreshMinutes: g.refreshMinutes },
    });
  }

  /** Theft response on a guest chain (see revokeReusedChain): recorded, so every instance refuses it. */
  async function revokeReusedGuestChain(ctx: CallContext, g: GuestToken, now: Date): Promise<KiboError> {
    await guests.revoke({
      chainId: g.chainId,
      tenantId: g.tenantId,
      reason: 'refresh-token-reuse',
      at: now,
      endsAt: guestEnd(g, now),
    });
    await audit.record(ctx, 'refresh.reuse_detected', null, { sessionId: g.chainId });
    return new KiboError('UNAUTHORIZED', 'The refresh token was already used; the session has been revoked');
  }

  /** Issues the full ticket for an account that has proven who it is. */
  async function completeLogin(
    account: AccountRow,
    ctx: CallContext,
    device: Device,
    lifetimes: Lifetimes,
    /** the guest a pending 2FA login was begun by; else the calling guest, if any */
    linkedGuest?: string,
  ): Promise<Ticket> {
    // Checked here too: a second factor completes a login begun before a deactivation.
    assertActive(account);
    const previousAnonymousId = linkedGuest ?? callingGuest(ctx);
    const chain = await issuer.prepare({
      tenantId: ctx.tenant.id,
      siteId: ctx.site.id,
      customerSet: ctx.site.customerSet,
      account,
      clientId: ctx.clientId,
      lifetimes,
      previousAnonymousId,
    });
    // One write statement: the login stamp, the chain, the device and the event, stored only on an
    // unlocked account — a lock made while the secret was being checked stops the login before any
    // token is stored (docs/performance.md, "one write per login").
    const event = audit.event(ctx, 'login.succeeded', account.id, previousAnonymousId ? { previousAnonymousId } : {});
    const fresh = await guard.admit(account, ctx, {
      region: device.region ?? null,
      session: chain.session,
      tokens: chain.tokens,
      deviceHash: await secondFactor.deviceKey(device),
      event,
    });
    audit.stored(event);
    return { ...chain.ticket, account: fresh };
  }

  /**
   * Theft response: a refresh token that was already spent is being used again, so whoever holds
   * the chain now may not be its owner. The whole chain is revoked (every instance refuses its
   * tokens from now on) and the event audited.
   */
  async function revokeReusedChain(ctx: CallContext, known: KnownRefresh): Promise<KiboError> {
    await sessions.revoke(known.sessionId, 'refresh-token-reuse', clock.now());
    await audit.record(ctx, 'refresh.reuse_detected', known.accountId, {
      sessionId: known.sessionId,
      ...impersonation(known.impersonatedBy),
    });
    return new KiboError('UNAUTHORIZED', 'The refresh token was already used; the session has been revoked');
  }

  /**
   * The refresh token could not be spent: the refusal, and for a token spent before, the theft
   * response. A token of another scope, account or app is left unspent.
   */
  async function refusal(ctx: CallContext, hash: string, accountId?: number): Promise<KiboError> {
    const known = await sessions.findRefresh(hash);
    if (!known || known.tenantId !== ctx.tenant.id || known.customerSet !== ctx.site.customerSet) {
      return new KiboError('UNAUTHORIZED', 'Invalid refresh token');
    }
    if (accountId !== undefined && known.accountId !== accountId)
      return new KiboError('UNAUTHORIZED', 'The refresh token belongs to another account');
    if (known.clientId !== ctx.clientId)
      return new KiboError('UNAUTHORIZED', 'The refresh token was issued to another application');
    if (known.revokedAt) return new KiboError('UNAUTHORIZED', 'The session has been revoked');
    if (known.consumedAt) return revokeReusedChain(ctx, known);
    if (known.endsAt && known.endsAt <= clock.now())
      return new KiboError('UNAUTHORIZED', 'The impersonation has ended');
    return new KiboError('TOKEN_EXPIRED', 'The refresh token has expired');
  }

  /** The account a refreshed chain stands for, which must still exist. @throws UNAUTHORIZED */
  async function mustStillExist(ctx: CallContext, accountId: number): Promise<AccountRow> {
    const account = await accounts.findById(scopeOf(ctx), accountId);
    if (!account) throw new KiboError('UNAUTHORIZED', 'The account no longer exists');
    return account;
  }

  return {
    completeLogin,

    /**
     * Password login. Unknown user and wrong password answer alike and cost alike (decoy verify).
     * @throws INVALID_CREDENTIALS | ACCOUNT_LOCKED | PASSWORD_CHANGE_REQUIRED | FORBIDDEN | MISSING_OR_INVALID_PARAMETER
     */
    async passwordLogin(ctx: CallContext, input: PasswordLogin): Promise<Ticket | Challenge> {
      const lifetimes = resolveLifetimes(ctx.tenant.tokens, ctx.behaviors, input);
      const account = await accounts.findByLogin(scopeOf(ctx), input.username);
      if (!account || !account.password_hash || (input.accountId !== undefined && input.accountId !== account.id)) {
        await hasher.decoy(input.password);
        // The same statements in one transaction as a wrong password's (lockout.reportUnknown), so
        // both answer after the same work and one commit.
        await deps.transact(async () => {
          await guard.afterUnknown(ctx);
          await audit.record(ctx, 'login.failed', account?.id ?? null, { reason: 'unknown-user' });
        });
        throw new KiboError('INVALID_CREDENTIALS');
      }
      await guard.beforeVerify(account, ctx);
      const ok = await passwords.verify(account, input.password);
      if (!ok) {
        // The count and the event commit together, so a wrong password answers after one commit as
        // an unknown user does, not two (a commit is most of a write's time; docs/performance.md).
        await deps.transact(async () => {
          await guard.afterVerify(account, false, ctx);
          await audit.record(ctx, 'login.failed', account.id, { reason: 'wrong-password' });
        });
        throw new KiboError('INVALID_CREDENTIALS');
      }
      await guard.afterVerify(account, true, ctx);
      const challenge = await secondFactor.challengeIfNeeded(account, ctx, input, lifetimes);
      if (challenge) return challenge;
      return completeLogin(account, ctx, input, lifetimes);
    },

    /** A new anonymous shopper: a guest id with refreshable tokens and no account. */
    async anonymous(ctx: CallContext): Promise<Ticket> {
      // Self-authenticating tokens: nothing is written until the guest comes back (refresh) or logs out.
      return issuer.guest({
        chainId: `g${randomHex(16)}`,
        userId: randomHex(16),
        tenantId: ctx.tenant.id,
        siteId: ctx.site.id,
        customerSet: ctx.site.customerSet,
        clientId: ctx.clientId,
        lifetimes: { accessMinutes: ctx.tenant.tokens.accessMinutes, refreshMinutes: ctx.tenant.tokens.refreshMinutes },
      });
    },

    /**
     * Rotates a refresh token, for the app the chain was issued to only (another app's refresh is
     * refused and leaves the token unspent). A token that was already used is theft: the whole chain
     * is revoked. An impersonation chain is never refreshed past its end.
     * @throws UNAUTHORIZED (unknown, reused, revoked, other account or app, ended) | TOKEN_EXPIRED
     */
    async refresh(ctx: CallContext, refreshToken: string, accountId?: number): Promise<Ticket> {
      if (isGuestToken(refreshToken)) return refreshGuest(ctx, refreshToken, accountId);
      const hash = hashToken(refreshToken);
      // Spent and its successor stored in one statement: of parallel refreshes one wins.
      const spent = await issuer.spend(hash, { ...scopeOf(ctx), clientId: ctx.clientId, accountId });
      if (!spent) throw await refusal(ctx, hash, accountId);
      // Before the JWT is signed: a deleted account's chain gets no new ticket.
      const account =
        spent.session.account_id === null ? undefined : await mustStillExist(ctx, spent.session.account_id);
      return issuer.ticket(spent, account);
    },

    /** Logout: revokes the chain the refresh token belongs to. Unknown tokens are ignored. */
    async logout(ctx: CallContext, refreshToken: string): Promise<void> {
      if (isGuestToken(refreshToken)) {
        const g = await guestTokens.open(refreshToken);
        if (!g || g.kind !== 'refresh' || g.tenantId !== ctx.tenant.id) return;
        // Recorded, so that every instance refuses the chain's tokens from now on.
        const ends = Math.max(g.accessExpiresAt.getTime(), g.refreshExpiresAt.getTime());
        await guests.revoke({
          chainId: g.chainId,
          tenantId: g.tenantId,
          reason: 'logout',
          at: clock.now(),
          endsAt: new Date(ends),
        });
        await audit.record(ctx, 'logout', null, {});
        return;
      }
      const known = await sessions.findRefresh(hashToken(refreshToken));
      if (!known) return;
      const session = await sessions.find(known.sessionId);
      if (!session || session.tenant_id !== ctx.tenant.id) return;
      await sessions.revoke(known.sessionId, 'logout', clock.now());
      await audit.record(ctx, 'logout', known.accountId, impersonation(session.impersonated_by));
    },

    /**
     * A short-lived ticket acting as a shopper for one cart; the JWT names the impersonating app.
     * The chain ends `tokens.impersonationMinutes` after it is made, however often it is refreshed.
     * A deactivated account is not impersonated (accounts/active.ts); a locked one is. A user id
     * without an account id is looked up: a registered shopper's is their account's ticket.
     * @throws ITEM_NOT_FOUND when the account is not in this customer set
     * @throws FORBIDDEN when the account is deactivated
     */
    async impersonate(
      ctx: CallContext,
      req: { cartId: string; accountId?: number; userId?: string | null },
    ): Promise<Ticket> {
      let account: AccountRow | undefined;
      if (req.accountId !== undefined) account = await accounts.findById(scopeOf(ctx), req.accountId);
      if (account && req.userId && account.user_id !== req.userId) account = undefined;
      // A user id alone may still be a registered shopper's: then it is that account's ticket, under
      // the account's rules (deactivated: refused), not a guest's that happens to carry their id.
      if (req.accountId === undefined && req.userId) account = await accounts.findByUserId(scopeOf(ctx), req.userId);
      if (!account && req.accountId !== undefined)
        throw new KiboError('ITEM_NOT_FOUND', `Account ${req.accountId} not found`);
      if (!account && !req.userId)
        throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'accountId or userId is required', { field: 'accountId' });
      // Before anything is stored: no chain, no audit entry (a refusal is not audited, as for logins).
      if (account) assertActive(account, 'impersonation');
      const minutes = ctx.tenant.tokens.impersonationMinutes;
      const ticket = await issuer.start({
        tenantId: ctx.tenant.id,
        siteId: ctx.site.id,
        customerSet: ctx.site.customerSet,
        account,
        anonymousUserId: account ? undefined : (req.userId ?? undefined),
        clientId: ctx.clientId,
        lifetimes: { accessMinutes: IMPERSONATION_ACCESS_MINUTES, refreshMinutes: minutes },
        impersonatedBy: ctx.clientId,
        cartId: req.cartId,
        endsAt: addMinutes(clock.now(), minutes),
      });
      await audit.record(ctx, 'impersonation', account?.id ?? null, {
        cartId: req.cartId,
        userId: ticket.userId,
        impersonatedBy: ctx.clientId,
      });
      return ticket;
    },

    /** @throws UNAUTHORIZED | TOKEN_EXPIRED */
    async fromAccessToken(opaque: string): Promise<ShopperPrincipal> {
      if (isGuestToken(opaque)) {
        const g = await guestTokens.open(opaque);
        if (!g || g.kind !== 'access') throw new KiboError('UNAUTHORIZED', 'Invalid or revoked access token');
        if (g.accessExpiresAt <= clock.now()) throw new KiboError('TOKEN_EXPIRED');
        if (await guests.isRevoked(g.chainId)) throw new KiboError('UNAUTHORIZED', 'Invalid or revoked access token');
        return {
          sessionId: g.chainId,
          userId: g.userId,
          anonymous: true,
          tenantId: g.tenantId,
          siteId: g.siteId,
          customerSet: g.customerSet,
          clientId: g.clientId,
        };
      }
      const row = await sessions.findByAccessHash(hashToken(opaque));
      if (!row || row.revoked_at) throw new KiboError('UNAUTHORIZED', 'Invalid or revoked access token');
      if (row.access_expires_at <= clock.now()) throw new KiboError('TOKEN_EXPIRED');
      return principalOf(row);
    },

    /** The JWT was verified already; this checks its chain is still live. @throws UNAUTHORIZED */
    async fromClaims(c: ShopperClaims): Promise<ShopperPrincipal> {
      if (isGuestChainId(c.sid)) {
        if (await guests.isRevoked(c.sid)) throw new KiboError('UNAUTHORIZED', 'The session has been revoked');
        return {
          sessionId: c.sid,
          userId: c.sub,
          anonymous: true,
          tenantId: c.tenant,
          siteId: c.site,
          customerSet: c.customerSet,
          clientId: c.app,
        };
      }
      const row = await sessions.find(c.sid);
      if (!row || row.revoked_at) throw new KiboError('UNAUTHORIZED', 'The session has been revoked');
      return principalOf(row);
    },
  };
}

/** The audit detail naming the app that impersonates, for an impersonation chain's events. */
function impersonation(impersonatedBy: string | null): { impersonatedBy?: string } {
  return impersonatedBy ? { impersonatedBy } : {};
}

/** The shopper a live login chain stands for. */
function principalOf(row: SessionRow): ShopperPrincipal {
  return {
    sessionId: row.id,
    userId: row.user_id,
    accountId: row.account_id ?? undefined,
    anonymous: row.anonymous,
    tenantId: row.tenant_id,
    siteId: row.site_id,
    customerSet: row.customer_set,
    clientId: row.client_id,
    impersonatedBy: row.impersonated_by ?? undefined,
  };
}

export type TicketService = ReturnType<typeof createTicketService>;
