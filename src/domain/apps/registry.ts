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
  /** config: CONFIG_FILE; env: BOOTSTRAP_CLIENT_*; database: made by the admin CLI (or the generated bootstrap app) */
  source: 'config' | 'env' | 'database';
  /** ms: the app's access tokens issued before this second are refused (its secret changed) */
  secretChangedAt?: number;
}

export interface AppRegistry {
  /** From memory; a stale copy (older than APP_RELOAD_MS) is read again in the background. */
  find(clientId: string): App | undefined;
  /**
   * Like find, but when the app is unknown or `accept` refuses it (a secret changed elsewhere),
   * reads the database apps again (at most once a second) and looks once more.
   */
  lookup(clientId: string, accept?: (app: App) => boolean): Promise<App | undefined>;
  /** Reads the database apps again when the copy is stale (else does nothing). */
  refreshIfStale(): Promise<void> | undefined;
  reload(): Promise<void>;
  /** Every app known now (a config app over a database app of the same client id). */
  list(): App[];
}

/** Apps made by the CLI reach every instance within this time (or at once, on their first login there). */
export const APP_RELOAD_MS = 30_000;

/**
 * The applications allowed to call: those of CONFIG_FILE (or the built-in storefront app, whose
 * secret comes from BOOTSTRAP_CLIENT_SECRET or is generated once, stored as a hash and reported
 * through `onGenerated`), and those the admin CLI keeps in the database. A config app wins over
 * a database app of the same client id.
 */
export async function openAppRegistry(deps: {
  config: Config;
  repo: AppsRepo;
  clock: Clock;
  onGenerated?: (clientId: string, secret: string) => void;
}): Promise<AppRegistry> {
  const { config, repo, clock } = deps;
  const fixed = new Map<string, App>(config.apps.map((a) => [a.clientId, { ...a, source: 'config' as const }]));
  const boot = config.bootstrap;
  if (boot?.mode === 'env') {
    fixed.set(boot.clientId, {
      clientId: boot.clientId,
      tenantId: config.tenants[0].id,
      secretHash: boot.secretHash,
      behaviors: [],
      source: 'env',
    });
  } else if (boot?.mode === 'generate' && !(await repo.find(boot.clientId))) {
    const secret = mintOpaqueToken();
    const candidate = {
      clientId: boot.clientId,
      tenantId: config.tenants[0].id,
      secretHash: hashSecret(secret),
      behaviors: [],
    };
    if (await repo.insertIfAbsent(candidate, clock.now())) deps.onGenerated?.(boot.clientId, secret);
  }
  // The built-in default's shopper pages call the API as an app of their own (config/pages.ts);
  // with a CONFIG_FILE they name one of its apps, already among the fixed ones.
  if (boot) {
    for (const t of config.tenants)
      for (const { pages } of t.sites)
        if (pages.enabled && pages.clientId && pages.clientSecret && !fixed.has(pages.clientId))
          fixed.set(pages.clientId, {
            clientId: pages.clientId,
            tenantId: t.id,
            secretHash: hashSecret(pages.clientSecret),
            behaviors: [],
            source: 'config',
          });
  }
  const tenants = new Set(config.tenants.map((t) => t.id));

  let stored = new Map<string, App>();
  let loadedAt = 0;
  let lastForced = 0;
  let lastFailure = 0;
  let loading: Promise<void> | undefined;
  async function load(): Promise<void> {
    const at = clock.now().getTime();
    const next = new Map<string, App>();
    for (const a of await repo.list()) {
      // An app of a tenant no longer configured has no tenant to act in.
      if (fixed.has(a.clientId) || !tenants.has(a.tenantId)) continue;
      next.set(a.clientId, {
        clientId: a.clientId,
        tenantId: a.tenantId,
        secretHash: a.secretHash,
        behaviors: a.behaviors as Behavior[],
        source: 'database',
        secretChangedAt: a.secretChangedAt?.getTime(),
      });
    }
    stored = next;
    loadedAt = at;
  }
  const reload = () =>
    (loading ??= load().finally(() => {
      loading = undefined;
    }));
  await reload();

  const registry: AppRegistry = {
    find(clientId) {
      void registry.refreshIfStale();
      return fixed.get(clientId) ?? stored.get(clientId);
    },
    async lookup(clientId, accept = () => true) {
      await registry.refreshIfStale();
      const app = fixed.get(clientId) ?? stored.get(clientId);
      // Any miss looks again (known app or not, so both cost the same), at most once a second.
      if ((app && accept(app)) || Date.now() - lastForced < 1000) return app;
      lastForced = Date.now();
      await reload();
      return fixed.get(clientId) ?? stored.get(clientId);
    },
    refreshIfStale() {
      if (clock.now().getTime() - loadedAt < APP_RELOAD_MS || Date.now() - lastFailure < 1000) return undefined;
      // A failed read (the database restarting) keeps the apps in hand; a second later the next call tries again.
      return reload().catch(() => {
        lastFailure = Date.now();
      });
    },
    reload,
    list: () => [...new Map([...stored, ...fixed]).values()],
  };
  return registry;
}
