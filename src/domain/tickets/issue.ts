import { randomUUID } from 'node:crypto';
import type { NewSession, RefreshScope, SessionRow, SessionsRepo, TokenPair } from '../../store/repos/sessions.ts';
import { addMinutes, type Clock } from '../clock.ts';
import type { JwtService, ShopperClaims } from '../tokens/jwt.ts';
import { hashToken, mintOpaqueToken } from '../tokens/opaque.ts';
import type { AccountRow } from '../../store/repos/accounts.ts';
import type { Lifetimes } from '../lifetimes.ts';
import type { GuestTokens } from '../tokens/guest.ts';

/** A full ticket, before it is shaped for the wire. */
export interface Ticket {
  accessToken: string;
  accessTokenExpiration: Date;
  jwtAccessToken: string;
  refreshToken: string;
  refreshTokenExpiration: Date;
  requires2FA: false;
  userId: string;
  account?: AccountRow;
}

export interface NewChain {
  tenantId: number;
  siteId: number;
  customerSet: string;
  account?: AccountRow;
  /** for a guest: the anonymous shopper id */
  anonymousUserId?: string;
  clientId: string;
  lifetimes: Lifetimes;
  previousAnonymousId?: string;
  impersonatedBy?: string;
  cartId?: string;
  /** the chain's absolute end: no token of it, refreshed or not, outlives it */
  endsAt?: Date;
}

/** A refresh token spent: its chain, and the successor pair (plain) stored in its place at `at`. */
export interface Spent {
  session: SessionRow;
  at: Date;
  accessToken: string;
  refreshToken: string;
}

/** A guest chain: who, where, and the lifetimes every ticket of the chain gets. */
export interface GuestChain {
  chainId: string;
  userId: string;
  tenantId: number;
  siteId: number;
  customerSet: string;
  clientId: string;
  lifetimes: Lifetimes;
}

/**
 * Mints the tokens of a login chain (session): opaque access + refresh stored as hashes, and the JWT;
 * for a guest, self-authenticating tokens that are stored nowhere (tokens/guest.ts).
 */
