import type { FastifyInstance } from 'fastify';
import { DASHBOARD_SERIES, type DashboardSeries, type MetricsHistory } from '../../domain/admin/metrics-history.ts';
import { HIDDEN } from './hidden.ts';
import { pageBase } from './admin-access.ts';

const LABELS: Record<DashboardSeries, string> = {
  success: 'Logins: succeeded',
  wrong_password: 'Logins: wrong password',
  unknown_user: 'Logins: unknown user',
  locked: 'Logins: refused, locked',
  challenged_2fa: 'Logins: 2FA challenged',
  lockouts: 'Lockouts',
  reuse: 'Refresh-token reuse detected',
};
/** Each chart's size in SVG units (the stylesheet scales it). */
const WIDTH = 120;
const HEIGHT = 30;

/**
 * A small bar chart as SVG geometry: one bar per part of the window, scaled to the largest. Only
 * numbers reach the template; presentation is the stylesheet's (the CSP allows no style attribute).
 */
function bars(values: number[], label: string, bucketMinutes: number) {
  const max = Math.max(1, ...values);
  const w = WIDTH / values.length;
  return {
    width: WIDTH,
    height: HEIGHT,
    label: `${label}, per ${bucketMinutes === 60 ? 'hour' : `${bucketMinutes} minutes`}, oldest first: ${values.join(', ')}`,
    rects: values.map((v, i) => {
      // A bar of at least 1 unit when there was anything, so one event is not invisible.
      const h = v === 0 ? 0 : Math.max(1, Math.round((v / max) * (HEIGHT - 2)));
      return { x: +(i * w + 0.5).toFixed(2), y: HEIGHT - h, w: +(w - 1).toFixed(2), h, v };
    }),
  };
}

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

/**
 * The dashboard (support and admin): logins by outcome, lockouts and refresh-token reuse over the
 * last hour (12 bars of 5 minutes) and the last day (24 bars of an hour), from the same counters
 * as /metrics, sampled by this process (runtime/metrics-history.ts); and the totals since it started.
 */
export function dashboardRoutes(app: FastifyInstance, history: MetricsHistory): void {
  app.get('/dashboard', HIDDEN, async (request, reply) => {
    const hour = await history.window(60, 12);
    const day = await history.window(24 * 60, 24);
    const totals = await history.totals();
    const rows = DASHBOARD_SERIES.map((s) => ({
      key: s,
      label: LABELS[s],
      hour: sum(hour.series[s]),
      day: sum(day.series[s]),
      total: totals[s],
      hourChart: bars(hour.series[s], `${LABELS[s]}, last hour`, hour.bucketMinutes),
      dayChart: bars(day.series[s], `${LABELS[s]}, last day`, day.bucketMinutes),
    }));
    return reply.view('dashboard', { ...pageBase(request, reply), rows });
  });
}
