// The one place that knows where time comes from; everything time-dependent takes a Clock.
import { performance } from 'node:perf_hooks';

/** A source of time, injectable so tests move time by hand. */
export interface Clock {
  /** Wall-clock time in epoch milliseconds: ticks rates and ages observations. */
  now(): number;
  /** A monotonic reading in milliseconds (fractional), for measuring durations with `startTimer`. */
  monotonic(): number;
}

/**
 * How stale the system clock's wall time may be. Reading the OS clock costs 50–100 ns here, as much
 * as recording itself, while rates tick every 5 s and timer weights change by 0.15% per 100 ms; so the
 * hot path reads a cached time that one unref'd interval per process refreshes. Durations measured by
 * `startTimer` use `performance.now()` directly and are not affected.
 */
export const SYSTEM_CLOCK_RESOLUTION_MS = 100;

let cachedNow = 0;
let refresher: NodeJS.Timeout | undefined;

/** The cached wall time; the set-up on first use is a function of its own so that this one inlines cheaply. */
function coarseNow(): number {
  return refresher === undefined ? startRefreshing() : cachedNow;
}

function startRefreshing(): number {
  cachedNow = Date.now();
  refresher = setInterval(() => {
    cachedNow = Date.now();
  }, SYSTEM_CLOCK_RESOLUTION_MS);
  refresher.unref();
  return cachedNow;
}

/**
 * The process clock: wall time to within SYSTEM_CLOCK_RESOLUTION_MS (and no fresher than the event
 * loop's last turn), `performance.now()` for durations.
 */
export const systemClock: Clock = { now: coarseNow, monotonic: () => performance.now() };

/**
 * Wraps a bare `() => epochMs` function, as the public `Registry` options accept it, into a Clock
 * that also measures durations with it, so a manual clock drives `startTimer` too.
 */
export function clockFrom(now: (() => number) | undefined): Clock {
  return now === undefined ? systemClock : { now, monotonic: now };
}
