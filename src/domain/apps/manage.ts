import type { Config } from '../../config/load.ts';
import { Behaviors, type Behavior } from '../../config/schema.ts';
import { hashSecret } from '../../config/load.ts';
import type { AppsRepo } from '../../store/repos/apps.ts';
import type { Clock } from '../clock.ts';
import { KiboError } from '../errors.ts';
import { mintOpaqueToken } from '../tokens/opaque.ts';

/** An app as the admin CLI lists it: never its secret or the secret's hash. */
export interface AppInfo {
  clientId: string;
  tenantId: number;
  behaviors: string[];
  source: 'config' | 'env' | 'database';
  createdAt: string | null;
  secretChangedAt: string | null;
}

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * Apps kept in the database (apps create | rotate-secret | set-behaviors | delete). Apps of
 * CONFIG_FILE or BOOTSTRAP_CLIENT_* are listed but changed only where they are defined. A secret
 * is answered once, when made; only its SHA-256 is stored. `onChange` tells this instance's
 * registry to read the apps again (other instances do within APP_RELOAD_MS).
 */
export function createAppAdmin(deps: { config: Config; repo: AppsRepo; clock: Clock; onChange?: () => Promise<void> }) {
  const { config, repo, clock } = deps;
  const fixedSource = (clientId: string): 'config' | 'env' | undefined =>
    config.apps.some((a) => a.clientId === clientId)
      ? 'config'
      : config.bootstrap?.mode === 'env' && config.bootstrap.clientId === clientId
        ? 'env'
        : undefined;
  const changed = async () => {
    await deps.onChange?.();
  };
  function mustBeStored(clientId: string): void {
    const src = fixedSource(clientId);
    if (src === 'config')
      throw new KiboError('VALIDATION_CONFLICT', `App ${clientId} is defined in CONFIG_FILE; change it there`);
    if (src === 'env')
      throw new KiboError('VALIDATION_CONFLICT', `App ${clientId} comes from BOOTSTRAP_CLIENT_ID/SECRET; change them`);
  }
  function checkBehaviors(behaviors: string[]): Behavior[] {
    for (const b of behaviors)
      if (!(Behaviors as readonly string[]).includes(b))
        throw new KiboError(
          'MISSING_OR_INVALID_PARAMETER',
          `Unknown behavior "${b}" (known: ${Behaviors.join(', ')})`,
          {
            field: 'behaviors',
          },
        );
    return [...new Set(behaviors)] as Behavior[];
  }
  const notFound = (clientId: string) => new KiboError('ITEM_NOT_FOUND', `No app ${clientId} in the database`);

  return {
    async list(): Promise<AppInfo[]> {
      const fixed: AppInfo[] = config.apps.map((a) => ({
        clientId: a.clientId,
        tenantId: a.tenantId,
        behaviors: [...a.behaviors],
        source: 'config',
        createdAt: null,
        secretChangedAt: null,
      }));
      if (config.bootstrap?.mode === 'env')
        fixed.push({
          clientId: config.bootstrap.clientId,
          tenantId: config.tenants[0].id,
          behaviors: [],
          source: 'env',
          createdAt: null,
          secretChangedAt: null,
        });
      const stored = (await repo.list())
        .filter((a) => !fixedSource(a.clientId))
        .map((a): AppInfo => ({
          clientId: a.clientId,
          tenantId: a.tenantId,
          behaviors: a.behaviors,
          source: 'database',
          createdAt: a.createdAt?.toISOString() ?? null,
          secretChangedAt: a.secretChangedAt?.toISOString() ?? null,
        }));
      return [...fixed, ...stored];
    },

    /** @throws MISSING_OR_INVALID_PARAMETER | VALIDATION_CONFLICT (the client id is taken) */
    async create(input: {
      clientId: string;
      tenantId: number;
      behaviors: string[];
    }): Promise<AppInfo & { secret: string }> {
      if (!CLIENT_ID.test(input.clientId))
        throw new KiboError('MISSING_OR_INVALID_PARAMETER', 'The client id must be 1–200 of A–Z a–z 0–9 . _ : -', {
          field: 'clientId',
        });
      if (!config.tenants.some((t) => t.id === input.tenantId))
        throw new KiboError('MISSING_OR_INVALID_PARAMETER', `Unknown tenant ${input.tenantId}`, { field: 'tenantId' });
      const behaviors = checkBehaviors(input.behaviors);
      if (fixedSource(input.clientId)) mustBeStored(input.clientId);
      const secret = mintOpaqueToken();
      const at = clock.now();
      const inserted = await repo.insertIfAbsent(
        { clientId: input.clientId, tenantId: input.tenantId, secretHash: hashSecret(secret), behaviors },
        at,
      );
      if (!inserted) throw new KiboError('VALIDATION_CONFLICT', `App ${input.clientId} exists already`);
      await changed();
      return {
        clientId: input.clientId,
        tenantId: input.tenantId,
        behaviors,
        source: 'database',
        createdAt: at.toISOString(),
        secretChangedAt: null,
        secret,
      };
    },

    /**
     * A new secret: the old one stops working, and so do the app's refresh tokens and the access
     * tokens issued before now. @throws ITEM_NOT_FOUND | VALIDATION_CONFLICT (a config app)
     */
    async rotateSecret(clientId: string): Promise<{ clientId: string; secret: string }> {
      mustBeStored(clientId);
      const secret = mintOpaqueToken();
      const at = clock.now();
      if (!(await repo.setSecret(clientId, hashSecret(secret), at))) throw notFound(clientId);
      await repo.retireRefreshTokens(clientId, at);
      await changed();
      return { clientId, secret };
    },

    /** Replaces the app's behaviors (read live by every token of it). */
    async setBehaviors(clientId: string, behaviors: string[]): Promise<{ clientId: string; behaviors: string[] }> {
      mustBeStored(clientId);
      const list = checkBehaviors(behaviors);
      if (!(await repo.setBehaviors(clientId, list))) throw notFound(clientId);
      await changed();
      return { clientId, behaviors: list };
    },

    /** Deletes the app: its tokens stop working (its refresh tokens are deleted with it). */
    async delete(clientId: string): Promise<{ clientId: string; deleted: true }> {
      mustBeStored(clientId);
      if (!(await repo.delete(clientId))) throw notFound(clientId);
      await changed();
      return { clientId, deleted: true };
    },
  };
}
