import type { AppTicket } from '../../domain/apps/tickets.ts';

/** The wire AppAuthTicket of an app ticket. */
export const shapeAppTicket = (t: AppTicket) => ({
  accessToken: t.accessToken,
  accessTokenExpiration: t.accessTokenExpiration.toISOString(),
  refreshToken: t.refreshToken,
  refreshTokenExpiration: t.refreshTokenExpiration.toISOString(),
});
