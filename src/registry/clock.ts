// The one place that knows where time comes from; everything time-dependent takes a Clock.

/** A source of wall-clock time in epoch milliseconds, injectable so tests move time by hand. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

/** The process clock: `Date.now()`. */
export const systemClock: Clock = { now: () => Date.now() };

/** Wraps a bare `() => epochMs` function, as the public `Registry` options accept it, into a Clock. */
export function clockFrom(now: (() => number) | undefined): Clock {
  return now === undefined ? systemClock : { now };
}
