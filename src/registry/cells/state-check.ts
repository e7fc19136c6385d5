// The bound on recorded values, and the checks of cell state read back from another process: every
// field is checked before a cell is built, so a malformed state is refused whole with an error naming
// the field, and nothing is merged.
import { InvalidValueError } from '../errors.js';

/**
 * The largest amount a summary records and the longest duration (seconds) a timer observes. No
 * real amount or duration comes near it, and below it every sum stays finite for any count a process
 * reaches: a summary's sum, a timer's decayed sum (each value weighed by up to e^100 ≈ 2.7e43) and
 * its squared deviations (up to 1e200 each, times that weight). Past ~1e308 an addition gives
 * Infinity, the compensated sum NaN, and `merge` refuses the state with everything else in it.
 */
export const MAX_RECORDED = 1e100;

/**
 * The largest sum of amounts or durations a state holds: MAX_RECORDED for each of the most events a
 * count holds exactly (Number.MAX_SAFE_INTEGER), about 9e115. No process records more, and below it
 * sums stay finite however many states are merged (about 1e192 of them reach Number.MAX_VALUE); a
 * state of 1e308, merged twice, made the sum Infinity and its compensation NaN.
 */
export const MAX_STATE_SUM = Number.MAX_SAFE_INTEGER * MAX_RECORDED;

/**
 * `state` as a record to read fields from.
 * @throws InvalidValueError when it is not a plain object.
 */
export function checkState<T>(state: unknown, metric: string, what: string): Partial<Record<keyof T, unknown>> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new InvalidValueError(metric, state, `is not a ${what} state (an object)`);
  }
  return state;
}

/**
 * `value` when it is a finite number of at least `min`.
 * @throws InvalidValueError naming `field` otherwise.
 */
export function finiteAtLeast(value: unknown, min: number, metric: string, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= min) return value;
  const bound = min === -Infinity ? 'a finite number' : `a finite number >= ${min}`;
  throw new InvalidValueError(metric, value, `is not a valid ${field} in a merged state (${bound})`);
}

/**
 * `value` when it is a finite number from `min` to `max`.
 * @throws InvalidValueError naming `field` otherwise.
 */
export function finiteBetween(value: unknown, min: number, max: number, metric: string, field: string): number {
  if (typeof value === 'number' && value >= min && value <= max) return value;
  throw new InvalidValueError(metric, value, `is not a valid ${field} in a merged state (a number from ${min} to ${max})`);
}

/**
 * `value` when it is a count of events: a whole number from 0 to Number.MAX_SAFE_INTEGER.
 * @throws InvalidValueError naming `field` otherwise.
 */
export function eventCount(value: unknown, metric: string, field: string): number {
  if (Number.isSafeInteger(value) && (value as number) >= 0) return value as number;
  throw new InvalidValueError(metric, value, `is not a valid ${field} in a merged state (a whole number >= 0)`);
}
