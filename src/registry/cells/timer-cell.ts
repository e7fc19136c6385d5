// A timer's cell: exact count and sum of durations with their rates (a CountSum), plus the
// recent-weighted distribution (DecayingQuantiles) its quantiles, min, max and mean come from.
import { CountSum, type CountSumState } from './count-sum.js';
import { DecayingQuantiles, QUANTILES, type DecayingQuantilesState } from './decaying-quantiles.js';
import { LogBuckets, type LogBucketsState } from './log-buckets.js';
import { checkState } from './state-check.js';
import type { BucketCount, NativeBuckets, TimerSeries } from '../collection.js';
import type { Labels } from '../labels.js';

/** A timer cell as plain data. */
export interface TimerCellState {
  readonly counts: CountSumState;
  readonly sample: DecayingQuantilesState;
  /** Present when the timer keeps buckets (the registry's `timerBuckets` option). */
  readonly buckets?: LogBucketsState;
}

/** A timer cell's undecayed buckets: count and sum of every observation, cumulative buckets. */
export interface BucketsReading {
  readonly count: number;
  readonly sum: number;
  readonly buckets: readonly BucketCount[];
  readonly native: NativeBuckets;
}

const NO_BUCKETS = new LogBuckets();

/** Durations of one series; the caller passes the time (epoch ms) and has checked the duration. */
export class TimerCell {
  /** The quantile pairs of the last read and the sample's array they came from (see `read`). */
  private pairsOf: readonly number[] | undefined;
  private pairs: TimerSeries['quantiles'] = [];

  constructor(
    private readonly counts: CountSum,
    private readonly sample: DecayingQuantiles,
    private readonly buckets?: LogBuckets,
  ) {}

  /** An empty cell whose rates start at `startMs`, with undecayed buckets when `hasBuckets`. */
  static create(startMs: number, hasBuckets = false): TimerCell {
    return new TimerCell(new CountSum(startMs), new DecayingQuantiles(), hasBuckets ? new LogBuckets() : undefined);
  }

  /** The latest time this cell holds (epoch ms): its rates' or its sample's. */
  latestTimeMs(): number {
    return Math.max(this.counts.latestTimeMs(), this.sample.latestTimeMs());
  }

  record(seconds: number, nowMs: number): void {
    this.counts.record(seconds, nowMs);
    this.sample.observe(seconds, nowMs);
    this.buckets?.record(seconds);
  }

  /** The undecayed buckets; all empty when this cell keeps none. */
  readBuckets(): BucketsReading {
    return (this.buckets ?? NO_BUCKETS).read();
  }

  /**
   * The series at `nowMs` with its labels and start, built as one literal from values read one by one:
   * a collection reads every series, and building it from part readings (counts, rates, window,
   * extremes, the reading, the series) took six objects per series where two (the series and its
   * rates) are needed; the garbage and the copying were most of an idle collect.
   */
  readSeries(nowMs: number, labels: Labels, startMs: number): TimerSeries {
    // The sample hands back the same array while its quantiles stand still, so the pairs are rebuilt
    // only when it changed; readings are read-only data, so collections may share them.
    const values = this.sample.quantiles(nowMs);
    if (values !== this.pairsOf) {
      this.pairs = QUANTILES.map((quantile, i) => ({ quantile, value: values[i] as number }));
      this.pairsOf = values;
    }
    const { counts, sample } = this;
    return {
      labels,
      startMs,
      count: counts.readCount(),
      sum: counts.readSum(),
      rates: counts.readRates(nowMs),
      quantiles: this.pairs,
      min: sample.windowMin(nowMs),
      max: sample.windowMax(nowMs),
      mean: sample.windowMean(nowMs),
      stddev: sample.windowStddev(nowMs),
    };
  }

  state(nowMs: number): TimerCellState {
    const buckets = this.buckets === undefined ? {} : { buckets: this.buckets.state() };
    return { counts: this.counts.state(nowMs), sample: this.sample.state(), ...buckets };
  }

  /**
   * Counts and sums add; the distributions merge into that of the union of both streams; buckets add
   * when both cells keep them (a cell without buckets ignores the other's; one with buckets adds none
   * from a cell without).
   */
  mergeFrom(other: TimerCell): void {
    this.sample.mergeFrom(other.sample);
    this.counts.mergeFrom(other.counts);
    if (this.buckets !== undefined && other.buckets !== undefined) this.buckets.mergeFrom(other.buckets);
  }

  /** @throws InvalidValueError naming the first malformed field. */
  static fromState(state: TimerCellState, metric: string): TimerCell {
    const s = checkState<TimerCellState>(state, metric, 'timer');
    return new TimerCell(
      CountSum.fromState(s.counts as CountSumState, metric),
      DecayingQuantiles.fromState(s.sample as DecayingQuantilesState, metric),
      s.buckets === undefined ? undefined : LogBuckets.fromState(s.buckets as LogBucketsState, metric),
    );
  }
}
