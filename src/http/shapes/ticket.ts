import type { Ticket } from '../../domain/tickets/issue.ts';
import type { Challenge } from '../../domain/login-steps.ts';
import { toCustomerAccount } from './account.ts';

/** The wire CustomerAuthTicket of a ticket or a 2FA challenge. */
export function shapeTicket(t: Ticket | Challenge, now: Date) {
  if (t.requires2FA) {
    return {
      accessToken: t.accessToken,
      accessTokenExpiration: t.accessTokenExpiration.toISOString(),
      requires2FA: true,
      userId: t.userId,
    };
  }
  return {
    accessToken: t.accessToken,
    accessTokenExpiration: t.accessTokenExpiration.toISOString(),
    jwtAccessToken: t.jwtAccessToken,
    refreshToken: t.refreshToken,
    refreshTokenExpiration: t.refreshTokenExpiration.toISOString(),
    requires2FA: false,
    userId: t.userId,
    customerAccount: t.account ? toCustomerAccount(t.account, now) : undefined,
  };
}
