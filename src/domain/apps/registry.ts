import type { Config } from '../../config/load.ts';
import type { Behavior } from '../../config/schema.ts';
import type { AppsRepo } from '../../store/repos/apps.ts';
import { hashSecret } from '../../config/load.ts';
import { mintOpaqueToken } from '../tokens/opaque.ts';
import type { Clock } from '../clock.ts';

export interface App {
  clientId: string;
  tenantId: number;
  secretHash: string;
  behaviors: readonly Behavior[];
}

export interface AppRegistry {
  find(clientId: string): App | undefined;
}

/**
 * The applications allowed to call: those of CONFIG_FILE, or the built-in storefront app whose
 * secret comes from BOOTSTRAP_CLIENT_SECRET or is generated once, stored as a hash and reported
 * through `onGenerated` (the caller prints it once).
 */
export async function openAppRegistry(deps: {
  config: Config;
  repo: AppsRepo;
  clock: Clock;
  onGenerated?: (clientId: string, secret: string) => void;
}): Promise<AppRegistry> {
  const { config, repo, clock } = deps;
  const apps = new Map<string, App>(config.apps.map((a) => [a.clientId, a]));
  const boot = config.bootstrap;
  if (boot?.mode === 'env') {
    apps.set(boot.clientId, {
      clientId: boot.clientId,
      tenantId: config.tenants[0].id,
      secretHash: boot.secretHash,
      behaviors: [],
    });
  } else if (boot?.mode === 'generate') {
    let stored = await repo.find(boot.clientId);
    if (!stored) {
      const secret = mintOpaqueToken();
      const candidate = {
        clientId: boot.clientId,
        tenantId: config.tenants[0].id,
        secretHash: hashSecret(secret),
        behaviors: [],
      };
      if (await repo.insertIfAbsent(candidate, clock.now())) deps.onGenerated?.(boot.clientId, secret);
      stored = await repo.find(boot.clientId);
    }
    if (stored) apps.set(stored.clientId, { ...stored, behaviors: [] });
  }
  return { find: (clientId) => apps.get(clientId) };
}
