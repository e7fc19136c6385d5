// Timing an operation and recording its outcome from whether it resolved or threw.
import type { Clock } from '../registry/clock.js';
import type { Outcome } from './catalog.js';

/**
 * Runs `operation`, measures it on `clock`'s monotonic reading, and calls `record` with the seconds
 * it took and `success`, or `failure` if it threw or rejected; the result or error passes through
 * unchanged. Works for sync and async operations alike (the result is always a promise).
 */
export async function timeOutcome<T>(clock: Clock, operation: () => T | Promise<T>, record: (seconds: number, outcome: Outcome) => void): Promise<T> {
  const startMs = clock.monotonic();
  const elapsed = (): number => Math.max(0, (clock.monotonic() - startMs) / 1_000);
  let result: T;
  try {
    result = await operation();
  } catch (error) {
    record(elapsed(), 'failure');
    throw error;
  }
  record(elapsed(), 'success');
  return result;
}
