import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Behavior } from '../../config/schema.ts';
import type { AppPrincipal, AppTicketService } from '../../domain/apps/tickets.ts';
import { KiboError } from '../../domain/errors.ts';
import { looksLikeJwt, type JwtService, type ShopperClaims } from '../../domain/tokens/jwt.ts';
import type { ShopperPrincipal } from '../../domain/context.ts';

export type { ShopperPrincipal };

/** How customer tokens become shoppers; implemented by the ticket service. */
export interface ShopperAuthenticator {
  /** @throws UNAUTHORIZED | TOKEN_EXPIRED */
  fromAccessToken(opaque: string): Promise<ShopperPrincipal>;
  /** @throws UNAUTHORIZED when the login chain was revoked */
  fromClaims(claims: ShopperClaims): Promise<ShopperPrincipal>;
}

export interface Caller {
  app?: AppPrincipal;
  shopper?: ShopperPrincipal;
  /** Why user claims that were sent did not yield a shopper (reported only where one is needed). */
  shopperError?: KiboError;
}

export type AuthRequirement = 'none' | 'app' | 'shopper';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who must be calling; default 'none'. */
    auth?: AuthRequirement;
    /** A behavior the calling app must hold. */
    behavior?: Behavior;
    /**
     * The route changes an account's credentials or identity (password, email, user name) or deletes
     * it: refused (403) when the request carries an impersonation ticket, whatever the app may do.
     */
    refuseImpersonation?: boolean;
  }
  interface FastifyRequest {
    callerPromise: Promise<Caller> | null;
    /** The calling app and shopper, resolved once per request. */
    caller(): Promise<Caller>;
  }
}

export interface CredentialDeps {
  jwt: JwtService;
  appTickets: AppTicketService;
  shoppers: ShopperAuthenticator;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() ? s.trim() : undefined;
}

async function resolveCaller(deps: CredentialDeps, request: FastifyRequest): Promise<Caller> {
  const caller: Caller = {};
  const authz = header(request, 'authorization');
  if (authz) {
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    if (!m) throw new KiboError('UNAUTHORIZED', 'The Authorization header must be a Bearer token');
    const token = m[1];
    if (!looksLikeJwt(token)) throw new KiboError('UNAUTHORIZED', 'Invalid bearer token');
    const claims = await deps.jwt.verify(token);
    if (claims.typ === 'app') {
      caller.app = await deps.appTickets.verify(token);
    } else {
      // The app a shopper JWT names, without its behaviors: a ticket in a shopper's or a support
      // agent's browser is never an admin credential (CONTRACT §2).
      caller.app = deps.appTickets.identityOf(claims.app);
      if (!caller.app) throw new KiboError('UNAUTHORIZED', 'Unknown application');
      caller.shopper = await deps.shoppers.fromClaims(claims);
    }
  }
  const appClaims = header(request, 'x-vol-app-claims');
  // An app credential beside a shopper JWT is what brings the app's behaviors.
  if (appClaims && (!caller.app || caller.shopper)) {
    if (!looksLikeJwt(appClaims)) throw new KiboError('UNAUTHORIZED', 'Invalid application claims');
    caller.app = await deps.appTickets.verify(appClaims);
  }
  const userClaims = header(request, 'x-vol-user-claims');
  if (!caller.shopper && userClaims) {
    try {
      if (looksLikeJwt(userClaims)) {
        const claims = await deps.jwt.verify(userClaims);
        if (claims.typ !== 'shopper') throw new KiboError('UNAUTHORIZED', 'Not a shopper token');
        caller.shopper = await deps.shoppers.fromClaims(claims);
      } else {
        caller.shopper = await deps.shoppers.fromAccessToken(userClaims);
      }
    } catch (err) {
      if (!(err instanceof KiboError)) throw err;
      caller.shopperError = err;
    }
  }
  checkTenancy(request, caller);
  return caller;
}

/** Tokens are only good on their own tenant, and a shopper's only on sites of their customer set. */
function checkTenancy(request: FastifyRequest, caller: Caller): void {
  const t = request.tenancy;
  if (!t) return;
  if (caller.app && caller.app.tenantId !== t.tenant.id)
    throw new KiboError('UNAUTHORIZED', 'The application token is not valid for this tenant');
  const s = caller.shopper;
  if (s && (s.tenantId !== t.tenant.id || s.customerSet !== t.site.customerSet)) {
    caller.shopper = undefined;
    caller.shopperError = new KiboError('UNAUTHORIZED', 'The shopper token is not valid for this site');
  }
}

/** Throws unless the caller's app holds `behavior`. */
export function requireBehavior(caller: Caller, behavior: Behavior): void {
  if (!caller.app?.behaviors.includes(behavior)) {
    throw new KiboError('FORBIDDEN', `The application lacks the behavior ${behavior}`, { behavior });
  }
}

/** Throws unless a shopper is calling; reports why the sent user claims failed. */
export function requireShopper(caller: Caller): ShopperPrincipal {
  if (caller.shopper) return caller.shopper;
  throw caller.shopperError ?? new KiboError('UNAUTHORIZED', 'A shopper token is required');
}

/**
 * Resolves who is calling (lazily, once per request) and enforces each route's
 * `config.auth` / `config.behavior` before its handler runs.
 */
export function registerCredentials(app: FastifyInstance, deps: CredentialDeps): void {
  app.decorateRequest('callerPromise', null);
  app.decorateRequest('caller', function (this: FastifyRequest) {
    this.callerPromise ??= resolveCaller(deps, this);
    return this.callerPromise;
  });
  app.addHook('preValidation', async (request) => {
    const cfg = request.routeOptions.config;
    const need = cfg?.auth ?? 'none';
    if (need === 'none') return;
    const caller = await request.caller();
    if (!caller.app) throw new KiboError('UNAUTHORIZED', 'An application token is required');
    if (need === 'shopper') requireShopper(caller);
    if (cfg.behavior) requireBehavior(caller, cfg.behavior);
    if (cfg.refuseImpersonation && caller.shopper?.impersonatedBy)
      throw new KiboError('FORBIDDEN', "An impersonation ticket cannot change or delete the shopper's account");
  });
}
