// AM's distinct counter: an estimate of how many different values were recorded per label set.
import { Metric } from './metric.js';
import { DEFAULT_PRECISION, DistinctSketch } from './storage/hyperloglog.js';
import { InvalidValueError } from './errors.js';
import type { Labels } from './labels.js';
import type { FamilySnapshot } from './exposition/snapshot.js';

/** A distinct counter's series bound to one label set. */
export interface DistinctCounterChild {
  add(value: string): void;
  /** Unions another process's sketch into this series; see `DistinctCounter.merge`. */
  merge(other: DistinctSketch): void;
}

/**
 * Estimates the number of distinct values (user ids, client addresses) per label set with a
 * HyperLogLog sketch (see DistinctSketch for accuracy and memory); exposed as a gauge. An estimate is
 * per process: sum it across pods only after merging sketches with `merge`.
 */
export class DistinctCounter extends Metric<DistinctSketch> {
  /**
   * Records one value; recording it again never counts twice.
   * @throws InvalidLabelError for bad labels; InvalidValueError when `value` is not a string.
   */
  add(labels: Labels, value: string): void {
    this.checkValue(value);
    this.seriesFor(labels).add(value);
  }

  /** The series for `labels`, checked once. */
  labels(labels: Labels): DistinctCounterChild {
    const entry = this.table.resolve(labels);
    return {
      add: (value) => {
        this.checkValue(value);
        this.storageOf(entry).add(value);
      },
      merge: (other) => {
        this.checkSketch(other);
        this.storageOf(entry).merge(other);
      },
    };
  }

  /**
   * Unions another process's sketch (e.g. `DistinctSketch.fromJSON`) into the series for `labels`.
   * @throws InvalidLabelError for bad labels; InvalidValueError when `other` is not a sketch of
   *   DEFAULT_PRECISION. Nothing is created or changed then.
   */
  merge(labels: Labels, other: DistinctSketch): void {
    this.checkSketch(other);
    this.seriesFor(labels).merge(other);
  }

  collect(): FamilySnapshot {
    const series = [];
    for (const { labels, storage } of this.table.all()) series.push({ labels, value: storage.estimate() });
    return { kind: 'distinct', descriptor: this.descriptor, series };
  }

  protected createStorage(): DistinctSketch {
    return new DistinctSketch();
  }

  private checkSketch(other: unknown): asserts other is DistinctSketch {
    if (!(other instanceof DistinctSketch) || other.precision !== DEFAULT_PRECISION) {
      const precision = other instanceof DistinctSketch ? other.precision : typeof other;
      throw new InvalidValueError(this.descriptor.name, precision, `is not a sketch of precision ${DEFAULT_PRECISION} to merge`);
    }
  }

  private checkValue(value: unknown): asserts value is string {
    if (typeof value !== 'string') {
      throw new InvalidValueError(this.descriptor.name, value, `is not a string (got ${typeof value})`);
    }
  }
}
