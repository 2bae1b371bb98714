import type { Services } from '../services.ts';
import { createAdminOps } from './ops.ts';
import { startAdminServer, type AdminServer } from './socket.ts';

/** The admin socket of a running service (embedded database): the CLI's ops on this process's services. */
export function adminServerFor(services: Services): Promise<AdminServer> {
  const ops = createAdminOps({
    config: services.config,
    store: services.store,
    clock: services.clock,
    keys: services.keys.admin,
    hasher: services.hasher,
    onAppsChanged: () => services.registry.reload(),
    prune: () => services.lifecycle.runPass(),
  });
  return startAdminServer(services.config.dataDir, ops);
}
