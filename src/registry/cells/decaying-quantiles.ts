// The timer's recent-weighted distribution: a DDSketch fed with forward-decayed weights, plus min and
// max per minute. The timer owns the clock, the count and the sum. This is the only file that imports
// the quantile library (@datadog/sketches-js); notes/timer-storage.md says why that one.
import { DDSketch } from '@datadog/sketches-js';
import { InvalidValueError } from '../errors.js';
import { checkState, finiteAtLeast, finiteBetween, MAX_RECORDED } from './state-check.js';
import { keysFromTable, valuesFromMemo, type KeyTable } from './key-table.js';
import { mergeSketch } from './sketch-merge.js';

/** The quantiles a timer reports, in the order `DecayingQuantiles.quantiles` returns them. */
export const QUANTILES = [0.5, 0.75, 0.95, 0.98, 0.99, 0.999] as const;

/**
 * Decay per second of age: an observation made `a` seconds ago weighs e^(−DECAY_PER_SECOND·a).
 * AM's own alpha (Dropwizard's ExponentiallyDecayingReservoir default), which biases the
 * distribution to roughly the last five minutes.
 */
export const DECAY_PER_SECOND = 0.015;

/** Seconds without any observation after which quantiles, min, max and mean report NaN. */
export const WINDOW_SECONDS = 300;

/**
 * Relative accuracy of the sketch unless the constructor is told otherwise: a hair under the 1% a
 * timer promises, as headroom for floating-point rounding at bucket edges.
 */
export const DEFAULT_RELATIVE_ACCURACY = 0.0099;

/** Minimum, maximum, mean and standard deviation of a timer's recent observations, in their unit. */
export interface WindowStats {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stddev: number;
}

/**
 * A DecayingQuantiles as plain, JSON-safe data. Weights are relative to `landmarkMs` (see the class);
 * `bins` holds [sketch key, weight] for every non-empty bucket, `extremes` [minute, min, max] per slot.
 * Empty distributions have `latestMs: null`.
 */
export interface DecayingQuantilesState {
  readonly relativeAccuracy: number;
  readonly landmarkMs: number | null;
  readonly latestMs: number | null;
  readonly zeroWeight: number;
  readonly totalWeight: number;
  readonly weightedSum: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly bins: readonly (readonly [number, number])[];
  readonly extremes: readonly (readonly [number, number, number])[];
}

const MS_PER_SECOND = 1_000;
const DECAY_PER_MS = DECAY_PER_SECOND / MS_PER_SECOND;
const WINDOW_MS = WINDOW_SECONDS * MS_PER_SECOND;
/**
 * Largest weight exponent before the landmark moves: weights stay below e^100 ≈ 2.7e43, far from
 * overflow (e^709) even multiplied by trillions of observations or by large values in the sum. It
 * is reached after 100 / DECAY_PER_SECOND ≈ 1.85 h of uptime (Dropwizard rescales hourly).
 */
const MAX_WEIGHT_EXPONENT = 100;
/**
 * The largest total weight a state holds: e^MAX_WEIGHT_EXPONENT for each of the most observations a
 * count holds exactly (Number.MAX_SAFE_INTEGER), about 2.4e59; its weighted sum, at MAX_RECORDED
 * each, about 2.4e159. No process reaches them, and below them merged weights, weighted sums and the
 * standard deviation's weighted squares (MAX_RECORDED² each) stay finite; a state of 1e308, merged
 * twice, made them Infinity.
 */
const MAX_STATE_WEIGHT = Number.MAX_SAFE_INTEGER * Math.exp(MAX_WEIGHT_EXPONENT);
const MAX_STATE_WEIGHTED_SUM = MAX_STATE_WEIGHT * MAX_RECORDED;
/**
 * Slack of the rank comparison, relative to the total weight: observations of equal weight (the
 * same millisecond) must tie the same way whatever order floating-point sums were taken in.
 */
const RANK_TIE_SLACK = 1e-9;
const SLOT_MS = 60_000;
/** Minute slots overlapping any WINDOW_SECONDS-long window: the current one and five before it. */
const SLOT_COUNT = WINDOW_MS / SLOT_MS + 1;

