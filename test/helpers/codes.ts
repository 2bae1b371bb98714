/** The pending login a test code is issued for: the storefront app on site 1, default lifetimes, no device. */
export const PENDING_LOGIN = {
  siteId: 1,
  clientId: 'storefront',
  accessMinutes: null,
  refreshMinutes: null,
  fingerprintHash: null,
  region: null,
} as const;
