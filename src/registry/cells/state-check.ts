// Checks of cell state read back from another process: every field is checked before a cell is built,
// so a malformed state is refused whole with an error naming the field, and nothing is merged.
import { InvalidValueError } from '../errors.js';

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
