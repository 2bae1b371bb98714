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
      const app = registry.find(clientId);
      // Compare against a throwaway digest for unknown clients so both paths cost the same.
      const ok = digestsEqual(hashSecret(secret), app?.secretHash ?? hashSecret(`\0unknown${clientId}`));
      if (!app || !ok) throw new KiboError('INVALID_CREDENTIALS', 'Invalid application credentials');
      return issue(app);
    },
    /** Rotates an app refresh token. @throws UNAUTHORIZED when it is unknown, used or expired */
    async refresh(refreshToken: string): Promise<AppTicket> {
      const consumed = await repo.consumeRefreshToken(hashToken(refreshToken), clock.now());
      const app = consumed && registry.find(consumed.clientId);
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
      const app = registry.find(claims.sub);
      // An app removed from configuration loses its tokens at once; behaviors are read live.
      if (!app || app.tenantId !== claims.tenant) throw new KiboError('UNAUTHORIZED', 'Unknown application');
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
