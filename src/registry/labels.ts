// Label sets: checking the labels an observation gives, keying its series, and capping how many
// series one metric may hold. Which storage a series has is left to the metric type.
import type { Descriptor } from './descriptor.js';
import { InvalidLabelError, MetricsError } from './errors.js';

/** Label values by label name; `{}` for a metric without labels. */
export type Labels = Readonly<Record<string, string>>;

/** How many label sets one metric holds before new ones fold into its overflow series. */
export const DEFAULT_MAX_SERIES = 2_000;

/** The value every label of the overflow series carries. */
export const OVERFLOW_LABEL_VALUE = '__overflow__';

/** One series: its full label set (default labels included, frozen) and its storage. */
export interface SeriesEntry<T> {
  readonly labels: Labels;
  readonly storage: T;
  /** True for the series that collects label sets beyond the cap. */
  readonly isOverflow: boolean;
}

/**
 * The series of one metric, keyed by label values, at most `maxSeries` of them plus one overflow series.
 * Observations for a new label set beyond the cap land in the overflow series and are counted as folded,
 * so a cardinality attack costs bounded memory and stays visible.
 */
export class SeriesTable<T> {
  private readonly entries = new Map<string, SeriesEntry<T>>();
  private readonly sortedNames: readonly string[];
  private overflow: SeriesEntry<T> | undefined;
  private foldedObservations = 0;

  constructor(
    private readonly descriptor: Descriptor,
    private readonly maxSeries: number,
    private readonly createStorage: () => T,
  ) {
    this.sortedNames = [...descriptor.labelNames].sort();
  }

  /**
   * The series for `labels`, created on first use.
   * @throws InvalidLabelError when a label is missing, unknown or not a string; nothing is created then.
   */
  resolve(labels: unknown): SeriesEntry<T> {
    const key = this.keyOf(labels);
    const found = this.entries.get(key);
    if (found !== undefined) return found;
    if (this.entries.size >= this.maxSeries) return this.overflowEntry();
    const entry = this.newEntry(labels as Labels, false);
    this.entries.set(key, entry);
    return entry;
  }

  /** Counts one observation that went to the overflow series. */
  countFolded(): void {
    this.foldedObservations += 1;
  }

  /** Observations recorded into the overflow series since the metric was created. */
  get folded(): number {
    return this.foldedObservations;
  }

  /** Every series, overflow series last. */
  *all(): IterableIterator<SeriesEntry<T>> {
    yield* this.entries.values();
    if (this.overflow !== undefined) yield this.overflow;
  }

  get size(): number {
    return this.entries.size + (this.overflow === undefined ? 0 : 1);
  }

  private keyOf(labels: unknown): string {
    const metric = this.descriptor.name;
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
      throw new MetricsError(`${metric}: labels must be an object (use {} for none), got ${String(labels)}`, metric);
    }
    const values = labels as Record<string, unknown>;
    let key = '';
    for (const name of this.sortedNames) {
      const value = values[name];
      if (typeof value !== 'string') throw this.badValue(name, value, name in values);
      // Length-prefixed so that no two label sets share a key, whatever characters the values hold.
      key += value.length + ':' + value;
    }
    let given = 0;
    for (const name in values) given += 1;
    if (given !== this.sortedNames.length) throw this.unknownLabel(values);
    return key;
  }

  private badValue(label: string, value: unknown, isPresent: boolean): InvalidLabelError {
    const metric = this.descriptor.name;
    return isPresent
      ? new InvalidLabelError(metric, label, value, `needs a string value, got ${typeof value} ${String(value)}`)
      : new InvalidLabelError(metric, label, undefined, 'is missing', this.descriptor.labelNames);
  }

  private unknownLabel(values: Record<string, unknown>): InvalidLabelError {
    const unknown = Object.keys(values).find((name) => !this.sortedNames.includes(name)) ?? '';
    return new InvalidLabelError(
      this.descriptor.name,
      unknown,
      values[unknown],
      'is not a label of this metric',
      this.descriptor.labelNames,
    );
  }

  private overflowEntry(): SeriesEntry<T> {
    if (this.overflow === undefined) {
      const labels = Object.fromEntries(this.sortedNames.map((name) => [name, OVERFLOW_LABEL_VALUE]));
      this.overflow = this.newEntry(labels, true);
    }
    return this.overflow;
  }

  private newEntry(labels: Labels, isOverflow: boolean): SeriesEntry<T> {
    const own = Object.fromEntries(this.sortedNames.map((name) => [name, labels[name] as string]));
    const full = Object.freeze({ ...this.descriptor.constLabels, ...own });
    return { labels: full, storage: this.createStorage(), isOverflow };
  }
}
