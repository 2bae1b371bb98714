import type { AppsRepo } from '../../store/repos/apps.ts';
import { addMinutes, type Clock } from '../clock.ts';
import { KiboError } from '../errors.ts';
import type { JwtService } from '../tokens/jwt.ts';
import { digestsEqual, hashToken } from '../tokens/opaque.ts';
import { isAppRefreshToken, type AppRefreshTokens } from '../tokens/app-refresh.ts';
import { hashSecret } from '../../config/load.ts';
import type { App, AppRegistry } from './registry.ts';

export const APP_ACCESS_MINUTES = 60;
export const APP_REFRESH_MINUTES = 30 * 24 * 60;

export interface AppTicket {
  accessToken: string;
  accessTokenExpiration: Date;
  refreshToken: string;
  refreshTokenExpiration: Date;
}

export interface AppPrincipal {
  clientId: string;
  tenantId: number;
  behaviors: readonly string[];
}

/**
 * Application authentication: client credentials → app tickets, refresh, revoke, verify. An app
 * ticket writes nothing: its refresh token is sealed (tokens/app-refresh.ts) and recorded only
 * when spent.
 */
export function createAppTicketService(deps: {
  registry: AppRegistry;
  repo: AppsRepo;
  jwt: JwtService;
  clock: Clock;
  refreshTokens: AppRefreshTokens;
}) {
  const { registry, repo, jwt, clock, refreshTokens } = deps;

  async function issue(app: App): Promise<AppTicket> {
    const now = clock.now();
    const accessTokenExpiration = addMinutes(now, APP_ACCESS_MINUTES);
    const refreshTokenExpiration = addMinutes(now, APP_REFRESH_MINUTES);
    const accessToken = await jwt.sign(
      { typ: 'app', sub: app.clientId, tenant: app.tenantId, behaviors: [...app.behaviors] },
      accessTokenExpiration,
    );
    const refreshToken = await refreshTokens.mint(app, now, APP_REFRESH_MINUTES);
    return { accessToken, accessTokenExpiration, refreshToken, refreshTokenExpiration };
  }

  /**
   * Spends a sealed refresh token once: it must be ours, unexpired, of an app that is still there
   * in the same tenant and unchanged since (not re-created, secret not changed). Answers its app.
   */
  async function spend(token: string): Promise<App | undefined> {
    const t = await refreshTokens.open(token);
    const now = clock.now();
    if (!t || t.expiresAt <= now) return undefined;
    const app = await registry.lookup(t.clientId);
    if (!app || app.tenantId !== t.tenantId) return undefined;
    const spent = await repo.spendRefreshToken(
      { ...t, tokenHash: hashToken(token), stored: app.source === 'database' },
      now,
    );
    return spent ? app : undefined;
  }

  /** A refresh token stored when it was issued (before they were sealed; gone within 30 days). */
  async function spendStored(token: string): Promise<App | undefined> {
    const consumed = await repo.consumeRefreshToken(hashToken(token), clock.now());
    return consumed && registry.lookup(consumed.clientId);
  }

  return {
    /** @throws INVALID_CREDENTIALS for an unknown client or a wrong secret (same answer) */
    async authenticate(clientId: string, secret: string): Promise<AppTicket> {
      const given = hashSecret(secret);
      // Compare against a throwaway digest for unknown clients so both paths cost the same. A miss
      // reads the database apps again once: the app or its new secret may come from the admin CLI.
      const matches = (a: App | undefined) => digestsEqual(given, a?.secretHash ?? hashSecret(`\0unknown${clientId}`));
      const app = await registry.lookup(clientId, matches);
      const ok = matches(app);
      if (!app || !ok) throw new KiboError('INVALID_CREDENTIALS', 'Invalid application credentials');
      return issue(app);
    },
    /** Rotates an app refresh token. @throws UNAUTHORIZED when it is unknown, used or expired */
    async refresh(refreshToken: string): Promise<AppTicket> {
      const app = isAppRefreshToken(refreshToken) ? await spend(refreshToken) : await spendStored(refreshToken);
      if (!app) throw new KiboError('UNAUTHORIZED', 'Invalid or expired refresh token');
      return issue(app);
    },
    /** Retires an app refresh token; unknown tokens are ignored (idempotent). */
    async revoke(refreshToken: string): Promise<void> {
      if (isAppRefreshToken(refreshToken)) await spend(refreshToken);
      else await repo.consumeRefreshToken(hashToken(refreshToken), clock.now());
    },
    /** @throws UNAUTHORIZED | TOKEN_EXPIRED */
    async verify(accessToken: string): Promise<AppPrincipal> {
      const claims = await jwt.verify(accessToken);
      if (claims.typ !== 'app') throw new KiboError('UNAUTHORIZED', 'Not an application token');
      await registry.refreshIfStale();
      const app = registry.find(claims.sub);
      // An app removed from configuration loses its tokens at once (from the database: within
      // APP_RELOAD_MS); behaviors are read live; a changed secret ends the tokens issued before.
      if (!app || app.tenantId !== claims.tenant) throw new KiboError('UNAUTHORIZED', 'Unknown application');
      const iat = (claims as { iat?: number }).iat ?? 0;
      if (app.secretChangedAt !== undefined && iat < Math.floor(app.secretChangedAt / 1000))
        throw new KiboError('UNAUTHORIZED', 'The application secret has changed since this token was issued');
      return { clientId: app.clientId, tenantId: app.tenantId, behaviors: app.behaviors };
    },
    /**
     * A known app as named by a shopper JWT: who it is, with no behaviors. Behaviors come only from
     * an app credential (its access token), never from a ticket issued to one of its shoppers.
     */
    identityOf(clientId: string): AppPrincipal | undefined {
      const app = registry.find(clientId);
      return app && { clientId: app.clientId, tenantId: app.tenantId, behaviors: [] };
    },
  };
}
export type AppTicketService = ReturnType<typeof createAppTicketService>;
