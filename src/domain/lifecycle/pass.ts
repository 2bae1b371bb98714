import type { Clock } from '../clock.ts';
import type { PruneRepo, Pruned } from '../../store/repos/prune.ts';
import { TOKEN_KEY_PREFIX } from '../tokens/token-keys.ts';
import { cutoffsAt, type LifecyclePolicy } from './rules.ts';

export interface PassDeps {
  clock: Clock;
  policy: LifecyclePolicy;
  /** rows per statement */
  batchSize: number;
  /** runs a pass under the instances' shared lock; undefined when another instance holds it */
  locked<T>(fn: (prune: PruneRepo) => Promise<T>): Promise<T | undefined>;
  /** after each statement, so a pass never holds a core or the database for long */
  pause(): Promise<void>;
  /** after a pass that removed rows (PGlite gives the space back) */
  afterDelete?(tables: readonly string[]): Promise<void>;
  /** before each pass: make the next guest-token key ahead of time */
  prepare?(): Promise<void>;
}

/** At most this many statements per table and pass; the next pass goes on. */
const MAX_BATCHES = 50;

/** One pruning pass: every rule of rules.ts, in bounded batches. Answers rows removed per table. */
export function createLifecyclePass(deps: PassDeps) {
  const { clock, policy, batchSize } = deps;

  return async function runPass(): Promise<{ ran: boolean; pruned: Pruned }> {
    await deps.prepare?.();
    const pruned: Pruned = {};
    const add = (p: Pruned) => {
      for (const [t, n] of Object.entries(p)) if (n > 0) pruned[t] = (pruned[t] ?? 0) + n;
    };
    const ran = await deps.locked(async (prune) => {
      const c = cutoffsAt(clock.now(), policy);
      /** Repeats one statement until it removes less than a batch. */
      const drain = async (table: string, step: () => Promise<number | Pruned>) => {
        for (let i = 0; i < MAX_BATCHES; i++) {
          const r = await step();
          const p = typeof r === 'number' ? { [table]: r } : r;
          add(p);
          await deps.pause();
          if ((p[table] ?? 0) < batchSize) return;
        }
      };
      await drain('sessions', () => prune.revokedSessions(batchSize));
      await drain('sessions', () => prune.endedSessions(c.now, batchSize));
      await drain('guest_chains', () => prune.endedGuestChains(c.now, batchSize));
      await drain('app_refresh_tokens', () => prune.appRefreshTokens(c.now, batchSize));
      await drain('verification_codes', () => prune.codes(c.now, batchSize));
      await drain('code_sends', () => prune.codeSends(c.codeSendsBefore, batchSize));
      await drain('password_resets', () => prune.resets(c.now, batchSize));
      await drain('known_devices', () => prune.devices(c.devicesBefore, batchSize));
      const before = c.auditBefore;
      if (before) await drain('auth_events', () => prune.auditEvents(before, batchSize));
      await drain('server_secrets', () => prune.secrets(TOKEN_KEY_PREFIX, c.guestKeysBefore, batchSize));
      return true;
    });
    const tables = Object.keys(pruned);
    if (tables.length > 0) await deps.afterDelete?.(tables);
    return { ran: ran === true, pruned };
  };
}