/**
 * Exponentially decayed latency distribution of one timer series: quantiles within the relative
 * accuracy (DEFAULT_RELATIVE_ACCURACY) of the exact decayed quantile of every observation ever made,
 * at any traffic rate. Callers pass the time (epoch ms, from the timer's Clock); nothing here reads
 * a clock. Once no observation arrived for WINDOW_SECONDS, every read reports NaN.
 *
 * The exact decayed quantile for q is the smallest observed value x whose decayed weight
 * C(x) = Σ{e^(−DECAY_PER_SECOND·age) : value ≤ x} reaches q·W, W being the weight of all
 * observations (the weighted inverse distribution function, Hyndman & Fan type 1). "Reaches" means
 * C(x) > (q − RANK_TIE_SLACK)·W, so exact ties resolve downwards: with n observations made in the
 * same millisecond, quantile q is the ⌈q·n⌉-th smallest (1 value: that value; 2 values: p50 is
 * the smaller, p75…p999 the larger; 10 values: p50 the 5th, p95…p999 the 10th). The library's own
 * `getValueAtQuantile` (rank q·(count − 1)) is not used: its "− 1" is an absolute weight, so under
 * forward decay its answer would depend on where the landmark happens to sit.
 *
 * Why forward decay (Cormode et al., "Forward Decay: A Practical Time Decay Model for Streaming
 * Systems", ICDE 2009; also what AM's Dropwizard reservoir does): an observation at t gets the fixed
 * weight e^(DECAY_PER_SECOND·(t − landmark)). Its decayed weight at any later time is that times one
 * factor common to all observations, and quantiles and means are ratios, so reads never rescale.
 * Writes rescale only when the newest weight would pass e^MAX_WEIGHT_EXPONENT: the landmark moves
 * to now and the stored weights are multiplied by the matching factor, one rounding each.
 */
export class DecayingQuantiles {
  private readonly sketch: DDSketch;
  /** The bucket keys of the sketch's mapping, read from a table (see `observe`). */
  private readonly keys: KeyTable;
  private readonly relativeAccuracy: number;
  private readonly extremes = new MinuteExtremes();
  /** Where weights are e^0. Starting at −∞ makes the first observation move it to its own time. */
  private landmarkMs = Number.NEGATIVE_INFINITY;
  private latestMs = Number.NEGATIVE_INFINITY;
  /** The weight of an observation at `weightMs`, cached: busy series see many per millisecond. */
  private weight = 1;
  private weightMs = Number.NaN;
  /**
   * The quantiles, mean and standard deviation last computed (with the window's extremes, see
   * Reads), until the next observation, merge or landmark move. Why they stay valid: they are
   * computed from the stored weights alone, never from the time of the read (under forward decay
   * every weight shrinks by one common factor as time passes, and these are ratios, so reads never
   * rescale; see the class note), and only those three change the weights. A series idle between
   * scrapes is so read without walking its buckets again.
   */
  private cachedReads: Reads | undefined;

