/** What the console's dashboard charts: the login outcomes, lockouts and refresh-token reuse. */
export const DASHBOARD_SERIES = [
  'success',
  'wrong_password',
  'unknown_user',
  'locked',
  'challenged_2fa',
  'lockouts',
  'reuse',
] as const;
export type DashboardSeries = (typeof DASHBOARD_SERIES)[number];
export type SeriesCounts = Record<DashboardSeries, number>;

/** Events per equal part of a window, oldest part first. */
export interface HistoryWindow {
  minutes: number;
  bucketMinutes: number;
  series: Record<DashboardSeries, number[]>;
}

/**
 * The recent history of the security counters (the port; src/runtime/metrics-history.ts samples
 * the /metrics counters into it). Numbers are this process's: each instance counts its own.
 */
export interface MetricsHistory {
  /** Takes a sample now (the timer does each minute; the dashboard before it draws). */
  sample(): Promise<void>;
  /** The events of the last `minutes` (at most the history's length) in `buckets` parts. */
  window(minutes: number, buckets: number): Promise<HistoryWindow>;
  /** The counters now: every event since this process started. */
  totals(): Promise<SeriesCounts>;
}
