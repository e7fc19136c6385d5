// Timing an operation and recording its outcome from whether it resolved or threw.
import type { Clock } from '../registry/clock.js';
import type { Labels } from '../registry/labels.js';
import type { Outcome } from './catalog.js';
import type { GuardedTimer } from './install.js';

/**
 * Runs `operation`, measures it on `clock`'s monotonic reading, and observes the seconds it took on
 * `timer` under `labelsOf('success')`, or `labelsOf('failure')` if it threw or rejected; the result or
 * error passes through unchanged. Works for sync and async operations alike (the result is always a
 * promise). The labels are checked before the operation runs: a bad one refused only afterwards
 * would turn a success into an error (a CTS write done, its caller told it failed) or hide the
 * operation's own error behind the label's.
 * @throws InvalidLabelError (as a rejection) for a label `timer` refuses; `operation` does not run then.
 */
export async function timeOutcome<T>(clock: Clock, timer: GuardedTimer, labelsOf: (outcome: Outcome) => Labels, operation: () => T | Promise<T>): Promise<T> {
  timer.check(labelsOf('success'));
  const startMs = clock.monotonic();
  const elapsed = (): number => Math.max(0, (clock.monotonic() - startMs) / 1_000);
  let result: T;
  try {
    result = await operation();
  } catch (error) {
    timer.observe(labelsOf('failure'), elapsed());
    throw error;
  }
  timer.observe(labelsOf('success'), elapsed());
  return result;
}
