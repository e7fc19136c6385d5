// Undecayed bucket counts of a timer series in a fixed log-scale layout, for its histogram family
// (the registry's `timerBuckets` option). The other half of the timer's cell beside DecayingQuantiles,
// and like it counts in DDSketch's logarithmic layout (@datadog/sketches-js), here with weight 1.
import { DDSketch } from '@datadog/sketches-js';
import { InvalidValueError } from '../errors.js';
import type { BucketCount, NativeBuckets } from '../collection.js';
import { checkState, eventCount, finiteBetween, MAX_STATE_SUM } from './state-check.js';
import { keysFromTable } from './key-table.js';
import { mergeSketch } from './sketch-merge.js';

/**
 * Buckets per doubling of the duration: bucket k holds (2^((k−1)/4), 2^(k/4)] seconds, the layout of
 * Prometheus native histograms' schema 2, so the same counts also go out as native histograms.
 */
export const BUCKETS_PER_DOUBLING = 4;
/** The native-histogram schema of the layout: 2^NATIVE_SCHEMA buckets per doubling, keys as its indices. */
export const NATIVE_SCHEMA = Math.log2(BUCKETS_PER_DOUBLING);
/** The first finite bucket bound, 2^−14 s ≈ 61 µs; shorter durations (and zeros) count there. */
export const LOWEST_BUCKET_SECONDS = 2 ** -14;
/** The last finite bucket bound, 2^6 s = 64 s; longer durations count only in `+Inf`. */
export const HIGHEST_BUCKET_SECONDS = 2 ** 6;
/**
 * Worst relative error of a quantile Prometheus interpolates from these buckets (`histogram_quantile`)
 * for durations between the lowest and highest bound: estimate and true value share one bucket, whose
 * bounds differ by the factor 2^(1/4). Typical errors on smooth latency distributions are near 1%
 * (bench/timer-buckets.bench.ts).
 */
export const BUCKET_RELATIVE_ERROR = 2 ** (1 / BUCKETS_PER_DOUBLING) - 1;

const MIN_KEY = Math.round(Math.log2(LOWEST_BUCKET_SECONDS) * BUCKETS_PER_DOUBLING);
const MAX_KEY = Math.round(Math.log2(HIGHEST_BUCKET_SECONDS) * BUCKETS_PER_DOUBLING);
const GAMMA = 2 ** (1 / BUCKETS_PER_DOUBLING);
/** The sketch's relative accuracy whose γ is 2^(1/BUCKETS_PER_DOUBLING); its keys are the bucket indices. */
const RELATIVE_ACCURACY = (GAMMA - 1) / (GAMMA + 1);
/** Keys beyond these cannot come from a finite double; a state holding one is refused. */
const KEY_LIMIT = 1_100 * BUCKETS_PER_DOUBLING;

let mapping: DDSketch['mapping'] | undefined;

/**
 * One mapping object for every bucket cell of the process (see DecayingQuantiles' sharedMapping),
 * its keys answered from a KeyTable.
 */
function sharedMapping(fresh: DDSketch['mapping']): DDSketch['mapping'] {
  if (mapping === undefined) {
    keysFromTable(fresh);
    mapping = fresh;
  }
  return mapping;
}

/** A LogBuckets as plain, JSON-safe data: `bins` holds [bucket key, count] for every non-empty bucket. */
export interface LogBucketsState {
  readonly bucketsPerDoubling: number;
  readonly zeroCount: number;
  readonly sum: number;
  readonly bins: readonly (readonly [number, number])[];
}

