// The data model every reader shares: what one collection of a registry holds. Metric types produce
// it; the Prometheus and JSON writers, push encoders and the cluster merge only read it.
import type { Descriptor } from './descriptor.js';
import type { Labels } from './labels.js';
import type { Rates } from './cells/moving-average.js';

export type { Rates };

/** The quantiles every timer reports, in the order of `TimerSeries.quantiles`. */
export { QUANTILES as TIMER_QUANTILES } from './cells/decaying-quantiles.js';

/** One quantile of a timer series: `value` in seconds, NaN when the timer's window is idle. */
export interface QuantileValue {
  readonly quantile: number;
  readonly value: number;
}

/** What every series carries: its own labels (resource labels apart) and when it started counting. */
export interface SeriesBase {
  /** The metric's label values and constant labels; the collection's `resource` labels are not repeated. */
  readonly labels: Labels;
  /** Epoch ms when the series was created or last reset: the start of its cumulative counts. */
  readonly startMs: number;
}

/** A summary series: events counted, amounts summed, and event rates (per second). */
export interface CountSum extends SeriesBase {
  readonly count: number;
  readonly sum: number;
  readonly rates: Rates;
}

/**
 * A timer series: durations in seconds; quantiles, min, max, mean and stddev are NaN when the window
 * is idle. `mean` and `stddev` weigh observations as the quantiles do (recent ones more).
 */
export interface TimerSeries extends CountSum {
  readonly quantiles: readonly QuantileValue[];
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stddev: number;
}

/** One bucket of a histogram series: observations at most `le` (seconds for timers). */
export interface BucketCount {
  /** Upper bound, inclusive; the last bucket's is `Infinity` (`+Inf`). */
  readonly le: number;
  /** Observations ≤ `le` since the series started: cumulative, so non-decreasing along the list. */
  readonly count: number;
}

/**
 * The same observations in exponential buckets, as Prometheus native histograms count them: bucket
 * `index` holds (2^((index−1)/2^schema), 2^(index/2^schema)]; `positive` lists the non-empty ones as
 * [index, count] (not cumulative) in ascending index; values at most `zeroThreshold` count in `zeroCount`.
 */
export interface NativeBuckets {
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCount: number;
  readonly positive: readonly (readonly [number, number])[];
}

/**
 * A histogram series: cumulative buckets in ascending `le`, the last one `+Inf` holding `count`, and
 * the sum of the observations. Counts are undecayed, since `startMs`, so Prometheus can sum and rate them.
 */
export interface HistogramSeries extends SeriesBase {
  readonly count: number;
  readonly sum: number;
  readonly buckets: readonly BucketCount[];
  /** Present when the series' layout is a native-histogram schema (timer buckets are; runtime ones are not). */
  readonly native?: NativeBuckets;
}

/** A gauge, distinct-counter or counter series: one current value. */
export interface Point extends SeriesBase {
  readonly value: number;
}

/**
 * A metric family at one instant, discriminated by `kind`. `counter` families are the registry's own
 * (series folded into overflow, failed gauge callbacks): monotonic totals whose descriptor names them
 * without the `_total` suffix that Prometheus writers add. `histogram` families (a timer's buckets with
 * the `timerBuckets` option, runtime metrics) are named by their family name; writers add `_bucket`,
 * `_sum` and `_count`.
 */
export type FamilySnapshot =
  | { readonly kind: 'summary'; readonly descriptor: Descriptor; readonly series: readonly CountSum[] }
  | { readonly kind: 'timer'; readonly descriptor: Descriptor; readonly series: readonly TimerSeries[] }
  | { readonly kind: 'histogram'; readonly descriptor: Descriptor; readonly series: readonly HistogramSeries[] }
  | { readonly kind: 'gauge' | 'distinct' | 'counter'; readonly descriptor: Descriptor; readonly series: readonly Point[] };

/** A family that could not be collected (a computed gauge that threw or timed out), and why. */
export interface CollectFailure {
  readonly metric: string;
  readonly error: unknown;
}

/**
 * One collection: plain readonly data, JSON-safe except that idle timers hold NaN. `resource` holds
 * the labels every series of the registry shares (such as `kubernetes_pod_name`), once.
 */
export interface Collection {
  /** Epoch ms of the registry's clock when the collection was taken. */
  readonly timeMs: number;
  readonly resource: Labels;
  readonly families: readonly FamilySnapshot[];
  /** Families left out of this collection; empty when every family was read. */
  readonly failures: readonly CollectFailure[];
}
