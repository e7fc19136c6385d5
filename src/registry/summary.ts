// AM's summary: a count and a sum per label set, plus event rates for the JSON view. A thin facade:
// it checks, then records into a CountSum cell.
import { Metric } from './metric.js';
import { InvalidValueError } from './errors.js';
import { CountSum, type CountSumState } from './cells/count-sum.js';
import type { LabelValues } from './labels.js';
import type { CountSum as CountSumSeries, FamilySnapshot, SeriesBase } from './collection.js';
import type { Pace } from './time-slice.js';

/**
 * Most events `Summary.recordEvents` counts in one call: 2^32, so that a count stays a safe integer
 * (which `merge` requires) through two million such calls, far past any real series.
 */
export const MAX_EVENTS_AT_ONCE = 2 ** 32;

/** A summary's series bound to one label set, for hot paths. */
export interface SummaryChild {
  /** Counts one event adding `amount` (default 1) to the sum; see `Summary.record`. */
  record(amount?: number): void;
}

/**
 * Counts events and sums an amount per label set, as AM's summary does: each `record` adds one to
 * `_count` and `amount` to `_sum` (AM records 1, so the two are equal). Rates come from the registry
 * clock. `L` is the union of its label names, so a misspelt or missing label fails to compile.
 */
export class Summary<L extends string = string> extends Metric<CountSum, L> {
  /**
   * Records one event.
   * @throws InvalidLabelError for missing, unknown or non-string labels; InvalidValueError when
   *   `amount` is negative or not finite. Nothing is recorded then.
   */
  record(labels: LabelValues<L>, amount = 1): void {
    this.checkNonNegative(amount, 'amount');
    this.cellFor(labels).record(amount, this.context.clock.now());
  }

  /**
   * Counts `events` events of amount 1 at once, as `events` calls of `record(labels)` would, in one
   * step (a Dropwizard meter's `mark(n)`: AM counts each denylist entry a CTS search returns).
   * @throws InvalidLabelError as `record` does; InvalidValueError when `events` is not a whole number
   *   from 0 to MAX_EVENTS_AT_ONCE. Nothing is recorded then.
   */
  recordEvents(labels: LabelValues<L>, events: number): void {
    if (!(Number.isInteger(events) && events >= 0 && events <= MAX_EVENTS_AT_ONCE)) {
      throw new InvalidValueError(this.descriptor.name, events, `is not a valid number of events (a whole number from 0 to ${MAX_EVENTS_AT_ONCE})`);
    }
    this.cellFor(labels).recordEvents(events, this.context.clock.now());
  }

  /** The series for `labels`, checked once; its `record` only checks the amount. */
  labels(labels: LabelValues<L>): SummaryChild {
    const entry = this.table.resolve(labels);
    return {
      record: (amount = 1) => {
        this.checkNonNegative(amount, 'amount');
        this.cellOf(entry).record(amount, this.context.clock.now());
      },
    };
  }

  /** Every series: count, sum and rates at the registry clock's now. */
  collect(): FamilySnapshot {
    return { kind: 'summary', descriptor: this.descriptor, series: this.readAll(this.reader()) };
  }

  /** As `collect`, yielding between series as `pace` says. */
  override async collectPaced(pace: Pace): Promise<FamilySnapshot> {
    return { kind: 'summary', descriptor: this.descriptor, series: await this.readAllPaced(this.reader(), pace) };
  }

  /** Builds a series literal at the registry clock's now (see Metric.readAll for why not a spread). */
  private reader(): (cell: CountSum, series: SeriesBase) => CountSumSeries {
    const nowMs = this.context.clock.now();
    return (cell, { labels, startMs }) => ({ labels, startMs, count: cell.readCount(), sum: cell.readSum(), rates: cell.readRates(nowMs) });
  }

  cellFromState(state: unknown): CountSum {
    return CountSum.fromState(state as CountSumState, this.descriptor.name);
  }

  protected createCell(): CountSum {
    return new CountSum(this.context.clock.now());
  }
}
