// Label sets: checking the labels an observation gives, keying its series, and capping how many
// series one metric may hold. Which storage a series has is left to the metric type.
import type { Descriptor } from './descriptor.js';
import { InvalidLabelError, MetricsError } from './errors.js';
import { isWellFormed } from './well-formed.js';

/** Label values by label name; `{}` for a metric without labels. */
export type Labels = Readonly<Record<string, string>>;

/**
 * The label values a metric with label names `L` takes: each of them, and no other. A metric without
 * label names (`L` is `never`) takes `{}` only.
 */
export type LabelValues<L extends string> = [L] extends [never] ? Readonly<Record<string, never>> : Readonly<Record<L, string>>;

/** How many label sets one metric holds before new ones fold into its overflow series. */
export const DEFAULT_MAX_SERIES = 2_000;

/**
 * The value every label of the overflow series carries. A label set of this value in every label is
 * the overflow series: observations recorded with it, and a merged state's overflow series, land there.
 */
export const OVERFLOW_LABEL_VALUE = '__overflow__';

/**
 * Longest label value, in UTF-8 bytes, that gets a series of its own; a longer one folds into the
 * overflow series. 2,000 values of 40 KiB made one family too large to render at all.
 */
export const DEFAULT_MAX_LABEL_VALUE_BYTES = 1_024;

/** Series a whole registry holds before new label sets fold into their metric's overflow series. */
export const DEFAULT_MAX_REGISTRY_SERIES = 50_000;

/** The series every table of one registry holds together, against the registry's cap. */
export class SeriesBudget {
  private held = 0;

  constructor(readonly max: number) {}

  /** Whether no new series may be created. */
  get isExhausted(): boolean {
    return this.held >= this.max;
  }

  /** Series held now. */
  get size(): number {
    return this.held;
  }

  take(): void {
    this.held += 1;
  }

  release(): void {
    this.held -= 1;
  }
}

/** The bounds a series table keeps. */
export interface SeriesLimits {
  /** Label sets of this metric (see DEFAULT_MAX_SERIES). */
  readonly maxSeries: number;
  /** See DEFAULT_MAX_LABEL_VALUE_BYTES. */
  readonly maxLabelValueBytes: number;
  /** Shared by every metric of the registry (see DEFAULT_MAX_REGISTRY_SERIES). */
  readonly budget: SeriesBudget;
}

/**
 * One series: its label set (constant labels included, frozen; the registry's resource labels apart),
 * its cell and when it started. The table replaces `cell` and `startMs` on reset and revival, so
 * holders of an entry read them afresh each time.
 */
export interface SeriesEntry<T> {
  readonly labels: Labels;
  cell: T;
  /** Epoch ms when the series was created or last reset. */
  startMs: number;
  /** True for the series that collects label sets beyond the cap. */
  readonly isOverflow: boolean;
  /** True once `remove` dropped it; a bound child that records again revives it (see `revive`). */
  isRemoved: boolean;
  /** Label values in sorted label-name order: the entry's path in the label tree. */
  readonly path: readonly string[];
}

/** Children above this count move from a scanned array into a Map. */
const SMALL_NODE_LIMIT = 8;

/**
 * One level of the label tree: children by label value. Most AM labels have a handful of values
 * (outcome, operation), where scanning a short array of interned strings is twice as fast as a
 * Map lookup (three levels: 40 → 18 ns); open sets with many values switch to a Map.
 */
class LabelNode {
  private keys: string[] = [];
  private children: unknown[] = [];
  private map: Map<string, unknown> | undefined;

  /** The child for `key`; a node that moved to a Map has no keys left to scan. */
  get(key: string): unknown {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i += 1) if (keys[i] === key) return this.children[i];
    return this.map?.get(key);
  }

  /** Adds a child for a key that is not there yet. */
  add(key: string, child: unknown): void {
    if (this.map !== undefined) {
      this.map.set(key, child);
      return;
    }
    this.keys.push(key);
    this.children.push(child);
    if (this.keys.length > SMALL_NODE_LIMIT) {
      this.map = new Map(this.keys.map((k, i) => [k, this.children[i]]));
      this.keys = [];
      this.children = [];
    }
  }

  /** Removes the child for `key`, if any; returns it. */
  delete(key: string): unknown {
    if (this.map !== undefined) {
      const child = this.map.get(key);
      this.map.delete(key);
      return child;
    }
    const at = this.keys.indexOf(key);
    if (at < 0) return undefined;
    const [child] = this.children.splice(at, 1);
    this.keys.splice(at, 1);
    return child;
  }

  /**
   * Children in the order their keys were first added, always as an array: one loop over arrays stays
   * monomorphic, where iterating arrays and Map iterators alike cost ~1 µs per series on a collect.
   */
  values(): readonly unknown[] {
    return this.map === undefined ? this.children : Array.from(this.map.values());
  }
}