/** Durations counted per bucket of the fixed layout; the caller has checked each is finite and ≥ 0. */
export class LogBuckets {
  private readonly sketch = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });

  constructor() {
    this.sketch.mapping = sharedMapping(this.sketch.mapping);
  }

  record(seconds: number): void {
    this.sketch.accept(seconds);
  }

  /**
   * Observations, their sum, the cumulative buckets up to `+Inf` (see BUCKET_BOUNDS), and every
   * non-empty bucket as a native histogram of schema NATIVE_SCHEMA counts it, beyond the bounds too.
   */
  read(): { count: number; sum: number; buckets: BucketCount[]; native: NativeBuckets } {
    const perBucket = new Array<number>(BUCKET_BOUNDS.length).fill(0);
    perBucket[0] = this.sketch.zeroCount;
    const { bins, offset } = this.sketch.store;
    const positive: [number, number][] = [];
    let total = this.sketch.zeroCount;
    for (let i = 0; i < bins.length; i += 1) {
      const count = bins[i] ?? 0;
      if (count === 0) continue;
      total += count;
      const key = i + offset;
      positive.push([key, count]);
      const at = Math.max(0, key - MIN_KEY);
      if (key <= MAX_KEY) perBucket[at] = (perBucket[at] ?? 0) + count;
    }
    let running = 0;
    const buckets = BUCKET_BOUNDS.map((le, i) => ({ le, count: (running += perBucket[i] as number) }));
    buckets.push({ le: Number.POSITIVE_INFINITY, count: total });
    const native = { schema: NATIVE_SCHEMA, zeroThreshold: this.sketch.mapping.minPossible, zeroCount: this.sketch.zeroCount, positive };
    return { count: total, sum: this.sketch.sum, buckets, native };
  }

  state(): LogBucketsState {
    const bins: [number, number][] = [];
    const { bins: counts, offset } = this.sketch.store;
    counts.forEach((count, i) => {
      if (count > 0) bins.push([i + offset, count]);
    });
    return { bucketsPerDoubling: BUCKETS_PER_DOUBLING, zeroCount: this.sketch.zeroCount, sum: this.sketch.sum, bins };
  }

  /** Counts and sums add bucket by bucket: the buckets of the union of both streams, exactly. */
  mergeFrom(other: LogBuckets): void {
    mergeSketch(this.sketch, other.sketch);
  }

  /** @throws InvalidValueError naming the first malformed field, or a layout other than this one. */
  static fromState(state: LogBucketsState, metric: string): LogBuckets {
    const s = checkState<LogBucketsState>(state, metric, 'bucket');
    if (s.bucketsPerDoubling !== BUCKETS_PER_DOUBLING) {
      throw new InvalidValueError(metric, s.bucketsPerDoubling, `is not this layout's buckets per doubling (${BUCKETS_PER_DOUBLING})`);
    }
    const zeroCount = eventCount(s.zeroCount, metric, 'zero count');
    const sum = finiteBetween(s.sum, 0, MAX_STATE_SUM, metric, 'bucket sum');
    if (!Array.isArray(s.bins)) throw new InvalidValueError(metric, s.bins, 'is not a list of bucket counts');
    const bins = s.bins.map((bin: unknown) => {
      const [key, count]: readonly unknown[] = Array.isArray(bin) && bin.length === 2 ? (bin as unknown[]) : [Number.NaN, Number.NaN];
      if (!Number.isSafeInteger(key) || Math.abs(key as number) > KEY_LIMIT) throw new InvalidValueError(metric, bin, 'is not a bucket [key, count]');
      return [key as number, eventCount(count, metric, 'bucket count')] as const;
    });
    const cell = new LogBuckets();
    for (const [key, count] of bins) if (count > 0) cell.sketch.store.add(key, count);
    cell.sketch.zeroCount = zeroCount;
    cell.sketch.count = cell.sketch.store.count + zeroCount;
    cell.sketch.sum = sum;
    return cell;
  }
}

/**
 * The finite `le` bounds, ascending: for bucket k the largest double the sketch maps to k, so that
 * every observation equal to a written bound counts in that bucket, as `le` promises (the double
 * nearest 2^(k/4) can fall on either side of the mapping's rounding).
 */
export const BUCKET_BOUNDS: readonly number[] = boundsOf(new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }).mapping);

function boundsOf(mapping: DDSketch['mapping']): readonly number[] {
  return Object.freeze(Array.from({ length: MAX_KEY - MIN_KEY + 1 }, (_, i) => largestOfKey(MIN_KEY + i, mapping)));
}

function largestOfKey(key: number, mapping: DDSketch['mapping']): number {
  let bound = 2 ** (key / BUCKETS_PER_DOUBLING);
  while (mapping.key(bound) > key) bound = nextDouble(bound, -1);
  while (mapping.key(nextDouble(bound, 1)) === key) bound = nextDouble(bound, 1);
  return bound;
}

/** The adjacent positive double above (`direction` 1) or below (−1). */
function nextDouble(value: number, direction: 1 | -1): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  view.setBigUint64(0, view.getBigUint64(0) + BigInt(direction));
  return view.getFloat64(0);
}
