// AM's summary: a count and a sum per label set, plus event rates for the JSON view.
import { Metric } from './metric.js';
import { MovingRates } from './storage/moving-average.js';
import type { Labels } from './labels.js';
import type { FamilySnapshot } from './exposition/snapshot.js';

class SummarySeries {
  count = 0;
  sum = 0;
  readonly rates: MovingRates;

  constructor(startMs: number) {
    this.rates = new MovingRates(startMs);
  }
}

/** A summary's series bound to one label set, for hot paths. */
export interface SummaryChild {
  /** Counts one event adding `amount` (default 1) to the sum; see `Summary.record`. */
  record(amount?: number): void;
}

/**
 * Counts events and sums an amount per label set, as AM's summary does: each `record` adds one to
 * `_count` and `amount` to `_sum` (AM records 1, so the two are equal). Rates come from the registry clock.
 */
export class Summary extends Metric<SummarySeries> {
  /**
   * Records one event.
   * @throws InvalidLabelError for missing, unknown or non-string labels; InvalidValueError when
   *   `amount` is negative or not finite. Nothing is recorded then.
   */
  record(labels: Labels, amount = 1): void {
    this.checkNonNegative(amount, 'amount');
    this.add(this.seriesFor(labels), amount);
  }

  /** The series for `labels`, checked once; its `record` only checks the amount. */
  labels(labels: Labels): SummaryChild {
    const entry = this.table.resolve(labels);
    return {
      record: (amount = 1) => {
        this.checkNonNegative(amount, 'amount');
        this.add(this.storageOf(entry), amount);
      },
    };
  }

  collect(): FamilySnapshot {
    const nowMs = this.context.clock.now();
    const series = [];
    for (const { labels, storage } of this.table.all()) {
      series.push({ labels, count: storage.count, sum: storage.sum, rates: storage.rates.rates(nowMs, storage.count) });
    }
    return { kind: 'summary', descriptor: this.descriptor, series };
  }

  protected createStorage(): SummarySeries {
    return new SummarySeries(this.context.clock.now());
  }

  private add(series: SummarySeries, amount: number): void {
    series.count += 1;
    series.sum += amount;
    series.rates.mark(this.context.clock.now());
  }
}