  /**
   * An empty distribution: every read reports NaN until the first observation.
   * @param options.relativeAccuracy Relative error bound of each quantile, in (0, 1); defaults to
   *   DEFAULT_RELATIVE_ACCURACY. Memory grows as its inverse: about 116 buckets per decade of values
   *   at the default.
   * @throws RangeError when `relativeAccuracy` is not strictly between 0 and 1.
   */
  constructor(options: { relativeAccuracy?: number } = {}) {
    const relativeAccuracy = options.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY;
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
      throw new RangeError(`relativeAccuracy must be between 0 and 1, got ${relativeAccuracy}`);
    }
    this.relativeAccuracy = relativeAccuracy;
    this.sketch = new DDSketch({ relativeAccuracy });
    // Every sketch of one accuracy maps values to buckets alike: sharing the (public) mapping keeps one
    // object per process instead of one per series, hot in cache across series.
    const shared = sharedMapping(this.sketch.mapping, relativeAccuracy);
    this.sketch.mapping = shared.mapping;
    this.keys = shared.keys;
  }

  /**
   * Records one observation made at `nowMs` (epoch ms). The caller has checked that `value` is finite
   * and ≥ 0; zeros are kept exactly (so are values below ~1e−307, which count as 0). Time never runs
   * backwards here: an observation stamped before the latest one counts as made at the latest one,
   * so a wall clock stepping back cannot age it.
   */
  observe(value: number, nowMs: number): void {
    const timeMs = nowMs > this.latestMs ? nowMs : this.latestMs;
    if (timeMs !== this.weightMs) this.updateWeight(timeMs);
    // What the sketch's own `accept(value, weight)` and its store's `add(key, weight)` do for a value
    // ≥ 0 and a weight > 0, field for field and in their order, so sketches stay identical; only a key
    // outside the store's bins (the first observations of a series) goes to `add`, which grows them.
    // Why not call them: `accept` also checks the weight and handles negative values, and with
    // `mapping.key`, `add` and `_getIndex` behind it, it was 430 of the 920 bytecode bytes V8 inlines
    // into one caller; past that budget calls of `timer.observe` stay calls, several ns each
    // (notes/perf-round-two.md, "Inlining budget").
    const sketch = this.sketch;
    const weight = this.weight;
    if (value > sketch.mapping.minPossible) {
      const key = this.keys.key(value);
      const store = sketch.store;
      if (key >= store.minKey && key <= store.maxKey) {
        const at = key - store.offset;
        store.bins[at] = (store.bins[at] as number) + weight;
        store.count += weight;
      } else store.add(key, weight);
    } else sketch.zeroCount += weight;
    sketch.count += weight;
    sketch.sum += value * weight;
    if (value < sketch.min) sketch.min = value;
    if (value > sketch.max) sketch.max = value;
    this.extremes.record(value, timeMs);
    this.latestMs = timeMs;
    this.cachedReads = undefined;
  }

  /**
   * The decayed quantiles at `nowMs`, one per QUANTILES entry in that order; all NaN when stale. The
   * same array is returned until the next observation or merge, so callers must not change it.
   */
  quantiles(nowMs: number): readonly number[] {
    if (this.isStale(nowMs)) return STALE_QUANTILES;
    return this.reads().quantiles;
  }

  /** What reads take from the stored weights, computed once until the distribution changes. */
  private reads(): Reads {
    if (this.cachedReads !== undefined) return this.cachedReads;
    const mean = this.sketch.sum / this.sketch.count;
    return (this.cachedReads = { quantiles: this.walkQuantiles(), mean, stddev: this.stddev(mean), oldestMinute: Number.NaN, min: Number.NaN, max: Number.NaN });
  }

  /** `reads()` with the extremes of the minutes overlapping the window at `nowMs`, kept per oldest minute. */
  private extremesAt(nowMs: number): Reads {
    const reads = this.reads();
    const oldestMinute = Math.floor(nowMs / SLOT_MS) - (SLOT_COUNT - 1);
    if (reads.oldestMinute !== oldestMinute) {
      this.extremes.readInto(reads, oldestMinute);
      reads.oldestMinute = oldestMinute;
    }
    return reads;
  }

  private walkQuantiles(): number[] {
    const { count, zeroCount, store, mapping, min, max } = this.sketch;
    const { bins, offset } = store;
    const length = bins.length;
    const values: number[] = [];
    // Why one walk: each quantile on its own walks the buckets from the start (the store's keyAtRank);
    // QUANTILES is ascending, so one walk finds every key, six times fewer steps on a read. The walk
    // stops at the first bucket whose running weight exceeds the rank, the largest key if none does.
    // It starts at the smallest key in use (the store keeps spare zero buckets on both sides), and
    // reads buckets as numbers: the store fills every one it allocates with 0, so there are no holes.
    let running = 0;
    let i = Math.min(length, Math.max(0, store.minKey - offset));
    for (let k = 0; k < QUANTILES.length; k += 1) {
      const rank = Math.max(0, ((QUANTILES[k] as number) - RANK_TIE_SLACK) * count) - zeroCount;
      while (i < length && !(running > rank)) running += bins[i++] as number;
      const key = running > rank ? i - 1 + offset : store.maxKey;
      values.push(rank < 0 ? 0 : Math.min(Math.max(mapping.value(key), min), max));
    }
    return values;
  }

  /**
   * The decayed quantile `q` (0 ≤ q ≤ 1) at `nowMs`, as defined on the class, within the relative
   * accuracy and never outside the smallest and largest value observed. NaN when no observation
   * arrived within WINDOW_SECONDS before `nowMs`, or when `q` is outside [0, 1].
   */
  quantile(q: number, nowMs: number): number {
    if (this.isStale(nowMs) || !(q >= 0 && q <= 1)) return Number.NaN;
    // Public fields of the sketch: the total weight (`count`), the weight of zeros and the store.
    const { count, zeroCount, store, mapping, min, max } = this.sketch;
    const rank = Math.max(0, (q - RANK_TIE_SLACK) * count);
    if (rank < zeroCount) return 0;
    // keyAtRank finds the first bucket whose running weight exceeds `rank`.
    const estimate = mapping.value(store.keyAtRank(rank - zeroCount));
    return Math.min(Math.max(estimate, min), max);
  }

  /**
   * `min` and `max` of the observations of the whole minutes (epoch-aligned) that overlap the last
   * WINDOW_SECONDS, so they may include observations up to a minute older than that; `mean` is the
   * decayed mean Σw·x / Σw with the quantiles' weights, `stddev` the decayed standard deviation
   * √(Σw·(x − mean)² / Σw) (see `stddev`). All NaN when no observation arrived within
   * WINDOW_SECONDS before `nowMs`.
   */
  window(nowMs: number): WindowStats {
    return { min: this.windowMin(nowMs), max: this.windowMax(nowMs), mean: this.windowMean(nowMs), stddev: this.windowStddev(nowMs) };
  }

  /**
   * The fields of `window`, one each, for readers that build their own literal: a collection reads
   * every series, and the window object was one of six allocations per timer series.
   */
  windowMin(nowMs: number): number {
    return this.isStale(nowMs) ? Number.NaN : this.extremesAt(nowMs).min;
  }

  windowMax(nowMs: number): number {
    return this.isStale(nowMs) ? Number.NaN : this.extremesAt(nowMs).max;
  }

  windowMean(nowMs: number): number {
    return this.isStale(nowMs) ? Number.NaN : this.reads().mean;
  }

  windowStddev(nowMs: number): number {
    return this.isStale(nowMs) ? Number.NaN : this.reads().stddev;
  }

  /**
   * The weighted (population) standard deviation about the exact decayed `mean`, as AM's Dropwizard
   * `WeightedSnapshot.getStdDev` computes it from its reservoir, here from the sketch's buckets: each
   * bucket counts as its representative value (clamped to the smallest and largest value seen) with
   * its weight. Every value so moves by at most the relative accuracy α, so the result is within
   * α·√(Σw·x² / Σw) of the exact one (Minkowski's inequality); equal values give exactly 0.
   * Deviations from the exact mean (not Σw·x² / Σw − mean²) avoid cancellation. Bucket values
   * form a geometric series of ratio γ (logarithmic mapping), so one is looked up and the rest are
   * products: a 1e−13 relative drift over a thousand buckets instead of a power per bucket. Why not
   * in the loop of `walkQuantiles`: one loop doing both measured half as fast as the two.
   */
  private stddev(mean: number): number {
    const { count, zeroCount, store, mapping, min, max } = this.sketch;
    const { bins, offset } = store;
    const ratio = mapping.gamma;
    // Only the buckets in use (the store keeps spare ones on both sides), every one of them: an empty
    // bucket adds exactly 0, and a test per bucket, taken at random, cost more than the sum it skipped.
    const last = Math.min(bins.length - 1, store.maxKey - offset);
    let i = Math.max(0, store.minKey - offset);
    let bucketValue = mapping.value(i + offset);
    let squares = zeroCount * mean * mean;
    for (; i <= last; i += 1) {
      const deviation = Math.min(Math.max(bucketValue, min), max) - mean;
      squares += (bins[i] as number) * deviation * deviation;
      bucketValue *= ratio;
    }
    return Math.sqrt(squares / count);
  }

  /** The latest time the weights refer to (epoch ms): the landmark or the last observation; -Infinity when empty. */
  latestTimeMs(): number {
    return Math.max(this.landmarkMs, this.latestMs);
  }

  /** The distribution as plain data for `fromState` or `merge` in another process. */
  state(): DecayingQuantilesState {
    const { store, zeroCount, count, sum, min, max } = this.sketch;
    const bins: [number, number][] = [];
    for (let i = 0; i < store.bins.length; i += 1) {
      const weight = store.bins[i] ?? 0;
      if (weight > 0) bins.push([i + store.offset, weight]);
    }
    const isEmpty = this.latestMs === Number.NEGATIVE_INFINITY;
    return {
      relativeAccuracy: this.relativeAccuracy,
      landmarkMs: isEmpty ? null : this.landmarkMs,
      latestMs: isEmpty ? null : this.latestMs,
      zeroWeight: zeroCount,
      totalWeight: count,
      weightedSum: sum,
      min: isEmpty ? null : min,
      max: isEmpty ? null : max,
      bins,
      extremes: this.extremes.state(),
    };
  }

  /**
   * Adds the observations of another distribution (`state()` of another process): quantiles then
   * describe the union of both streams, as if one distribution had seen everything.
   * Why the landmark moves first: stored weights are relative to each side's landmark (forward
   * decay), so both are rescaled to the later landmark, after which weights of equal age are equal
   * and the buckets add (Cormode et al. 2009, section 4: forward-decayed summaries merge).
   * @throws InvalidValueError when the state is malformed or of another relative accuracy; this
   *   distribution is unchanged then.
   */
  merge(state: DecayingQuantilesState, metric = 'timer'): void {
    this.mergeFrom(DecayingQuantiles.fromState(state, metric), metric);
  }

  /** As `merge`, from another instance; `other` may be rescaled but describes the same observations. */
  mergeFrom(other: DecayingQuantiles, metric = 'timer'): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new InvalidValueError(metric, other.relativeAccuracy, `is not this timer's relative accuracy ${this.relativeAccuracy}`);
    }
    if (other.latestMs === Number.NEGATIVE_INFINITY) return;
    const landmarkMs = Math.max(this.landmarkMs, other.landmarkMs);
    if (this.landmarkMs < landmarkMs) this.moveLandmark(landmarkMs);
    if (other.landmarkMs < landmarkMs) other.moveLandmark(landmarkMs);
    mergeSketch(this.sketch, other.sketch);
    this.extremes.mergeFrom(other.extremes);
    this.latestMs = Math.max(this.latestMs, other.latestMs);
    this.weightMs = Number.NaN;
    this.cachedReads = undefined;
  }

  /**
   * Rebuilds a distribution from `state()` output.
   * @throws InvalidValueError naming the first malformed field, among them weights or sums no process
   *   reaches (MAX_STATE_WEIGHT), values above MAX_RECORDED and a seen distribution that weighs nothing.
   */
  static fromState(state: DecayingQuantilesState, metric = 'timer'): DecayingQuantiles {
    const s = checkState<DecayingQuantilesState>(state, metric, 'timer sketch');
    const relativeAccuracy = finiteAtLeast(s.relativeAccuracy, 0, metric, 'relativeAccuracy');
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
      throw new InvalidValueError(metric, relativeAccuracy, 'is not a valid relativeAccuracy in a merged state (strictly between 0 and 1)');
    }
    const result = new DecayingQuantiles({ relativeAccuracy });
    if (s.latestMs === null) return result;
    const { sketch } = result;
    result.landmarkMs = finiteAtLeast(s.landmarkMs, -Infinity, metric, 'landmarkMs');
    result.latestMs = finiteAtLeast(s.latestMs, result.landmarkMs, metric, 'latestMs');
    sketch.zeroCount = finiteBetween(s.zeroWeight, 0, MAX_STATE_WEIGHT, metric, 'zeroWeight');
    // The observation that set the landmark weighs 1, so a distribution that saw any weighs more than 0;
    // one that weighs nothing has min +Infinity once merged, and its quantiles read -Infinity.
    sketch.count = finiteBetween(s.totalWeight, Number.MIN_VALUE, MAX_STATE_WEIGHT, metric, 'totalWeight');
    sketch.sum = finiteBetween(s.weightedSum, 0, MAX_STATE_WEIGHTED_SUM, metric, 'weightedSum');
    sketch.min = finiteBetween(s.min, 0, MAX_RECORDED, metric, 'min');
    sketch.max = finiteBetween(s.max, sketch.min, MAX_RECORDED, metric, 'max');
    restoreBins(sketch.store, listOf(s.bins, metric, 'bins'), maxKeySpan(relativeAccuracy), metric);
    for (const slot of listOf(s.extremes, metric, 'extremes')) {
      const [minute, min, max] = pairOf(slot, 3, metric, 'extremes');
      const checkedMinute = finiteAtLeast(minute, -Infinity, metric, 'minute');
      result.extremes.restore(checkedMinute, finiteBetween(min, 0, MAX_RECORDED, metric, 'min'), finiteBetween(max, 0, MAX_RECORDED, metric, 'max'));
    }
    return result;
  }

  private isStale(nowMs: number): boolean {
    return !(nowMs - this.latestMs < WINDOW_MS);
  }

  private updateWeight(timeMs: number): void {
    let exponent = DECAY_PER_MS * (timeMs - this.landmarkMs);
    if (exponent > MAX_WEIGHT_EXPONENT) {
      this.moveLandmark(timeMs);
      exponent = 0;
    }
    this.weight = Math.exp(exponent);
    this.weightMs = timeMs;
  }

  /**
   * Moves the landmark to `timeMs`, scaling every stored weight by e^(−DECAY_PER_MS·shift) in place
   * through the sketch's public fields. A bucket can underflow to 0 only when its true weight is below
   * e^MAX_WEIGHT_EXPONENT·2^−1074 ≈ 1e−280 per observation, relative to the newest observation's.
   */
  private moveLandmark(timeMs: number): void {
    const factor = Math.exp(-DECAY_PER_MS * (timeMs - this.landmarkMs));
    const sketch = this.sketch;
    const bins = sketch.store.bins;
    for (let i = 0; i < bins.length; i += 1) bins[i] = (bins[i] ?? 0) * factor;
    sketch.store.count *= factor;
    sketch.zeroCount *= factor;
    sketch.count *= factor;
    sketch.sum *= factor;
    this.landmarkMs = timeMs;
    this.cachedReads = undefined;
  }
}

