import { createServer, type AddressInfo } from 'node:net';
import type { ConfigFile } from '../../src/config/schema.ts';
import { testConfigFile } from './config.ts';

/** A loopback port free right now, so that a config can name the server's own address before it listens. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The test configuration with shopper pages on sites 1 and 2 of tenant 1, as the storefront app,
 * at `http://127.0.0.1:<port>` (so the reset mail links there): site 1 demands 2FA on every
 * password sign-in and offers code login; site 2 neither. Site 3 has no pages.
 */
export function pagesConfigFile(port: number): ConfigFile {
  const base = testConfigFile();
  const pages = { enabled: true, clientId: 'storefront', publicUrl: `http://127.0.0.1:${port}` };
  return {
    ...base,
    tenants: [
      {
        ...base.tenants[0],
        sites: [
          {
            id: 1,
            name: 'Main shop',
            customerSet: 'default',
            login: { twoFactor: { always: true }, otpLogin: { enabled: true } },
            pages,
          },
          { id: 2, name: 'Second shop', customerSet: 'default', pages },
          { id: 3, name: 'Elsewhere', customerSet: 'other' },
        ],
      },
      base.tenants[1],
    ],
  };
}