type Lookup = (root: LabelNode, labels: object) => unknown;

/**
 * The hot path of `resolve` for one metric's label names: finds an existing series for a label set
 * that has exactly these labels, or answers undefined so the checked path takes over. The maps hold
 * string keys only, so a value of another type simply misses and gets its error on the checked path.
 * Why generated code: a property load through a variable name (`labels[name]`) goes through V8's
 * generic keyed lookup; a load by a constant name gets an inline cache. Measured on 3 labels, this
 * halves the lookup (84 → 46 ns). Names are legal identifiers (checked at registration) and are
 * quoted with JSON.stringify all the same.
 */
function compileLookup(names: readonly string[]): Lookup {
  if (names.length === 0) return () => undefined;
  const reads = names.map((name, i) => `const v${i} = labels[${JSON.stringify(name)}];`).join('\n');
  const walk = names.map((_, i) => `node = node.get(v${i}); if (node === undefined) return undefined;`).join('\n');
  const body = `${reads}
    let count = 0;
    for (const _ in labels) count += 1;
    if (count !== ${names.length}) return undefined;
    let node = root;
    ${walk}
    return node;`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the compiled per-metric fast path; names enter only via JSON.stringify
  return new Function('root', 'labels', body) as Lookup;
}

/**
 * The series of one metric, keyed by label values, at most `maxSeries` of them plus one overflow series.
 * Observations for a new label set beyond the cap, beyond the registry's budget, or with a value longer
 * than `maxLabelValueBytes` land in the overflow series and are counted as folded, so a cardinality
 * attack costs bounded memory and stays visible. So do those whose every label is OVERFLOW_LABEL_VALUE:
 * that label set is the overflow series'.
 */
export class SeriesTable<T> {
  /** A tree with one level per label (sorted by name): no key strings are built on the hot path. */
  private readonly root = new LabelNode();
  private readonly sortedNames: readonly string[];
  private readonly lookup: Lookup;
  private readonly values: string[];
  private unlabelled: SeriesEntry<T> | undefined;
  private overflow: SeriesEntry<T> | undefined;
  private count = 0;
  private foldedObservations = 0;
  private readonly maxSeries: number;
  private nonEmptyLabels: ReadonlySet<string> = new Set();
  /** `all()` as last listed, with the overflow series it saw; dropped when a series comes or goes. */
  private listed: readonly SeriesEntry<T>[] | undefined;
  private listedOverflow: SeriesEntry<T> | undefined;

  constructor(
    private readonly descriptor: Descriptor,
    private readonly limits: SeriesLimits,
    private readonly createCell: () => T,
    private readonly now: () => number,
  ) {
    this.maxSeries = limits.maxSeries;
    this.sortedNames = [...descriptor.labelNames].sort();
    this.values = new Array<string>(this.sortedNames.length);
    this.lookup = compileLookup(this.sortedNames);
  }

  /**
   * The series for `labels`, created on first use.
   * @throws InvalidLabelError when a label is missing, unknown, not a string, not well-formed text (a
   *   lone UTF-16 surrogate), or empty where `requireNonEmpty` forbids it; nothing is created then.
   */
  resolve(labels: unknown): SeriesEntry<T> {
    const found = typeof labels === 'object' && labels !== null ? this.lookup(this.root, labels) : undefined;
    return (found as SeriesEntry<T> | undefined) ?? this.resolveChecked(labels);
  }

  /**
   * Drops the series for `labels`; returns whether there was one. The overflow series stays.
   * @throws InvalidLabelError as `resolve` does; nothing is removed then.
   */
  remove(labels: unknown): boolean {
    const found = this.find(labels);
    if (found === undefined) return false;
    if (found === this.unlabelled) this.unlabelled = undefined;
    else this.parentOf(found.path)?.delete(found.path[found.path.length - 1] as string);
    found.isRemoved = true;
    this.count -= 1;
    this.listed = undefined;
    this.limits.budget.release();
    return true;
  }

  /**
   * The live series for a removed entry's labels: the entry itself, put back with a fresh cell as a new
   * series would start, unless its labels were recorded again meanwhile or the table is full.
   */
  revive(entry: SeriesEntry<T>): SeriesEntry<T> {
    if (!entry.isRemoved) return entry;
    this.values.splice(0, this.values.length, ...entry.path);
    const current = this.lookupValues();
    if (current !== undefined) return current;
    if (this.isFull) return (this.overflow ??= this.newEntry(true));
    entry.cell = this.createCell();
    entry.startMs = this.now();
    entry.isRemoved = false;
    return this.insert(entry);
  }