/**
 * What reads take from the stored weights (see `cachedReads`), and the extremes of the minutes from
 * `oldestMinute` on, which only change when the window moves into another minute.
 */
interface Reads {
  readonly quantiles: readonly number[];
  readonly mean: number;
  readonly stddev: number;
  oldestMinute: number;
  min: number;
  max: number;
}

const STALE_QUANTILES: readonly number[] = Object.freeze(QUANTILES.map(() => Number.NaN));

/**
 * Fills an empty store with `bins` ([key, weight] pairs, checked here) in one allocation. Why not
 * `store.add` per bin: the store re-centres and re-allocates its array each time a key falls outside
 * it, which made rebuilding thousands of series per cluster scrape mostly garbage collection.
 */
function restoreBins(store: DDSketch['store'], bins: readonly unknown[], maxSpan: number, metric: string): void {
  let minKey = Infinity;
  let maxKey = -Infinity;
  for (const bin of bins) {
    const [key, weight] = pairOf(bin, 2, metric, 'bins') as [number, number];
    if (!Number.isSafeInteger(key)) throw new InvalidValueError(metric, key, 'is not a sketch key (an integer)');
    finiteBetween(weight, 0, MAX_STATE_WEIGHT, metric, 'bin weight');
    if (key < minKey) minKey = key;
    if (key > maxKey) maxKey = key;
  }
  if (bins.length === 0) return;
  if (maxKey - minKey > maxSpan) throw new InvalidValueError(metric, maxKey - minKey, `is not a span of sketch keys any two numbers can have (at most ${maxSpan})`);
  const dense = new Array<number>(maxKey - minKey + 1).fill(0);
  let count = 0;
  for (const [key, weight] of bins as [number, number][]) {
    dense[key - minKey] = (dense[key - minKey] as number) + weight;
    count += weight;
  }
  Object.assign(store, { bins: dense, offset: minKey, minKey, maxKey, count: store.count + count });
}

