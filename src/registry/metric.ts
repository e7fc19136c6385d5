// What every metric type shares: its descriptor, its series table and the clock it reads. How a cell
// records and reads is each type's own business; state and merge go through the Cell interface.
import type { Clock } from './clock.js';
import type { Descriptor } from './descriptor.js';
import { InvalidValueError } from './errors.js';
import { SeriesTable, type LabelValues, type Labels, type SeriesEntry, type SeriesLimits } from './labels.js';
import type { FamilySnapshot, SeriesBase } from './collection.js';
import type { Pace } from './time-slice.js';
import { MAX_RECORDED } from './cells/state-check.js';

/** What a registry hands each metric it creates: its clock and the bounds on its series. */
export interface MetricContext extends SeriesLimits {
  readonly clock: Clock;
  /** Whether timers also keep undecayed buckets for a histogram family (RegistryOptions.timerBuckets). */
  readonly timerBuckets?: boolean;
}

/**
 * Per-series state that can cross a process boundary: `state` gives plain JSON-safe data, `mergeFrom`
 * adds another cell of the same kind (counts and sums add, sketches take the union).
 */
export interface Cell<State> {
  state(nowMs: number): State;
  mergeFrom(other: this): void;
  /**
   * The latest time the cell holds (epoch ms), for cells whose merge moves their clock forward (rates
   * tick to it, decayed weights rescale to it); `merge` refuses a state whose cells are far ahead.
   */
  latestTimeMs?(): number;
}

/** One series of a metric's state: label values and constant labels, start time and cell state. */
export interface SeriesState<State = unknown> {
  readonly labels: Labels;
  readonly startMs: number;
  readonly state: State;
}

/**
 * Series read between two questions to the pace. Why not every series: asking reads the monotonic
 * clock (`performance.now()`, 40–80 ns), as much as reading a summary series; 16 series of any type
 * take a few microseconds, nothing against a slice of milliseconds.
 */
const SERIES_PER_PACE = 16;

/** Base of the four metric types; `L` is the union of its label names. */
export abstract class Metric<C extends Cell<unknown>, L extends string = string> {
  protected readonly table: SeriesTable<C>;
  /** Epoch ms when the metric was registered: the start of its folded-observation count. */
  readonly createdMs: number;

  constructor(
    readonly descriptor: Descriptor,
    protected readonly context: MetricContext,
  ) {
    this.table = new SeriesTable(
      descriptor,
      context,
      () => this.createCell(),
      () => context.clock.now(),
    );
    this.createdMs = context.clock.now();
  }

  /** Observations that went to the overflow series because the label-set cap was reached. */
  get folded(): number {
    return this.table.folded;
  }

  /** The family at this instant, as writers and encoders read it. */
  abstract collect(): FamilySnapshot | Promise<FamilySnapshot>;

  /**
   * The family as `collect()` reads it, but yielding to the event loop between series as `pace` says,
   * so a family of many thousand series does not stall a server. Types with costly reads override it.
   */
  collectPaced(_pace: Pace): FamilySnapshot | Promise<FamilySnapshot> {
    return this.collect();
  }

  /**
   * Checks `labels` as recording would, recording nothing and creating no series; for a caller that
   * must refuse a bad label set before it runs what it measures.
   * @throws InvalidLabelError for a missing, unknown or non-string label, or a value the series table
   *   refuses (see SeriesTable.resolve).
   */
  checkLabels(labels: LabelValues<L>): void {
    this.table.check(labels);
  }

  /**
   * Drops the series for `labels` (constant labels aside); returns whether there was one. A child bound
   * to it with `labels()` that records again starts it afresh, with a new `startMs`.
   * @throws InvalidLabelError for missing, unknown or non-string labels.
   */
  remove(labels: LabelValues<L>): boolean {
    return this.table.remove(labels);
  }

  /** From now on, refuses new series with an empty value for one of `labels` (see SeriesTable.requireNonEmpty). */
  requireNonEmpty(labels: readonly string[]): void {
    this.table.requireNonEmpty(labels);
  }

  /** Whether a series held now has an empty value for one of `labels`. */
  hasEmptyValue(labels: readonly string[]): boolean {
    return this.table.hasEmptyValue(labels);
  }

  /** Restarts every series at zero with `startMs` now; label sets and bound children stay. */
  reset(): void {
    this.table.reset();
  }

  /** Every series as plain data for `Registry.state()`. */
  seriesStates(nowMs: number): SeriesState[] {
    const states: SeriesState[] = [];
    for (const entry of this.table.all()) states.push({ labels: entry.labels, startMs: entry.startMs, state: entry.cell.state(nowMs) });
    return states;
  }

