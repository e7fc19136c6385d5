// The one place that knows where time comes from; everything time-dependent takes a Clock.
import { performance } from 'node:perf_hooks';

/** A source of time, injectable so tests move time by hand. */
export interface Clock {
  /** Wall-clock time in epoch milliseconds: ticks rates and ages observations. */
  now(): number;
  /** A monotonic reading in milliseconds (fractional), for measuring durations with `startTimer`. */
  monotonic(): number;
}

/** The process clock: `Date.now()` for wall time, `performance.now()` for durations. */
export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/**
 * Wraps a bare `() => epochMs` function, as the public `Registry` options accept it, into a Clock
 * that also measures durations with it, so a manual clock drives `startTimer` too.
 */
export function clockFrom(now: (() => number) | undefined): Clock {
  return now === undefined ? systemClock : { now, monotonic: now };
}
