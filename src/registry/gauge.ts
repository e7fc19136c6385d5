// A gauge: a current value per label set, set by the caller or computed at scrape time. A thin facade
// over GaugeValue cells, plus the series other processes contributed under `per-source` combining.
import { Metric, type MetricContext } from './metric.js';
import { GaugeValue, type GaugeCombine, type GaugeValueState } from './cells/gauge-value.js';
import type { Descriptor } from './descriptor.js';
import { InvalidNameError, InvalidValueError } from './errors.js';
import type { LabelValues, Labels } from './labels.js';
import type { FamilySnapshot, Point } from './collection.js';

/** The label that tells the sources of a `per-source` gauge apart after a merge (a cluster worker). */
export const SOURCE_LABEL = 'worker';

/**
 * Computes a gauge at scrape time: set series on the gauge it receives, or, for a gauge without
 * labels, return the value. May be async; the registry bounds how long it may take.
 */
export type GaugeCollect<L extends string = string> = (gauge: Gauge<L>) => number | void | Promise<number | void>;

/** A gauge's series bound to one label set. */
export interface GaugeChild {
  set(value: number): void;
  inc(by?: number): void;
  dec(by?: number): void;
}

/**
 * A value that goes up and down, such as a cache size or operations in flight. A new series reads 0.
 * `L` is the union of its label names, so a misspelt or missing label fails to compile.
 */
export class Gauge<L extends string = string> extends Metric<GaugeValue, L> {
  /** Series merged in from other sources under `per-source` combining, by source and label set. */
  private readonly sourced = new Map<string, Point>();

  constructor(
    descriptor: Descriptor,
    context: MetricContext,
    readonly combine: GaugeCombine = 'sum',
    private readonly compute?: GaugeCollect<L>,
  ) {
    super(descriptor, context);
    const hasSourceLabel = descriptor.labelNames.includes(SOURCE_LABEL) || Object.hasOwn(descriptor.constLabels, SOURCE_LABEL);
    if (combine === 'per-source' && hasSourceLabel) {
      const reason = 'is the label a per-source gauge adds when it merges: the series of one process would overwrite each other';
      throw new InvalidNameError(descriptor.name, SOURCE_LABEL, reason);
    }
  }

  /** Whether this gauge runs a callback at every scrape. */
  get isComputed(): boolean {
    return this.compute !== undefined;
  }

  /**
   * Sets the value for `labels`.
   * @throws InvalidLabelError for bad labels; InvalidValueError when `value` is not finite.
   */
  set(labels: LabelValues<L>, value: number): void {
    this.checkFinite(value, 'gauge value');
    this.cellFor(labels).value = value;
  }

  /**
   * Adds `by` (default 1); throws as `set` does, and when the sum would pass the largest double
   * (±1.8e308), leaving the value as it was.
   */
  inc(labels: LabelValues<L>, by = 1): void {
    this.checkFinite(by, 'increment');
    this.add(this.cellFor(labels), by, by, 'increment');
  }

  /** Subtracts `by` (default 1); throws as `inc` does. */
  dec(labels: LabelValues<L>, by = 1): void {
    this.checkFinite(by, 'decrement');
    this.add(this.cellFor(labels), -by, by, 'decrement');
  }

  /** The series for `labels`, checked once. */
  labels(labels: LabelValues<L>): GaugeChild {
    const entry = this.table.resolve(labels);
    return {
      set: (value) => {
        this.checkFinite(value, 'gauge value');
        this.cellOf(entry).value = value;
      },
      inc: (by = 1) => {
        this.checkFinite(by, 'increment');
        this.add(this.cellOf(entry), by, by, 'increment');
      },
      dec: (by = 1) => {
        this.checkFinite(by, 'decrement');
        this.add(this.cellOf(entry), -by, by, 'decrement');
      },
    };
  }

  /** Runs the scrape-time callback, if any, so that the series hold current values. Rejects when it throws. */
  async refresh(): Promise<void> {
    if (this.compute === undefined) return;
    const returned = await this.compute(this);
    if (typeof returned === 'number') this.set({} as LabelValues<L>, returned);
  }

  /** Runs the scrape-time callback, if any, then reads every series. Rejects when the callback throws. */
  async collect(): Promise<FamilySnapshot> {
    await this.refresh();
    const series: Point[] = [...this.readAll((cell, { labels, startMs }) => ({ labels, startMs, value: cell.read().value })), ...this.sourced.values()];
    return { kind: 'gauge', descriptor: this.descriptor, series };
  }

  cellFromState(state: unknown): GaugeValue {
    return GaugeValue.fromState(state as GaugeValueState, this.combine, this.descriptor.name);
  }

  /**
   * As Metric.absorb; a `per-source` gauge keeps the value as a series of its own with `worker` set
   * to `source`, replacing what that source sent before.
   */
  override absorb(labels: Labels, startMs: number, cell: GaugeValue, source?: string): void {
    if (this.combine !== 'per-source' || source === undefined) return super.absorb(labels, startMs, cell);
    const withSource = Object.freeze({ ...labels, [SOURCE_LABEL]: source });
    this.sourced.set(JSON.stringify(Object.entries(withSource).sort()), { labels: withSource, startMs, value: cell.value });
  }

  /**
   * Refuses, before anything is absorbed, series of `other` (a gauge of a state being merged) whose
   * sum with this gauge's value for the same labels would not be finite: the merge would leave
   * ±Infinity here, and every later merge of this registry's state would be refused.
   * @throws InvalidValueError naming the value merged and its labels.
   */
  checkAbsorb(other: Gauge): void {
    if (this.combine !== 'sum') return; // max and min pick a finite value; per-source keeps each apart
    const own = new Map<string, number>();
    for (const entry of this.entries()) own.set(labelKey(entry.labels, this.descriptor.labelNames), entry.cell.value);
    for (const entry of other.entries()) {
      const key = labelKey(entry.labels, this.descriptor.labelNames);
      const sum = (own.get(key) ?? 0) + entry.cell.value;
      if (!Number.isFinite(sum)) {
        throw new InvalidValueError(this.descriptor.name, entry.cell.value, `would make the merged sum of {${key}} overflow to ${sum}`);
      }
      own.set(key, sum);
    }
  }

  override reset(): void {
    super.reset();
    this.sourced.clear();
  }

  /**
   * Adds `delta` to `cell`, refusing a sum that is not finite: `set` refuses ±Infinity, and a state
   * holding it is refused by `merge`, with every other metric of its process.
   * @throws InvalidValueError naming `given` (the caller's increment or decrement).
   */
  private add(cell: GaugeValue, delta: number, given: number, what: string): void {
    const sum = cell.value + delta;
    if (!Number.isFinite(sum)) {
      throw new InvalidValueError(this.descriptor.name, given, `is not a valid ${what}: the gauge holds ${cell.value} and would read ${sum}`);
    }
    cell.value = sum;
  }

  protected createCell(): GaugeValue {
    return new GaugeValue(this.combine);
  }
}

/** The label values of `names` as they read in an error message: `pool="a",zone="b"`. */
function labelKey(labels: Labels, names: readonly string[]): string {
  return names.map((name) => `${name}=${JSON.stringify(labels[name] ?? '')}`).join(',');
}