  /**
   * Rebuilds a cell from `state()` output of another process.
   * @throws InvalidValueError naming the malformed field.
   */
  abstract cellFromState(state: unknown): C;

  /**
   * Adds `cell` into the series for `labels` (label values of this metric's label names); the series
   * keeps the earlier of the two start times. Cells of a full table land in the overflow series.
   */
  absorb(labels: Labels, startMs: number, cell: C, _source?: string): void {
    const entry = this.table.resolve(this.ownValues(labels));
    entry.cell.mergeFrom(cell);
    entry.startMs = Math.min(entry.startMs, startMs);
  }

  /** Every series with its cell, for merging one registry into another. */
  entries(): Iterable<{ readonly labels: Labels; readonly startMs: number; readonly cell: C }> {
    return this.table.all();
  }

  /** Counts observations another process folded into its overflow series. */
  addFolded(count: number): void {
    this.table.countFolded(count);
  }

  protected abstract createCell(): C;

  /** The series for `labels`, counting the observation as folded when it lands in overflow. */
  protected cellFor(labels: unknown): C {
    return this.cellOf(this.table.resolve(labels));
  }

  /**
   * The live cell of `entry`, reviving a removed series and counting folded observations. The rare
   * cases have their own method so that this one stays small (see checkNonNegative).
   */
  protected cellOf(entry: SeriesEntry<C>): C {
    return entry.isRemoved || entry.isOverflow ? this.unusualCellOf(entry) : entry.cell;
  }

  private unusualCellOf(entry: SeriesEntry<C>): C {
    const live = entry.isRemoved ? this.table.revive(entry) : entry;
    if (live.isOverflow) this.table.countFolded();
    return live.cell;
  }

  /**
   * Each series as `read` builds it from the cell and the series' labels and start time. Why the
   * reader builds the whole series: spreading a reading into `{ labels, startMs, ...reading }` took a
   * fifth of a timer's collect (notes/perf-round-two.md).
   */
  protected readAll<S>(read: (cell: C, series: SeriesBase) => S): S[] {
    const entries = this.table.all();
    const series: S[] = [];
    for (let i = 0; i < entries.length; i += 1) {
      const entry = entries[i] as SeriesEntry<C>;
      series.push(read(entry.cell, entry));
    }
    return series;
  }

  /**
   * As `readAll`, awaiting `pace` after every SERIES_PER_PACE series. The series are those listed when
   * it starts: ones created while this yields are left for the next collection.
   */
  protected async readAllPaced<S>(read: (cell: C, series: SeriesBase) => S, pace: Pace): Promise<S[]> {
    const entries = this.table.all();
    const series: S[] = [];
    for (let i = 0; i < entries.length; i += 1) {
      const entry = entries[i] as SeriesEntry<C>;
      series.push(read(entry.cell, entry));
      if (i % SERIES_PER_PACE !== SERIES_PER_PACE - 1) continue;
      const turn = pace();
      if (turn !== undefined) await turn;
    }
    return series;
  }

  /**
   * @throws InvalidValueError unless `value` is a number from 0 to MAX_RECORDED (−0 included; NaN and
   *   ±Infinity fail `value >= 0 && value <= 1e100`). Why one comparison chain and the message built
   *   elsewhere: this runs on every record, and V8 inlines a call only while the caller's inlining
   *   budget lasts (notes/perf-round-two.md, "Inlining budget"); every bytecode byte here is one the
   *   cells lack. The literal is MAX_RECORDED's value: a number costs no load of a binding.
   */
  protected checkNonNegative(value: unknown, what: string): asserts value is number {
    if (!(typeof value === 'number' && value >= 0 && value <= 1e100)) throw this.notNonNegative(value, what);
  }

  /** @throws InvalidValueError unless `value` is a finite number. */
  protected checkFinite(value: unknown, what: string): asserts value is number {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidValueError(this.descriptor.name, value, `is not a valid ${what} (a finite number)`);
    }
  }

  private notNonNegative(value: unknown, what: string): InvalidValueError {
    return new InvalidValueError(this.descriptor.name, value, `is not a valid ${what} (a number from 0 to ${MAX_RECORDED})`);
  }

  /** The label values of `labels` for this metric's label names, constant labels dropped. */
  private ownValues(labels: Labels): Labels {
    const own: Record<string, string> = {};
    for (const name of this.descriptor.labelNames) {
      const value = labels[name];
      if (value !== undefined) own[name] = value;
    }
    return own;
  }
}
