// AM's distinct counter: an estimate of how many different values were recorded per label set.
import { Metric } from './metric.js';
import { DistinctSketch } from './storage/hyperloglog.js';
import { InvalidValueError } from './errors.js';
import type { Labels } from './labels.js';
import type { FamilySnapshot } from './exposition/snapshot.js';

/** A distinct counter's series bound to one label set. */
export interface DistinctCounterChild {
  add(value: string): void;
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
    };
  }

  /**
   * Unions another process's sketch into the series for `labels` (same precision only).
   * @throws InvalidLabelError for bad labels; the sketch's own error when precisions differ.
   */
  merge(labels: Labels, other: DistinctSketch): void {
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

  private checkValue(value: unknown): asserts value is string {
    if (typeof value !== 'string') {
      throw new InvalidValueError(this.descriptor.name, value, `is not a string (got ${typeof value})`);
    }
  }
}