/**
 * The widest key span a sketch of `relativeAccuracy` can hold: keys are ⌈log_γ(x)⌉ with
 * γ = (1 + α) / (1 − α), and positive doubles span a ratio of Number.MAX_VALUE / Number.MIN_VALUE
 * (about 73,500 keys at the default accuracy). A state beyond it is malformed, and refusing it keeps
 * a bad state from allocating gigabytes of bins.
 */
function maxKeySpan(relativeAccuracy: number): number {
  const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
  return Math.ceil((Math.log(Number.MAX_VALUE) - Math.log(Number.MIN_VALUE)) / Math.log(gamma)) + 2;
}

interface SharedMapping {
  readonly mapping: DDSketch['mapping'];
  readonly keys: KeyTable;
}

const mappings = new Map<number, SharedMapping>();

/**
 * The first mapping made for `relativeAccuracy`, shared by every later sketch of that accuracy, with
 * the KeyTable its `key` (a logarithm per observation) is now answered from, and its `value` (a power
 * per bucket read) from a memo: the same keys and values.
 */
function sharedMapping(fresh: DDSketch['mapping'], relativeAccuracy: number): SharedMapping {
  let shared = mappings.get(relativeAccuracy);
  if (shared === undefined) {
    shared = { mapping: fresh, keys: keysFromTable(fresh) };
    valuesFromMemo(fresh);
    mappings.set(relativeAccuracy, shared);
  }
  return shared;
}

