import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../src/runtime/metrics.ts';
import { createMetricsHistory } from '../../src/runtime/metrics-history.ts';
import { TestClock } from '../helpers/clock.ts';

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

/**
 * The dashboard's history: the /metrics counters sampled into a day of one-minute slots, each
 * reused a day later (bounded memory), windows cut by the clock tests move.
 * @see src/runtime/metrics-history.ts
 */
describe('metrics history (the console dashboard)', () => {
  it('counts each sample in its minute, and places it in the window by the clock', async () => {
    const clock = new TestClock();
    const metrics = createMetrics();
    const history = createMetricsHistory({ registry: metrics.registry, clock });
    metrics.telemetry.login('wrong_password');
    metrics.telemetry.login('wrong_password');
    await history.sample();
    clock.advanceMinutes(30);
    metrics.telemetry.lockout('too_many_attempts');
    metrics.telemetry.refreshReuse();

    // The hour ends in this minute: the first sample, 30 minutes back, is in its sixth 5-minute part.
    const hour = await history.window(60, 12);
    assert.equal(hour.bucketMinutes, 5);
    assert.deepEqual(hour.series.wrong_password, [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(hour.series.lockouts, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert.equal(sum(hour.series.reuse), 1);
    assert.deepEqual(await history.totals(), {
      success: 0,
      wrong_password: 2,
      unknown_user: 0,
      locked: 0,
      challenged_2fa: 0,
      lockouts: 1,
      reuse: 1,
    });
  });

  it('reuses a slot a day later: old counts leave the day, memory stays a day of minutes', async () => {
    const clock = new TestClock();
    const metrics = createMetrics();
    const history = createMetricsHistory({ registry: metrics.registry, clock });
    metrics.telemetry.login('unknown_user');
    await history.sample();
    // Exactly a day later the same slot comes round: it is started again, not added to.
    clock.advanceMinutes(24 * 60);
    metrics.telemetry.login('unknown_user');
    metrics.telemetry.login('unknown_user');
    const day = await history.window(24 * 60, 24);
    assert.equal(sum(day.series.unknown_user), 2);
    // A window longer than the history is cut to it.
    assert.equal((await history.window(7 * 24 * 60, 24)).minutes, 24 * 60);
    assert.equal((await history.totals()).unknown_user, 3);
  });
});
