// AM's timer: exact count and sum of durations, recent-weighted quantiles, and event rates.
import { Metric } from './metric.js';
import { MovingRates } from './storage/moving-average.js';
import { DecayingQuantiles } from './storage/decaying-quantiles.js';
import type { Labels } from './labels.js';
import type { FamilySnapshot, TimerSeries as TimerSnapshot } from './exposition/snapshot.js';

class TimerSeries {
  count = 0;
  sum = 0;
  readonly rates: MovingRates;
  readonly sample = new DecayingQuantiles();

  constructor(startMs: number) {
    this.rates = new MovingRates(startMs);
  }
}

/** A timer's series bound to one label set, for hot paths. */
export interface TimerChild {
  /** Records one duration in seconds; see `Timer.observe`. */
  observe(seconds: number): void;
  /** Starts measuring; the returned function records and returns the elapsed seconds. */
  startTimer(): () => number;
}

/**
 * Durations per label set, as AM's timer: `_count` and `_seconds_sum` are exact; the quantiles
 * (TIMER_QUANTILES) weigh each observation by its age as AM does and are NaN once no observation
 * arrived for the storage's window (see DecayingQuantiles). Durations are in seconds.
 */
export class Timer extends Metric<TimerSeries> {
  /**
   * Records one duration.
   * @throws InvalidLabelError for missing, unknown or non-string labels; InvalidValueError when
   *   `seconds` is negative or not finite. Nothing is recorded then.
   */
  observe(labels: Labels, seconds: number): void {
    this.checkNonNegative(seconds, 'duration in seconds');
    this.add(this.seriesFor(labels), seconds);
  }

  /**
   * Starts measuring an operation with the registry's monotonic clock. Labels are checked now; the
   * returned function records the elapsed seconds each time it is called and returns them.
   */
  startTimer(labels: Labels): () => number {
    return this.labels(labels).startTimer();
  }

  /** The series for `labels`, checked once; its methods only check the duration. */
  labels(labels: Labels): TimerChild {
    const entry = this.table.resolve(labels);
    const observe = (seconds: number): void => {
      this.checkNonNegative(seconds, 'duration in seconds');
      this.add(this.storageOf(entry), seconds);
    };
    const clock = this.context.clock;
    return {
      observe,
      startTimer: () => {
        const startMs = clock.monotonic();
        return () => {
          const seconds = Math.max(0, (clock.monotonic() - startMs) / 1_000);
          observe(seconds);
          return seconds;
        };
      },
    };
  }

  collect(): FamilySnapshot {
    const nowMs = this.context.clock.now();
    const series: TimerSnapshot[] = [];
    for (const { labels, storage } of this.table.all()) {
      const { min, max, mean } = storage.sample.window(nowMs);
      series.push({
        labels,
        count: storage.count,
        sum: storage.sum,
        rates: storage.rates.rates(nowMs, storage.count),
        quantiles: storage.sample.quantiles(nowMs),
        min,
        max,
        mean,
      });
    }
    return { kind: 'timer', descriptor: this.descriptor, series };
  }

  protected createStorage(): TimerSeries {
    return new TimerSeries(this.context.clock.now());
  }

  private add(series: TimerSeries, seconds: number): void {
    const nowMs = this.context.clock.now();
    series.count += 1;
    series.sum += seconds;
    series.sample.observe(seconds, nowMs);
    series.rates.mark(nowMs);
  }
}
