import type { Registry } from 'prom-client';
import type { Clock } from '../domain/clock.ts';
import {
  DASHBOARD_SERIES,
  type DashboardSeries,
  type HistoryWindow,
  type MetricsHistory,
  type SeriesCounts,
} from '../domain/admin/metrics-history.ts';

/** A day of minutes: the dashboard's longest window. */
const HISTORY_MINUTES = 24 * 60;
const MINUTE_MS = 60_000;

const zeros = (): SeriesCounts => Object.fromEntries(DASHBOARD_SERIES.map((s) => [s, 0])) as SeriesCounts;

interface Slot {
  minute: number;
  counts: SeriesCounts;
}

/**
 * Samples the /metrics counters (the same prom-client registry, read by metric name) into a ring
 * of one slot per minute: at most HISTORY_MINUTES slots, each overwritten a day later, so memory
 * stays bounded however long the process runs. A sample adds what each counter grew since the
 * previous one to the slot of the minute it is taken in (by `clock`, which tests move by hand).
 * The counters are this process's, so the history is too: with several instances each has its own.
 */
export function createMetricsHistory(deps: { registry: Registry; clock: Clock }): MetricsHistory & {
  /** Samples every minute until the answered stop function is called. */
  start(): () => void;
} {
  const { registry, clock } = deps;
  const slots: (Slot | undefined)[] = new Array<Slot | undefined>(HISTORY_MINUTES);
  // The counters start at zero with the registry, built just before this.
  let last = zeros();
  let queue: Promise<unknown> = Promise.resolve();

  const values = async (name: string) => {
    const metric = registry.getSingleMetric(name);
    return metric ? (await metric.get()).values : [];
  };
  async function totals(): Promise<SeriesCounts> {
    const t = zeros();
    for (const v of await values('storefront_auth_logins_total')) {
      const outcome = v.labels.outcome as DashboardSeries;
      if (outcome in t) t[outcome] += v.value;
    }
    for (const v of await values('storefront_auth_lockouts_total')) t.lockouts += v.value;
    for (const v of await values('storefront_auth_refresh_token_reuse_total')) t.reuse += v.value;
    return t;
  }
  const minuteNow = () => Math.floor(clock.now().getTime() / MINUTE_MS);

  // One sample at a time, so each delta is taken against the one before it.
  const sample = (): Promise<void> => {
    const run = queue.then(async () => {
      const now = await totals();
      const minute = minuteNow();
      const i = minute % HISTORY_MINUTES;
      let slot = slots[i];
      if (slot?.minute !== minute) slots[i] = slot = { minute, counts: zeros() };
      for (const s of DASHBOARD_SERIES) slot.counts[s] += Math.max(0, now[s] - last[s]);
      last = now;
    });
    queue = run.catch(() => {});
    return run;
  };

  return {
    sample,
    totals,
    async window(minutes, buckets): Promise<HistoryWindow> {
      await sample();
      const span = Math.min(minutes, HISTORY_MINUTES);
      const bucketMinutes = span / buckets;
      const end = minuteNow();
      const first = end - span + 1;
      const series = Object.fromEntries(DASHBOARD_SERIES.map((s) => [s, new Array<number>(buckets).fill(0)]));
      for (const slot of slots) {
        if (!slot || slot.minute < first || slot.minute > end) continue;
        const b = Math.floor((slot.minute - first) / bucketMinutes);
        for (const s of DASHBOARD_SERIES) series[s][b] += slot.counts[s];
      }
      return { minutes: span, bucketMinutes, series: series as HistoryWindow['series'] };
    },
    start() {
      const timer = setInterval(() => void sample().catch(() => {}), MINUTE_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