function listOf(value: unknown, metric: string, field: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new InvalidValueError(metric, value, `is not a list of ${field}`);
  return value;
}

function pairOf(value: unknown, length: number, metric: string, field: string): readonly unknown[] {
  if (!Array.isArray(value) || value.length !== length) {
    throw new InvalidValueError(metric, value, `is not an entry of ${field} (${length} numbers)`);
  }
  return value;
}

/**
 * Smallest and largest value per epoch-aligned minute, for the minutes overlapping the window. One
 * array holds [minute, min, max] per slot, so recording touches one cache line, not three arrays.
 */
class MinuteExtremes {
  private readonly slots = new Float64Array(3 * SLOT_COUNT).fill(Number.NaN);
  /**
   * The minute last recorded into, as epoch ms where it starts, and its slot. Why: the division and
   * the floating-point remainder that find a minute's slot cost about as much as the comparisons, and
   * consecutive observations almost always fall in the same minute.
   */
  private minuteStartMs = Number.NaN;
  private minuteEndMs = Number.NaN;
  private at = 0;

  record(value: number, timeMs: number): void {
    if (!(timeMs >= this.minuteStartMs && timeMs < this.minuteEndMs)) this.moveTo(timeMs);
    const at = this.at;
    const slots = this.slots;
    if (value < (slots[at + 1] as number)) slots[at + 1] = value;
    if (value > (slots[at + 2] as number)) slots[at + 2] = value;
  }