  /**
   * Restarts every series in place: fresh cells, `startMs` now, nothing folded. Label sets stay, so
   * bound children go on recording into them.
   */
  reset(): void {
    for (const entry of this.all()) {
      entry.cell = this.createCell();
      entry.startMs = this.now();
    }
    this.foldedObservations = 0;
  }

  /**
   * Checks `labels` as `resolve` would, creating nothing: for callers that must know a label set is
   * good before doing what they will record (see timeOutcome).
   * @throws InvalidLabelError as `resolve` does.
   */
  check(labels: unknown): void {
    this.checkValues(this.checkObject(labels));
    for (let i = 0; i < this.sortedNames.length; i += 1) this.checkText(this.sortedNames[i] as string, this.values[i] as string);
  }

  /** The existing series for `labels`, if any. @throws InvalidLabelError as `resolve` does. */
  private find(labels: unknown): SeriesEntry<T> | undefined {
    this.checkValues(this.checkObject(labels));
    return this.lookupValues();
  }

  /** The existing series for the checked `this.values`, if any. */
  private lookupValues(): SeriesEntry<T> | undefined {
    if (this.values.length === 0) return this.unlabelled;
    return this.parentOf(this.values)?.get(this.values[this.values.length - 1] as string) as SeriesEntry<T> | undefined;
  }

  private parentOf(path: readonly string[]): LabelNode | undefined {
    let node: LabelNode | undefined = this.root;
    for (let i = 0; i < path.length - 1 && node !== undefined; i += 1) node = node.get(path[i] as string) as LabelNode | undefined;
    return node;
  }

  /** Checks every label value of `given` into `this.values`. @throws InvalidLabelError */
  private checkValues(given: Record<string, unknown>): void {
    for (let i = 0; i < this.sortedNames.length; i += 1) {
      const name = this.sortedNames[i] as string;
      const value = given[name];
      if (typeof value !== 'string') throw this.badValue(name, value, Object.hasOwn(given, name));
      this.values[i] = value;
    }
    let count = 0;
    for (const _name in given) count += 1;
    if (count !== this.sortedNames.length) throw this.unknownLabel(given);
  }

  /** The full path: every check with its error, then the series, created if it is new. */
  private resolveChecked(labels: unknown): SeriesEntry<T> {
    const given = this.checkObject(labels);
    // One pass checks each value and walks the tree; a miss keeps checking so that nothing is
    // created for an invalid label set.
    let node: unknown = this.root;
    let isTooLong = false;
    for (let i = 0; i < this.sortedNames.length; i += 1) {
      const name = this.sortedNames[i] as string;
      const value = given[name];
      if (typeof value !== 'string') throw this.badValue(name, value, Object.hasOwn(given, name));
      this.checkText(name, value);
      isTooLong ||= this.isTooLong(value);
      this.values[i] = value;
      node = (node as LabelNode | undefined)?.get(value);
    }
    let count = 0;
    for (const _name in given) count += 1;
    if (count !== this.sortedNames.length) throw this.unknownLabel(given);
    if (this.sortedNames.length === 0) return this.unlabelled ?? this.create();
    if (isTooLong || this.isOverflowLabelSet()) return (this.overflow ??= this.newEntry(true));
    return (node as SeriesEntry<T> | undefined) ?? this.create();
  }

  /**
   * Whether the checked `this.values` are the overflow series' own labels (OVERFLOW_LABEL_VALUE in
   * every label), as a merged state's overflow series has them. A series of its own would expose that
   * label set twice once the overflow series exists, which OpenMetrics parsers refuse.
   */
  private isOverflowLabelSet(): boolean {
    for (const value of this.values) if (value !== OVERFLOW_LABEL_VALUE) return false;
    return true;
  }

  /**
   * From now on, refuses new series whose value of one of `labels` is empty: Prometheus reads
   * `b=""` as no label `b` at all, so where two metrics write the same sample name (a summary and a
   * timer sharing a base name) an empty value of a label only one of them has would make its series
   * indistinguishable from the other's.
   */
  requireNonEmpty(labels: Iterable<string>): void {
    this.nonEmptyLabels = new Set([...this.nonEmptyLabels, ...labels]);
  }

  /** Whether a series held now has an empty value for one of `labels`. */
  hasEmptyValue(labels: readonly string[]): boolean {
    for (const entry of this.all()) if (!entry.isOverflow && labels.some((label) => entry.labels[label] === '')) return true;
    return false;
  }

