// A clock that moves only when a test says so.
import type { Clock } from '../../src/registry/clock.js';

export interface Duration {
  readonly ms?: number;
  readonly seconds?: number;
  readonly minutes?: number;
  readonly hours?: number;
}

export class ManualClock implements Clock {
  private current: number;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  monotonic(): number {
    return this.current;
  }

  advance(by: Duration): void {
    this.current += (by.ms ?? 0) + (by.seconds ?? 0) * 1_000 + (by.minutes ?? 0) * 60_000 + (by.hours ?? 0) * 3_600_000;
  }
}
