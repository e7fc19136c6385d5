// AM's distinct counter: an estimate of how many different values were recorded per label set. A thin
// facade over DistinctSketch cells.
import { Metric } from './metric.js';
import { DEFAULT_PRECISION, DistinctSketch, type DistinctSketchJson } from './cells/distinct-sketch.js';
import { InvalidValueError } from './errors.js';
import { isWellFormed } from './well-formed.js';
import type { LabelValues } from './labels.js';
import type { FamilySnapshot } from './collection.js';
import type { Pace } from './time-slice.js';

/** A distinct counter's series bound to one label set. */
export interface DistinctCounterChild {
  add(value: string): void;
  /** Unions another process's sketch into this series; see `DistinctCounter.merge`. */
  merge(other: DistinctSketch): void;
}

/**
 * Estimates the number of distinct values (user ids, client addresses) per label set with a sketch,
 * exact while small, then ExaLogLog (see DistinctSketch for accuracy and memory); exposed as a gauge.
 * An estimate is per process: combine processes by merging their sketches (`merge`, or
 * `Registry.merge`), never by adding estimates. `L` is the union of its label names.
 */
export class DistinctCounter<L extends string = string> extends Metric<DistinctSketch, L> {
  /**
   * Records one value; recording it again never counts twice.
   * @throws InvalidLabelError for bad labels; InvalidValueError when `value` is not a string or not
   *   well-formed text (a lone UTF-16 surrogate would hash as U+FFFD, like every other such value).
   */
  add(labels: LabelValues<L>, value: string): void {
    this.checkValue(value);
    this.cellFor(labels).add(value);
  }

  /** The series for `labels`, checked once. */
  labels(labels: LabelValues<L>): DistinctCounterChild {
    const entry = this.table.resolve(labels);
    return {
      add: (value) => {
        this.checkValue(value);
        this.cellOf(entry).add(value);
      },
      merge: (other) => {
        this.checkSketch(other);
        this.cellOf(entry).merge(other);
      },
    };
  }

  /**
   * Unions another process's sketch (e.g. `DistinctSketch.fromJSON`) into the series for `labels`.
   * @throws InvalidLabelError for bad labels; InvalidValueError when `other` is not a sketch of
   *   DEFAULT_PRECISION. Nothing is created or changed then.
   */
  merge(labels: LabelValues<L>, other: DistinctSketch): void {
    this.checkSketch(other);
    this.cellFor(labels).merge(other);
  }

  /** Every series' estimate. */
  collect(): FamilySnapshot {
    return { kind: 'distinct', descriptor: this.descriptor, series: this.readAll((cell, { labels, startMs }) => ({ labels, startMs, value: cell.estimate() })) };
  }

  /** As `collect`, yielding between series as `pace` says (an estimate reads every register). */
  override async collectPaced(pace: Pace): Promise<FamilySnapshot> {
    return {
      kind: 'distinct',
      descriptor: this.descriptor,
      series: await this.readAllPaced((cell, { labels, startMs }) => ({ labels, startMs, value: cell.estimate() }), pace),
    };
  }

  cellFromState(state: unknown): DistinctSketch {
    const sketch = DistinctSketch.fromJSON(state as DistinctSketchJson, { metric: this.descriptor.name });
    this.checkSketch(sketch);
    return sketch;
  }

  protected createCell(): DistinctSketch {
    return new DistinctSketch({ metric: this.descriptor.name });
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
    if (!isWellFormed(value)) {
      throw new InvalidValueError(this.descriptor.name, value, 'is not well-formed text: it holds a lone UTF-16 surrogate, which would count as U+FFFD');
    }
  }
}
