import type { Clock } from '../../src/domain/clock.ts';

/** A clock tests move by hand instead of sleeping. */
export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  advanceMinutes(m: number): void {
    this.advance(m * 60_000);
  }
}
