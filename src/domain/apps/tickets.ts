import type { AppsRepo } from '../../store/repos/apps.ts';
import { addMinutes, type Clock } from '../clock.ts';
import { KiboError } from '../errors.ts';
import type { JwtService } from '../tokens/jwt.ts';
import { digestsEqual, hashToken, mintOpaqueToken } from '../tokens/opaque.ts';
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

/** Application authentication: client credentials → app tickets, refresh, revoke, verify. */
export function createAppTicketService(deps: { registry: AppRegistry; repo: AppsRepo; jwt: JwtService; clock: Clock }) {
  const { registry, repo, jwt, clock } = deps;

  async function issue(app: App): Promise<AppTicket> {
    const now = clock.now();
    const accessTokenExpiration = addMinutes(now, APP_ACCESS_MINUTES);
    const refreshTokenExpiration = addMinutes(now, APP_REFRESH_MINUTES);
    const accessToken = await jwt.sign(
      { typ: 'app', sub: app.clientId, tenant: app.tenantId, behaviors: [...app.behaviors] },
      accessTokenExpiration,
    );
    const refreshToken = mintOpaqueToken();
    await repo.insertRefreshToken({
      tokenHash: hashToken(refreshToken),
      clientId: app.clientId,
      tenantId: app.tenantId,
      expiresAt: refreshTokenExpiration,
      createdAt: now,
    });
    return { accessToken, accessTokenExpiration, refreshToken, refreshTokenExpiration };
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
      const consumed = await repo.consumeRefreshToken(hashToken(refreshToken), clock.now());
      const app = consumed && (await registry.lookup(consumed.clientId));
      if (!app) throw new KiboError('UNAUTHORIZED', 'Invalid or expired refresh token');
      return issue(app);
    },
    /** Retires an app refresh token; unknown tokens are ignored (idempotent). */
    async revoke(refreshToken: string): Promise<void> {
      await repo.consumeRefreshToken(hashToken(refreshToken), clock.now());
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
