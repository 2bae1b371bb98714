import { Counter } from 'prom-client';
import type { Config } from '../config/load.ts';
import type { Clock } from '../domain/clock.ts';
import { createLifecyclePass } from '../domain/lifecycle/pass.ts';
import type { TokenKeys } from '../domain/tokens/token-keys.ts';
import type { Store } from '../store/db.ts';
import { createPruneRepo, vacuum, withPruneLock } from '../store/repos/prune.ts';
import { startLifecycle } from './lifecycle.ts';

interface Logger {
  debug?(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The data lifecycle of one instance: the pruning pass (tests call `runPass()` with their clock),
 * its counter for the metrics registry, and `start()` for the interval (main.ts).
 */
export function createLifecycle(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  tokenKeys: TokenKeys;
  /** the longest any token MACed by `tokenKeys` lives (services.ts longestTokenMinutes) */
  maxTokenMinutes: number;
  resendSeconds: number;
}) {
  const { config, store, clock, logger } = deps;
  const db = store.db;
  const r = config.retention;
  const prunedRows = new Counter({
    name: 'storefront_auth_pruned_rows_total',
    help: 'Rows removed by the data lifecycle, per table',
    labelNames: ['table'],
    registers: [],
  });
  const pass = createLifecyclePass({
    clock,
    batchSize: r.batchSize,
    policy: {
      deviceDays: r.deviceDays,
      auditDays: r.auditDays,
      resendSeconds: deps.resendSeconds,
      guestKeyMinutes: r.guestKeyDays * 1440,
      maxTokenMinutes: deps.maxTokenMinutes,
    },
    locked: (fn) => withPruneLock(db, store.kind, (conn) => fn(createPruneRepo(conn))),
    pause: () => new Promise((resolve) => setTimeout(resolve, 5)),
    afterDelete: store.kind === 'pglite' ? (tables) => vacuum(db, tables) : undefined,
    prepare: () => deps.tokenKeys.prepare(),
  });

  async function runPass() {
    const started = Date.now();
    const result = await pass();
    for (const [table, n] of Object.entries(result.pruned)) prunedRows.inc({ table }, n);
    logger.debug?.({ ran: result.ran, pruned: result.pruned, ms: Date.now() - started }, 'lifecycle pass');
    return result;
  }

  return {
    runPass,
    prunedRows,
    /** Prunes every `retention.intervalSeconds` until the returned handle is closed. */
    start() {
      return startLifecycle({
        intervalMs: r.intervalSeconds * 1000,
        run: runPass,
        onError: (err) =>
          logger.error({ err: err instanceof Error ? { message: err.message } : String(err) }, 'failed lifecycle pass'),
      });
    },
  };
}
