import type { Config } from '../config/load.ts';
import type { Clock } from '../domain/clock.ts';
import { createAppAdmin } from '../domain/apps/manage.ts';
import { createAccountImporter, type ImportLine, type ImportOptions } from '../domain/accounts/import.ts';
import type { KeyAdmin } from '../domain/tokens/keys.ts';
import type { PasswordHasher } from '../domain/passwords/hasher.ts';
import type { Store } from '../store/db.ts';
import { migrateToLatest, migrationStatus } from '../store/migrate.ts';
import { createAppsRepo } from '../store/repos/apps.ts';
import { createAccountImportRepo } from '../store/repos/account-import.ts';
import { toCustomerAccount } from '../http/shapes/account.ts';
import { createOperatorsRepo } from '../store/repos/operators.ts';
import { createConsoleSessionsRepo } from '../store/repos/console-sessions.ts';
import { sealerFrom } from '../store/sealer.ts';
import { createOperatorAdmin } from '../domain/operators/manage.ts';

/**
 * Everything the admin CLI can ask for, by name, with JSON arguments and JSON answers: the CLI
 * calls these in its own process (PostgreSQL, or an embedded database no service holds) or through
 * the running service's admin socket (admin/socket.ts), which runs the very same functions.
 */
export function createAdminOps(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  keys: KeyAdmin;
  hasher: Pick<PasswordHasher, 'hash'>;
  /** This process's app registry, told to read the apps again after a change. */
  onAppsChanged?: () => Promise<void>;
  /** One pruning pass of the data lifecycle (runtime/lifecycle-service.ts). */
  prune: () => Promise<unknown>;
}) {
  const { config, store, clock } = deps;
  const apps = createAppAdmin({ config, repo: createAppsRepo(store.db), clock, onChange: deps.onAppsChanged });
  const importer = createAccountImporter({
    config,
    repo: createAccountImportRepo(store.db),
    hasher: deps.hasher,
    clock,
  });
  const operators = createOperatorAdmin({
    repo: createOperatorsRepo(store.db),
    sessions: createConsoleSessionsRepo(store.db),
    hasher: deps.hasher,
    sealer: sealerFrom(config),
    clock,
    tenantIds: config.tenants.map((t) => t.id),
  });
  const ops = {
    'apps.list': () => apps.list(),
    'apps.create': (a: { clientId: string; tenantId: number; behaviors: string[] }) => apps.create(a),
    'apps.rotate-secret': (a: { clientId: string }) => apps.rotateSecret(a.clientId),
    'apps.set-behaviors': (a: { clientId: string; behaviors: string[] }) => apps.setBehaviors(a.clientId, a.behaviors),
    'apps.delete': (a: { clientId: string }) => apps.delete(a.clientId),
    'keys.list': () => deps.keys.list(),
    'keys.rotate': (a: { now?: boolean }) => deps.keys.rotate(a.now ? { publishAheadMinutes: 0 } : {}),
    'keys.retire': (a: { kid: string; dropNow?: boolean }) => deps.keys.retire(a.kid, { dropNow: a.dropNow }),
    'accounts.import': (a: { lines: ImportLine[]; options: ImportOptions }) => importer.importBatch(a.lines, a.options),
    // As JSON objects: the wire CustomerAccount (no password, no hash), with its tenant.
    'accounts.export': async (a: { afterId: number; limit: number; tenantId?: number }) => {
      const { rows, nextAfterId } = await importer.exportPage(a);
      const now = clock.now();
      return { accounts: rows.map((r) => ({ tenantId: r.tenant_id, ...toCustomerAccount(r, now) })), nextAfterId };
    },
    'operators.create': (a: { email: string; role: string; tenantId: number; password?: string; totp?: boolean }) =>
      operators.create(a),
    'operators.list': () => operators.list(),
    'operators.disable': (a: { email: string; disabled: boolean }) => operators.setDisabled(a.email, a.disabled),
    'operators.reset-password': (a: { email: string; password?: string }) =>
      operators.resetPassword(a.email, a.password),
    'migrate.check': () => migrationStatus(store.db),
    'migrate.run': async () => ({ ran: await migrateToLatest(store.db), ...(await migrationStatus(store.db)) }),
    'prune.run': async () => {
      return deps.prune();
    },
  };
  return ops;
}

export type AdminOps = ReturnType<typeof createAdminOps>;
export type AdminOpName = keyof AdminOps;
export type AdminArgs<N extends AdminOpName> = Parameters<AdminOps[N]>[0];
export type AdminResult<N extends AdminOpName> = Awaited<ReturnType<AdminOps[N]>>;
/** How the CLI calls an op, wherever it runs. */
export type AdminCall = <N extends AdminOpName>(op: N, args: AdminArgs<N>) => Promise<AdminResult<N>>;

export const ADMIN_OPS: readonly AdminOpName[] = [
  'apps.list',
  'apps.create',
  'apps.rotate-secret',
  'apps.set-behaviors',
  'apps.delete',
  'keys.list',
  'keys.rotate',
  'keys.retire',
  'accounts.import',
  'accounts.export',
  'operators.create',
  'operators.list',
  'operators.disable',
  'operators.reset-password',
  'migrate.check',
  'migrate.run',
  'prune.run',
];

/** Runs ops in this process. */
export function localCall(ops: AdminOps): AdminCall {
  return (op, args) => (ops[op] as (a: unknown) => Promise<never>)(args);
}