  /** @throws InvalidLabelError for a value UTF-8 cannot carry unchanged, or an empty one that must not be. */
  private checkText(label: string, value: string): void {
    if (!isWellFormed(value)) {
      throw new InvalidLabelError(this.descriptor.name, label, value, 'is not well-formed text: it holds a lone UTF-16 surrogate, which UTF-8 cannot carry');
    }
    if (value === '' && this.nonEmptyLabels.has(label)) {
      throw new InvalidLabelError(
        this.descriptor.name,
        label,
        value,
        'may not be empty: a summary and a timer share this name, and Prometheus reads an empty label as an absent one',
      );
    }
  }

  /** Whether `value` exceeds maxLabelValueBytes in UTF-8 (at most 3 bytes per UTF-16 unit). */
  private isTooLong(value: string): boolean {
    return value.length * 3 > this.limits.maxLabelValueBytes && Buffer.byteLength(value, 'utf8') > this.limits.maxLabelValueBytes;
  }

  private get isFull(): boolean {
    return this.count >= this.maxSeries || this.limits.budget.isExhausted;
  }

  /** Counts observations (default one) that went to the overflow series. */
  countFolded(count = 1): void {
    this.foldedObservations += count;
  }

  /** Observations recorded into the overflow series since the metric was created. */
  get folded(): number {
    return this.foldedObservations;
  }

  /**
   * Every series, grouped by label values in first-seen order, overflow series last; the same array
   * until a series is added or removed (a new array then, so a caller may keep walking the old one).
   * Why a kept array and not nested generators: each series then passed through one `yield*` per
   * label level, and walking the tree at all cost more than reading the series on a collect
   * (notes/perf-round-two.md).
   */
  all(): readonly SeriesEntry<T>[] {
    if (this.listed !== undefined && this.listedOverflow === this.overflow) return this.listed;
    const entries: SeriesEntry<T>[] = [];
    if (this.unlabelled !== undefined) entries.push(this.unlabelled);
    if (this.values.length > 0) this.pushLeaves(this.root, this.values.length, entries);
    if (this.overflow !== undefined) entries.push(this.overflow);
    this.listedOverflow = this.overflow;
    return (this.listed = entries);
  }

  private pushLeaves(node: LabelNode, depth: number, into: SeriesEntry<T>[]): void {
    const children = node.values();
    for (let i = 0; i < children.length; i += 1) {
      if (depth === 1) into.push(children[i] as SeriesEntry<T>);
      else this.pushLeaves(children[i] as LabelNode, depth - 1, into);
    }
  }

  private checkObject(labels: unknown): Record<string, unknown> {
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
      const metric = this.descriptor.name;
      throw new MetricsError(`${metric}: labels must be an object (use {} for none), got ${String(labels)}`, metric);
    }
    return labels as Record<string, unknown>;
  }

  /** Creates the series for `this.values`, or hands out the overflow series once the cap is reached. */
  private create(): SeriesEntry<T> {
    if (this.isFull) return (this.overflow ??= this.newEntry(true));
    return this.insert(this.newEntry(false));
  }

  /** Links `entry` into the tree at `this.values` and counts it. */
  private insert(entry: SeriesEntry<T>): SeriesEntry<T> {
    const depth = this.values.length;
    if (depth === 0) this.unlabelled = entry;
    else {
      let node = this.root;
      for (let i = 0; i < depth - 1; i += 1) {
        const value = this.values[i] as string;
        let next = node.get(value) as LabelNode | undefined;
        if (next === undefined) {
          next = new LabelNode();
          node.add(value, next);
        }
        node = next;
      }
      node.add(this.values[depth - 1] as string, entry);
    }
    this.count += 1;
    this.listed = undefined;
    this.limits.budget.take();
    return entry;
  }

  private badValue(label: string, value: unknown, isPresent: boolean): InvalidLabelError {
    const metric = this.descriptor.name;
    return isPresent
      ? new InvalidLabelError(metric, label, value, `needs a string value, got ${typeof value} ${String(value)}`)
      : new InvalidLabelError(metric, label, undefined, 'is missing', this.descriptor.labelNames);
  }

  private unknownLabel(values: Record<string, unknown>): InvalidLabelError {
    const unknown = Object.keys(values).find((name) => !this.sortedNames.includes(name)) ?? '';
    return new InvalidLabelError(this.descriptor.name, unknown, values[unknown], 'is not a label of this metric', this.descriptor.labelNames);
  }

  private newEntry(isOverflow: boolean): SeriesEntry<T> {
    const own = Object.fromEntries(this.sortedNames.map((name, i) => [name, isOverflow ? OVERFLOW_LABEL_VALUE : (this.values[i] as string)]));
    const labels = Object.freeze({ ...this.descriptor.constLabels, ...own });
    const path = Object.freeze(isOverflow ? [] : [...this.values]);
    return { labels, cell: this.createCell(), startMs: this.now(), isOverflow, isRemoved: false, path };
  }
}
