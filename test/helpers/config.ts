import type { ConfigFile } from '../../src/config/schema.ts';

export const STOREFRONT = { clientId: 'storefront', clientSecret: 'storefront-secret' };
export const ADMIN = { clientId: 'admin', clientSecret: 'admin-secret' };
export const OTHER_TENANT_APP = { clientId: 'tenant2-app', clientSecret: 'tenant2-secret' };

/**
 * The configuration most tests run with: tenant 1 with sites 1 and 2 sharing customer set
 * `default` and site 3 on customer set `other`; tenant 2 with one site; a storefront app with no
 * behaviors and an admin app with all of them.
 */
export function testConfigFile(overrides: Partial<ConfigFile> = {}): ConfigFile {
  return {
    tenants: [
      {
        id: 1,
        name: 'Test',
        domain: 't1.localhost',
        customerSets: [
          { code: 'default', name: 'Default' },
          { code: 'other', name: 'Other' },
        ],
        sites: [
          { id: 1, name: 'Main', customerSet: 'default' },
          { id: 2, name: 'Second', customerSet: 'default' },
          { id: 3, name: 'Elsewhere', customerSet: 'other' },
        ],
      },
      {
        id: 2,
        name: 'Second tenant',
        customerSets: [{ code: 'default', name: 'Default' }],
        sites: [{ id: 21, name: 'Main', customerSet: 'default' }],
      },
    ],
    apps: [
      { ...STOREFRONT, tenantId: 1, behaviors: [] },
      {
        ...ADMIN,
        tenantId: 1,
        behaviors: [
          'customer:manage-accounts',
          'customer-auth:configure-token-durations',
          'customer-auth:impersonate-cart',
        ],
      },
      { ...OTHER_TENANT_APP, tenantId: 2, behaviors: [] },
    ],
    // Cheap argon2 parameters keep the suite fast; production defaults are tested in unit tests.
    passwords: { argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 } },
    // Every test talks from 127.0.0.1; limits high enough not to get in the way (rate-limit tests set their own).
    rateLimits: Object.fromEntries(
      ['login', 'signup', 'codes', 'reset', 'appLogin', 'accountData', 'console'].map((g) => [
        g,
        { perIp: 10000, perAccount: 10000 },
      ]),
    ),
    ...overrides,
  };
}
