import type { Config } from './config/load.ts';
import type { Clock } from './domain/clock.ts';
import { openAppRegistry } from './domain/apps/registry.ts';
import { createAppTicketService } from './domain/apps/tickets.ts';
import { openKeyRing } from './domain/tokens/keys.ts';
import { createJwtService } from './domain/tokens/jwt.ts';
import type { Store } from './store/db.ts';
import { createAppsRepo } from './store/repos/apps.ts';
import { createKeysRepo } from './store/repos/keys.ts';
import type { ShopperAuthenticator } from './http/plugins/credentials.ts';
import { KiboError } from './domain/errors.ts';

export interface ServiceOptions {
  config: Config;
  store: Store;
  clock: Clock;
  /** Called once when the built-in app's secret is generated, so the caller can print it. */
  onBootstrapSecret?: (clientId: string, secret: string) => void;
}

/** Wires the domain services over the store; shared by main.ts and the test server. */
export async function createServices(opts: ServiceOptions) {
  const { config, store, clock } = opts;
  const keys = await openKeyRing(createKeysRepo(store.db), clock);
  const jwt = createJwtService({ keys, clock, issuer: config.jwtIssuer });
  const appsRepo = createAppsRepo(store.db);
  const registry = await openAppRegistry({ config, repo: appsRepo, clock, onGenerated: opts.onBootstrapSecret });
  const appTickets = createAppTicketService({ registry, repo: appsRepo, jwt, clock });
  const shoppers: ShopperAuthenticator = {
    fromAccessToken: async () => { throw new KiboError('UNAUTHORIZED', 'Shopper tokens are not supported yet'); },
    fromClaims: async () => { throw new KiboError('UNAUTHORIZED', 'Shopper tokens are not supported yet'); },
  };
  return { config, store, clock, keys, jwt, appTickets, shoppers };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