  /** Makes the slot of `timeMs`'s minute current, emptying it when it held an older minute. */
  private moveTo(timeMs: number): void {
    const minute = Math.floor(timeMs / SLOT_MS);
    const at = 3 * (((minute % SLOT_COUNT) + SLOT_COUNT) % SLOT_COUNT);
    if (this.slots[at] !== minute) {
      this.slots[at] = minute;
      this.slots[at + 1] = Number.POSITIVE_INFINITY;
      this.slots[at + 2] = Number.NEGATIVE_INFINITY;
    }
    this.minuteStartMs = minute * SLOT_MS;
    this.minuteEndMs = this.minuteStartMs + SLOT_MS;
    this.at = at;
  }

  /** Slots holding data, as [minute, min, max]. */
  state(): [number, number, number][] {
    const slots: [number, number, number][] = [];
    for (let at = 0; at < this.slots.length; at += 3) {
      const minute = this.slots[at] as number;
      if (!Number.isNaN(minute)) slots.push([minute, this.slots[at + 1] as number, this.slots[at + 2] as number]);
    }
    return slots;
  }

  /** Records a slot read back from `state()`, as two observations at that minute. */
  restore(minute: number, min: number, max: number): void {
    this.record(min, minute * SLOT_MS);
    this.record(max, minute * SLOT_MS);
  }

  /** Takes in every slot of `other`: the same minute combines, a newer minute replaces an older one. */
  mergeFrom(other: MinuteExtremes): void {
    for (const [minute, min, max] of other.state()) {
      const at = 3 * (((minute % SLOT_COUNT) + SLOT_COUNT) % SLOT_COUNT);
      const mine = this.slots[at] as number;
      if (!Number.isNaN(mine) && mine > minute) continue;
      this.restore(minute, min, max);
    }
  }

  /**
   * Writes the smallest and largest value over the slots of `oldestMinute` and later into `into`;
   * +Infinity and −Infinity when none has data.
   */
  readInto(into: { min: number; max: number }, oldestMinute: number): void {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let at = 0; at < this.slots.length; at += 3) {
      if ((this.slots[at] as number) >= oldestMinute) {
        min = Math.min(min, this.slots[at + 1] as number);
        max = Math.max(max, this.slots[at + 2] as number);
      }
    }
    into.min = min;
    into.max = max;
  }
}