export function createTicketIssuer(deps: {
  sessions: SessionsRepo;
  jwt: JwtService;
  clock: Clock;
  guests: GuestTokens;
}) {
  const { sessions, jwt, clock, guests } = deps;

  /**
   * The chain's JWT and the ticket around a new opaque pair, expiring `now` + the chain's lifetimes,
   * never after the chain's end. The JWT names the app but carries none of its behaviors.
   */
  async function ticketFor(
    s: NewSession,
    now: Date,
    accessToken: string,
    refreshToken: string,
    account?: AccountRow,
  ): Promise<Ticket> {
    const accessTokenExpiration = capAt(addMinutes(now, s.access_minutes), s.ends_at);
    const refreshTokenExpiration = capAt(addMinutes(now, s.refresh_minutes), s.ends_at);
    // Optional claims are assigned, not spread in: this runs for every ticket (docs/performance.md).
    const claims: ShopperClaims = {
      typ: 'shopper',
      sub: s.user_id,
      sid: s.id,
      tenant: s.tenant_id,
      site: s.site_id,
      customerSet: s.customer_set,
      anonymous: s.anonymous,
      app: s.client_id,
    };
    if (s.account_id !== null) claims.accountId = s.account_id;
    if (s.previous_anonymous_id) claims.prevAnonymousId = s.previous_anonymous_id;
    if (s.impersonated_by) claims.impersonatedBy = s.impersonated_by;
    if (s.cart_id) claims.cartId = s.cart_id;
    const jwtAccessToken = await jwt.sign(claims, accessTokenExpiration);
    return {
      accessToken,
      accessTokenExpiration,
      jwtAccessToken,
      refreshToken,
      refreshTokenExpiration,
      requires2FA: false,
      userId: s.user_id,
      account,
    };
  }

  /** A new opaque access/refresh pair and the hashes that are stored for it. */
  function newPair() {
    const accessToken = mintOpaqueToken();
    const refreshToken = mintOpaqueToken();
    return { accessToken, refreshToken, accessHash: hashToken(accessToken), refreshHash: hashToken(refreshToken) };
  }

  /**
   * A new login chain's ticket and the rows that make it live, not stored yet: a login stores
   * them in its one write statement (store/repos/logins.ts).
   */
  async function prepare(c: NewChain): Promise<{ ticket: Ticket; session: NewSession; tokens: TokenPair }> {
    const now = clock.now();
    const session: NewSession = {
      id: randomUUID(),
      tenant_id: c.tenantId,
      site_id: c.siteId,
      customer_set: c.customerSet,
      account_id: c.account?.id ?? null,
      user_id: c.account?.user_id ?? c.anonymousUserId ?? randomUUID().replaceAll('-', ''),
      anonymous: !c.account,
      client_id: c.clientId,
      previous_anonymous_id: c.previousAnonymousId ?? null,
      impersonated_by: c.impersonatedBy ?? null,
      cart_id: c.cartId ?? null,
      access_minutes: c.lifetimes.accessMinutes,
      refresh_minutes: c.lifetimes.refreshMinutes,
      ends_at: c.endsAt ?? null,
      created_at: now,
    };
    const pair = newPair();
    const ticket = await ticketFor(session, now, pair.accessToken, pair.refreshToken, c.account);
    const tokens: TokenPair = {
      accessHash: pair.accessHash,
      accessExpiresAt: ticket.accessTokenExpiration,
      refreshHash: pair.refreshHash,
      refreshExpiresAt: ticket.refreshTokenExpiration,
    };
    return { ticket, session, tokens };
  }

  return {
    /** A guest ticket on `g`'s chain, expiring now + its lifetimes. Writes nothing. */
    async guest(g: GuestChain): Promise<Ticket> {
      const now = clock.now();
      const row: NewSession = {
        id: g.chainId,
        tenant_id: g.tenantId,
        site_id: g.siteId,
        customer_set: g.customerSet,
        account_id: null,
        user_id: g.userId,
        anonymous: true,
        client_id: g.clientId,
        previous_anonymous_id: null,
        impersonated_by: null,
        cart_id: null,
        access_minutes: g.lifetimes.accessMinutes,
        refresh_minutes: g.lifetimes.refreshMinutes,
        created_at: now,
      };
      const t = {
        chainId: g.chainId,
        userId: g.userId,
        tenantId: g.tenantId,
        siteId: g.siteId,
        customerSet: g.customerSet,
        clientId: g.clientId,
        accessMinutes: g.lifetimes.accessMinutes,
        refreshMinutes: g.lifetimes.refreshMinutes,
      };
      const [access, refresh] = await Promise.all([
        guests.mint({ ...t, kind: 'access' }, now),
        guests.mint({ ...t, kind: 'refresh' }, now),
      ]);
      return ticketFor(row, now, access, refresh);
    },

    prepare,

    /** Starts a new login chain, stored at once (an impersonation). */
    async start(c: NewChain): Promise<Ticket> {
      const { ticket, session, tokens } = await prepare(c);
      await sessions.create(session, tokens);
      return ticket;
    },

    /**
     * Spends a refresh token and stores its successor pair in one statement (sessions.rotateRefresh).
     * Undefined when the token could not be spent in `scope` by its app: nothing was written.
     */
    async spend(refreshHash: string, scope: RefreshScope): Promise<Spent | undefined> {
      const at = clock.now();
      const pair = newPair();
      const session = await sessions.rotateRefresh(refreshHash, scope, at, {
        accessHash: pair.accessHash,
        refreshHash: pair.refreshHash,
      });
      return session && { session, at, accessToken: pair.accessToken, refreshToken: pair.refreshToken };
    },

    /** The ticket of a spent token's successor pair, for the chain's account (none for a guest chain). */
    ticket(spent: Spent, account?: AccountRow): Promise<Ticket> {
      return ticketFor(spent.session, spent.at, spent.accessToken, spent.refreshToken, account);
    },
  };
}
export type TicketIssuer = ReturnType<typeof createTicketIssuer>;

/** `at`, or the chain's end when that comes first. */
function capAt(at: Date, end: Date | null | undefined): Date {
  return end && end < at ? end : at;
}
