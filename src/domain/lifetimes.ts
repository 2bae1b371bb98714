import { CONFIGURE_TOKEN_DURATIONS, type TokenSettings } from '../config/schema.ts';
import { KiboError } from './errors.ts';

export interface Lifetimes {
  accessMinutes: number;
  refreshMinutes: number;
}

/**
 * The lifetimes a login gets: the tenant's defaults, or what the caller asked for when its app
 * holds `customer-auth:configure-token-durations`, never beyond the caps.
 * @throws FORBIDDEN when custom lifetimes are asked without the behavior
 * @throws MISSING_OR_INVALID_PARAMETER when they exceed the caps
 */
export function resolveLifetimes(
  tokens: TokenSettings,
  behaviors: readonly string[],
  asked: { authTicketTtlMinutes?: number; refreshTokenTtlMinutes?: number },
): Lifetimes {
  const { authTicketTtlMinutes: a, refreshTokenTtlMinutes: r } = asked;
  if (a === undefined && r === undefined)
    return { accessMinutes: tokens.accessMinutes, refreshMinutes: tokens.refreshMinutes };
  if (!behaviors.includes(CONFIGURE_TOKEN_DURATIONS)) {
    throw new KiboError('FORBIDDEN', `Custom token lifetimes need the behavior ${CONFIGURE_TOKEN_DURATIONS}`, {
      behavior: CONFIGURE_TOKEN_DURATIONS,
    });
  }
  if (a !== undefined && a > tokens.maxAccessMinutes) {
    throw new KiboError(
      'MISSING_OR_INVALID_PARAMETER',
      `authTicketTtlMinutes may be at most ${tokens.maxAccessMinutes}`,
      { field: 'authTicketTtlMinutes' },
    );
  }
  if (r !== undefined && r > tokens.maxRefreshMinutes) {
    throw new KiboError(
      'MISSING_OR_INVALID_PARAMETER',
      `refreshTokenTtlMinutes may be at most ${tokens.maxRefreshMinutes}`,
      { field: 'refreshTokenTtlMinutes' },
    );
  }
  return { accessMinutes: a ?? tokens.accessMinutes, refreshMinutes: r ?? tokens.refreshMinutes };
}
