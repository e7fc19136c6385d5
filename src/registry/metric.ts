// What every metric type shares: its descriptor, its series table and the clock it reads.
// How a series stores observations and how it snapshots is each type's own business.
import type { Clock } from './clock.js';
import type { Descriptor } from './descriptor.js';
import { InvalidValueError } from './errors.js';
import { SeriesTable, type SeriesEntry } from './labels.js';
import type { FamilySnapshot } from './exposition/snapshot.js';

/** What a registry hands each metric it creates. */
export interface MetricContext {
  readonly clock: Clock;
  /** Label sets held before new ones fold into the overflow series (see DEFAULT_MAX_SERIES). */
  readonly maxSeries: number;
}

/** Base of the four metric types. */
export abstract class Metric<T> {
  protected readonly table: SeriesTable<T>;

  constructor(
    readonly descriptor: Descriptor,
    protected readonly context: MetricContext,
  ) {
    this.table = new SeriesTable(descriptor, context.maxSeries, () => this.createStorage());
  }

  /** Observations that went to the overflow series because the label-set cap was reached. */
  get folded(): number {
    return this.table.folded;
  }

  /** The family at this instant, as writers and the JSON view read it. */
  abstract collect(): FamilySnapshot | Promise<FamilySnapshot>;

  protected abstract createStorage(): T;

  /** The series for `labels`, counting the observation as folded when it lands in overflow. */
  protected seriesFor(labels: unknown): T {
    return this.storageOf(this.table.resolve(labels));
  }

  protected storageOf(entry: SeriesEntry<T>): T {
    if (entry.isOverflow) this.table.countFolded();
    return entry.storage;
  }

  /** @throws InvalidValueError unless `value` is a finite number >= 0. */
  protected checkNonNegative(value: unknown, what: string): asserts value is number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InvalidValueError(this.descriptor.name, value, `is not a valid ${what} (a finite number >= 0)`);
    }
  }

  /** @throws InvalidValueError unless `value` is a finite number. */
  protected checkFinite(value: unknown, what: string): asserts value is number {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidValueError(this.descriptor.name, value, `is not a valid ${what} (a finite number)`);
    }
  }
}
