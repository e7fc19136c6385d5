// The collecting core of a registry: get-or-create metrics by descriptor, guard the names they use,
// collect them into a Collection, and save or merge their state. It writes no format: the Registry the
// package exports (src/exposition/prometheus/registry.ts) adds `metrics()` on top.
import { clockFrom, type Clock } from './clock.js';
import {
  createDescriptor,
  describeShape,
  isSameShape,
  sameLabelNames,
  checkLabelName,
  type Descriptor,
  type FamilyKind,
  type MetricKind,
  type MetricOptions,
} from './descriptor.js';
import { InvalidLabelError, InvalidOptionError, InvalidValueError, MetricConflictError } from './errors.js';
import { DEFAULT_MAX_LABEL_VALUE_BYTES, DEFAULT_MAX_REGISTRY_SERIES, DEFAULT_MAX_SERIES, SeriesBudget, type Labels } from './labels.js';
import { isWellFormed } from './well-formed.js';
import type { MetricContext, SeriesState } from './metric.js';
import { Summary } from './summary.js';
import { Timer } from './timer.js';
import { Gauge, type GaugeCollect } from './gauge.js';
import { GAUGE_COMBINES, type GaugeCombine } from './cells/gauge-value.js';
import { DistinctCounter } from './distinct-counter.js';
import { distinctHashSeed } from './cells/string-hash.js';
import { DEFAULT_SLICE_MS, forEachSliced, pacer, type Pace } from './time-slice.js';
import type { CollectFailure, Collection, FamilySnapshot, Point } from './collection.js';

/** How long a scrape waits for one computed gauge before counting it as failed. */
export const DEFAULT_COLLECT_TIMEOUT_MS = 5_000;
/** The version `state()` writes and `merge()` reads; 2 since distinct counters keep ExaLogLog registers. */
export const STATE_VERSION = 2;
/** Longest delay `setTimeout` honours; a longer `collectTimeoutMs` would fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export interface RegistryOptions {
  /** Wall-clock time in epoch ms; default `Date.now`. Also times `startTimer` when given. */
  readonly now?: (() => number) | undefined;
  /** Labels every series carries, e.g. `{ kubernetes_pod_name: 'am-0' }`: the collection's resource. */
  readonly defaultLabels?: Readonly<Record<string, string>> | undefined;
  /** Label sets per metric before new ones fold into an overflow series; default DEFAULT_MAX_SERIES. */
  readonly maxSeriesPerMetric?: number | undefined;
  /** Series across all metrics before new label sets fold into overflow; default DEFAULT_MAX_REGISTRY_SERIES. */
  readonly maxSeries?: number | undefined;
  /** Longest label value (UTF-8 bytes) with a series of its own; default DEFAULT_MAX_LABEL_VALUE_BYTES. */
  readonly maxLabelValueBytes?: number | undefined;
  /** Bound on each computed gauge's callback per scrape; default DEFAULT_COLLECT_TIMEOUT_MS. */
  readonly collectTimeoutMs?: number | undefined;
  /**
   * Every timer also keeps undecayed counts in a fixed log-scale bucket layout (see LogBuckets), collected
   * as a histogram family named name + TIMER_HISTOGRAM_SUFFIX that Prometheus can sum across pods.
   * Off by default: AM's output stays exactly AM's. Costs about 70 ns per observation and ~1 KB per series
   * (bench/timer-buckets.bench.ts).
   */
  readonly timerBuckets?: boolean | undefined;
}

/** The names a metric of `kind` called `name` writes; registrations may not overlap in them. */
export type ReservedNames = (kind: FamilyKind, name: string) => readonly string[];

export interface GaugeOptions<L extends string = string> extends MetricOptions<L> {
  /** Computes the gauge at each scrape (see GaugeCollect). */
  readonly collect?: GaugeCollect<L> | undefined;
  /** How series of several processes combine in `merge`; default `sum` (see GaugeCombine). */
  readonly combine?: GaugeCombine | undefined;
}

/**
 * A source of families beyond the registry's own metrics, read at every collection: Node.js runtime
 * metrics, say. Its families are per process: `state()` and `merge()` leave them out.
 */
export interface FamilyCollector {
  /** Names the collector in a collection's `failures` and in `am_metrics_collect_errors_total`. */
  readonly name: string;
  /**
   * The families it writes, when known before it runs: `addCollector` reserves their names as a
   * metric's, so a metric of the same name is refused instead of served twice in one exposition.
   */
  readonly families?: readonly { readonly kind: FamilyKind; readonly name: string }[];
  collect(): Promise<readonly FamilySnapshot[]> | readonly FamilySnapshot[];
}

/** One metric in a registry's state. */
export interface FamilyState {
  readonly kind: MetricKind;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly constLabels: Labels;
  readonly combine?: GaugeCombine;
  /** Observations folded into overflow series (see `am_metrics_overflow_total`). */
  readonly folded: number;
  readonly series: readonly SeriesState[];
}

/** A whole registry as plain, JSON-safe data, for `merge` in another process. */
export interface RegistryState {
  readonly version: typeof STATE_VERSION;
  readonly timeMs: number;
  readonly families: readonly FamilyState[];
}

/** How `merge` treats the state it is given. */
export interface MergeOptions {
  /** Names the process the state came from: the `worker` label of `per-source` gauges. */
  readonly source?: string | undefined;
}

/** Every metric type a registry holds. */
export type AnyMetric = Summary | Timer | Gauge | DistinctCounter;

/** The registry's own counter families, reserved against user metrics. */
const OVERFLOW_FAMILY: Descriptor = Object.freeze({
  kind: 'counter',
  name: 'am_metrics_overflow',
  labelNames: Object.freeze(['metric']),
  constLabels: Object.freeze({}),
  help: "Observations recorded into a metric's overflow series because it reached its label-set limit.",
});
const COLLECT_ERRORS_FAMILY: Descriptor = Object.freeze({
  kind: 'counter',
  name: 'am_metrics_collect_errors',
  labelNames: Object.freeze(['metric']),
  constLabels: Object.freeze({}),
  help: 'Scrapes in which a computed gauge failed or timed out; the family was left out of them.',
});
/**
 * Counted by whoever renders a collection (the HTTP scrape), not by the registry; reserved here so no
 * metric can take its names.
 */
export const RENDER_ERRORS_FAMILY: Descriptor = Object.freeze({
  kind: 'counter',
  name: 'am_metrics_render_errors',
  labelNames: Object.freeze(['metric']),
  constLabels: Object.freeze({}),
  help: 'Expositions that left a family out because it failed to render or would pass the size bound.',
});

/**
 * Holds metrics and collects them. Asking twice for the same name and shape returns the same metric.
 * Two metrics may share a base name only when one is a summary and the other a timer with different
 * label names (AM's `am_session`); any other overlap of the names they write (see ReservedNames)
 * throws MetricConflictError.
 */
export class MetricRegistry {
  private readonly metricsByName = new Map<string, AnyMetric[]>();
  private readonly reservedBy = new Map<string, string>();
  private readonly collectErrors = new Map<string, { startMs: number; count: number }>();
  private readonly collectors = new Set<FamilyCollector>();
  private readonly registryClock: Clock;
  /** Replaced by `clear()`, so metrics handed out before keep their own budget. */
  private context: MetricContext;
  private readonly defaultLabels: Labels;
  private readonly collectTimeoutMs: number;

  /**
   * @throws InvalidOptionError naming the option and its value for a limit that is not a whole
   *   number >= 1 (`collectTimeoutMs` at most 2^31 - 1 ms, what timers honour), or `now` that is not
   *   a function; InvalidNameError or InvalidLabelError for bad default labels.
   */
  constructor(
    private readonly options: RegistryOptions = {},
    private readonly reservedNames: ReservedNames = (_kind, name) => [name],
  ) {
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new InvalidOptionError('registry', 'now', options.now, 'must be a function returning epoch milliseconds');
    }
    this.registryClock = clockFrom(options.now);
    this.defaultLabels = Object.freeze(checkDefaultLabels(options.defaultLabels ?? {}));
    this.context = {
      clock: this.registryClock,
      maxSeries: wholeOption('maxSeriesPerMetric', options.maxSeriesPerMetric, DEFAULT_MAX_SERIES),
      maxLabelValueBytes: wholeOption('maxLabelValueBytes', options.maxLabelValueBytes, DEFAULT_MAX_LABEL_VALUE_BYTES),
      budget: new SeriesBudget(wholeOption('maxSeries', options.maxSeries, DEFAULT_MAX_REGISTRY_SERIES)),
      timerBuckets: options.timerBuckets === true,
    };
    this.collectTimeoutMs = wholeOption('collectTimeoutMs', options.collectTimeoutMs, DEFAULT_COLLECT_TIMEOUT_MS, MAX_TIMEOUT_MS);
    this.reserveOwnCounters();
  }

  /** Counts events and sums amounts (AM's summary). @throws InvalidNameError, MetricConflictError */
  summary<L extends string = never>(options: MetricOptions<L>): Summary<L> {
    return this.register('summary', options, (d) => new Summary<L>(d, this.context));
  }

  /** Durations with recent-weighted quantiles (AM's timer). @throws InvalidNameError, MetricConflictError */
  timer<L extends string = never>(options: MetricOptions<L>): Timer<L> {
    return this.register('timer', options, (d) => new Timer<L>(d, this.context));
  }

  /** A current value, set or computed at scrape time. @throws InvalidNameError, MetricConflictError */
  gauge<L extends string = never>(options: GaugeOptions<L>): Gauge<L> {
    const combine = checkCombine(options.name, options.combine);
    return this.register('gauge', options, (d) => new Gauge<L>(d, this.context, combine, options.collect));
  }

  /**
   * Estimated count of distinct values, exposed as a gauge.
   * @throws InvalidNameError, MetricConflictError; ServerConfigError when AM_METRICS_DISTINCT_KEY is
   *   set but shorter than MIN_SECRET_LENGTH (see distinctKeyFromEnvironment).
   */
  distinctCounter<L extends string = never>(options: MetricOptions<L>): DistinctCounter<L> {
    return this.register('distinct', options, (d) => {
      distinctHashSeed(); // chooses the hash key now, so a bad AM_METRICS_DISTINCT_KEY is refused here
      return new DistinctCounter<L>(d, this.context);
    });
  }

  /** The default labels every series carries: the resource of every collection. */
  get labels(): Labels {
    return this.defaultLabels;
  }

  /** Whether timers also keep buckets and serve a histogram family (the `timerBuckets` option). */
  get timerBuckets(): boolean {
    return this.context.timerBuckets === true;
  }

  /** The clock this registry reads (for callers that measure durations they record themselves). */
  get clock(): Clock {
    return this.registryClock;
  }

  /** The metric registered as `name` (the summary, when a summary and a timer share it), if any. */
  getSingleMetric(name: string): AnyMetric | undefined {
    return this.metricsByName.get(name)?.[0];
  }

  /** Every registered metric, in registration order. */
  getMetrics(): readonly AnyMetric[] {
    return [...this.allMetrics()];
  }

  /**
   * Collects every metric in registration order, then every added FamilyCollector, then the
   * registry's own counters, yielding to the event loop between families of a large registry and
   * between the series of a large family. A computed gauge whose callback throws, rejects or outlasts
   * `collectTimeoutMs` is left out and reported in `failures` (and counted in the
   * `am_metrics_collect_errors_total` counter); the other families are unaffected.
   */
  async collect(): Promise<Collection> {
    const families: FamilySnapshot[] = [];
    const failures = await this.collectEach((family) => families.push(family));
    return { timeMs: this.registryClock.now(), resource: this.defaultLabels, families, failures };
  }

  /**
   * Collects as `collect` does, handing each family to `use` as soon as it is read instead of keeping
   * them all, so a writer can render a large registry without holding its whole collection; a promise
   * `use` returns is awaited before the next family is read. Resolves to the families left out;
   * rejects, stopping there, when `use` throws or rejects.
   */
  async collectEach(use: (family: FamilySnapshot) => unknown): Promise<CollectFailure[]> {
    const failures: CollectFailure[] = [];
    const monotonic = (): number => this.registryClock.monotonic();
    const pace = pacer(monotonic);
    const fail = (metric: string, error: unknown): void => {
      failures.push({ metric, error });
      this.countCollectError(metric);
    };
    await forEachSliced(
      this.allMetrics(),
      async (metric) => {
        let read: FamilySnapshot[];
        try {
          read = await this.collectMetric(metric, pace);
        } catch (error) {
          fail(metric.descriptor.name, error);
          return;
        }
        for (const family of read) await use(family);
      },
      monotonic,
      DEFAULT_SLICE_MS,
      pace,
    );
    for (const collector of this.collectors) {
      let read: readonly FamilySnapshot[];
      try {
        read = await this.bounded(Promise.resolve(collector.collect()));
      } catch (error) {
        fail(collector.name, error);
        continue;
      }
      for (const family of read) await use(family);
    }
    for (const family of this.ownCounters()) await use(family);
    return failures;
  }

  /**
   * Every metric's series as plain, JSON-safe data (STATE_VERSION), for `merge` in another process.
   * Computed gauges are read first, as a collection would; one that fails keeps its last values.
   */
  async state(): Promise<RegistryState> {
    for (const metric of this.allMetrics()) {
      if (metric instanceof Gauge && metric.isComputed) await this.bounded(metric.refresh()).catch(() => this.countCollectError(metric.descriptor.name));
    }
    const nowMs = this.registryClock.now();
    const families = [...this.allMetrics()].map((metric) => familyState(metric, nowMs));
    return { version: STATE_VERSION, timeMs: nowMs, families };
  }

  /**
   * Adds another registry's `state()` into this one: metrics are created as needed, counts and sums
   * add, moving rates add, timer distributions and distinct sketches merge, gauges combine as each
   * declares. Everything is checked before anything changes.
   * @throws InvalidValueError for a malformed state or cell, a time in it more than MAX_STATE_AHEAD_MS
   *   ahead of this registry's clock, or a `sum` gauge whose merged value would overflow;
   *   InvalidNameError or InvalidLabelError for bad names or labels, MetricConflictError when a metric
   *   clashes with one registered here.
   */
  merge(state: RegistryState, options: MergeOptions = {}): void {
    // `satisfies unknown` keeps Array.isArray from narrowing the readonly list to any[].
    if (typeof state !== 'object' || state === null || state.version !== STATE_VERSION || !Array.isArray(state.families satisfies unknown)) {
      const version = typeof state === 'object' && state !== null ? state.version : state;
      throw new InvalidValueError('registry', version, `is not a registry state of version ${STATE_VERSION}`);
    }
    const unbounded = { maxSeriesPerMetric: Number.MAX_SAFE_INTEGER, maxSeries: Number.MAX_SAFE_INTEGER, maxLabelValueBytes: Number.MAX_SAFE_INTEGER };
    const notAfterMs = this.registryClock.now() + MAX_STATE_AHEAD_MS;
    if (typeof state.timeMs === 'number') checkNotAhead('registry', state.timeMs, notAfterMs);
    const scratch = new MetricRegistry({ ...this.options, ...unbounded }, this.reservedNames);
    const loaded = state.families.map((family) => scratch.load(family, notAfterMs));
    for (const { metric } of loaded) {
      const existing = this.checkRegistration(metric.descriptor.kind as MetricKind, metric.descriptor);
      checkSameCombine(existing, metric);
      if (existing instanceof Gauge && metric instanceof Gauge) existing.checkAbsorb(metric);
      this.checkEmptyValues(metric);
    }
    for (const { metric, folded } of loaded) {
      const target = this.adopt(metric);
      for (const entry of metric.entries()) target.absorb(entry.labels, entry.startMs, entry.cell as never, options.source);
      target.addFolded(folded);
    }
  }

  /**
   * Adds families that `collect` reads from `collector` after the registry's metrics, each time, with
   * the same time bound and failure handling as a computed gauge. Adding the same collector twice
   * adds it once. The names of the families it declares (`families`) are reserved as a metric's;
   * a collector must not write any other name a metric holds.
   * @throws MetricConflictError when a declared family's names overlap those of a registered metric or
   *   of another collector's families; nothing is added then.
   */
  addCollector(collector: FamilyCollector): void {
    if (this.collectors.has(collector)) return;
    const owner = (family: { name: string }) => `${family.name} of collector ${collector.name}`;
    const claims = (collector.families ?? []).flatMap((family) => this.reservedNames(family.kind, family.name).map((sample) => ({ sample, family })));
    for (const { sample, family } of claims) {
      const holder = this.reservedBy.get(sample);
      if (holder !== undefined) throw new MetricConflictError(family.name, `the owner of "${sample}" (${holder})`, owner(family));
    }
    for (const { sample, family } of claims) this.reservedBy.set(sample, owner(family));
    this.collectors.add(collector);
  }

  /** Restarts every series of every metric at zero (start times move to now); metrics and labels stay. */
  reset(): void {
    for (const metric of this.allMetrics()) metric.reset();
    this.collectErrors.clear();
  }

  /**
   * Unregisters every metric and collector; metrics handed out before keep working but are no longer
   * collected.
   */
  clear(): void {
    this.context = { ...this.context, budget: new SeriesBudget(this.context.budget.max) };
    this.metricsByName.clear();
    this.collectors.clear();
    this.reservedBy.clear();
    this.collectErrors.clear();
    this.reserveOwnCounters();
  }

  /** Registers one family of a state (on a scratch registry) and absorbs its series; see checkNotAhead for `notAfterMs`. */
  private load(family: FamilyState, notAfterMs: number): { metric: AnyMetric; folded: number } {
    if (typeof family !== 'object' || family === null) throw new InvalidValueError('registry', family, 'is not a metric state');
    const options = { name: family.name, help: family.help, labelNames: family.labelNames, constLabels: family.constLabels };
    const metric = this.registerKind(family.kind, options, family.combine);
    // `satisfies unknown` keeps Array.isArray from narrowing the readonly list to any[].
    if (!Array.isArray(family.series satisfies unknown)) throw new InvalidValueError(family.name, family.series, 'is not a list of series states');
    for (const series of family.series) {
      if (typeof series !== 'object' || series === null) throw new InvalidValueError(family.name, series, 'is not a series state');
      if (typeof series.labels !== 'object' || series.labels === null) {
        throw new InvalidValueError(family.name, series.labels, 'is not the labels of a series state (an object of label values)');
      }
      const startMs = typeof series.startMs === 'number' && Number.isFinite(series.startMs) ? series.startMs : NaN;
      if (Number.isNaN(startMs)) throw new InvalidValueError(family.name, series.startMs, 'is not a series start time (epoch ms)');
      checkNotAhead(family.name, startMs, notAfterMs);
      const cell = metric.cellFromState(series.state);
      if ('latestTimeMs' in cell) checkNotAhead(family.name, cell.latestTimeMs(), notAfterMs);
      metric.absorb(series.labels, startMs, cell as never);
    }
    const folded = family.folded ?? 0;
    if (!Number.isSafeInteger(folded) || folded < 0) throw new InvalidValueError(family.name, folded, 'is not a count of folded observations');
    return { metric, folded };
  }

  private registerKind(kind: unknown, options: MetricOptions, combine: GaugeCombine | undefined): AnyMetric {
    switch (kind) {
      case 'summary':
        return this.summary(options);
      case 'timer':
        return this.timer(options);
      case 'gauge':
        return this.gauge({ ...options, combine });
      case 'distinct':
        return this.distinctCounter(options);
      default:
        throw new InvalidValueError(String(options.name), kind, 'is not a metric kind (allowed: summary, timer, gauge, distinct)');
    }
  }

  /** This registry's metric of `other`'s shape, registered now if need be (checked beforehand). */
  private adopt(other: AnyMetric): AnyMetric {
    const d = other.descriptor;
    const combine = other instanceof Gauge ? other.combine : undefined;
    return this.registerKind(d.kind, { name: d.name, help: d.help, labelNames: d.labelNames, constLabels: d.constLabels }, combine);
  }

  private *allMetrics(): IterableIterator<AnyMetric> {
    for (const metrics of this.metricsByName.values()) yield* metrics;
  }

  /** The families one metric reads into: its own, and a timer's histogram when it keeps buckets. */
  private async collectMetric(metric: AnyMetric, pace: Pace): Promise<FamilySnapshot[]> {
    const family = metric instanceof Gauge && metric.isComputed ? await this.bounded(metric.collect()) : await metric.collectPaced(pace);
    const histogram = metric instanceof Timer ? metric.collectHistogram() : undefined;
    return histogram === undefined ? [family] : [family, histogram];
  }

  private bounded<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`collect callback took longer than ${this.collectTimeoutMs} ms`)), this.collectTimeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  private countCollectError(metric: string): void {
    const found = this.collectErrors.get(metric);
    if (found === undefined) this.collectErrors.set(metric, { startMs: this.registryClock.now(), count: 1 });
    else found.count += 1;
  }

  private ownCounters(): FamilySnapshot[] {
    const folded: Point[] = [];
    for (const metric of this.allMetrics()) {
      if (metric.folded > 0) folded.push({ labels: { metric: metric.descriptor.name }, startMs: metric.createdMs, value: metric.folded });
    }
    const errors = [...this.collectErrors].map(([metric, { startMs, count }]) => ({ labels: { metric }, startMs, value: count }));
    const families: FamilySnapshot[] = [];
    if (folded.length > 0) families.push({ kind: 'counter', descriptor: OVERFLOW_FAMILY, series: folded });
    if (errors.length > 0) families.push({ kind: 'counter', descriptor: COLLECT_ERRORS_FAMILY, series: errors });
    return families;
  }

  private reserveOwnCounters(): void {
    for (const own of [OVERFLOW_FAMILY, COLLECT_ERRORS_FAMILY, RENDER_ERRORS_FAMILY]) {
      for (const name of this.reservedNames('counter', own.name)) this.reservedBy.set(name, own.name);
    }
  }

  private register<M extends AnyMetric>(kind: MetricKind, options: MetricOptions<string>, create: (d: Descriptor) => M): M {
    const descriptor = createDescriptor(kind, options, this.defaultLabels);
    const existing = this.checkRegistration(kind, descriptor);
    if (existing !== undefined) return existing as M;
    const metric = create(descriptor);
    const sibling = this.metricsByName.get(descriptor.name)?.[0];
    if (sibling !== undefined) {
      sibling.requireNonEmpty(onlyIn(sibling.descriptor, descriptor));
      metric.requireNonEmpty(onlyIn(descriptor, sibling.descriptor));
    }
    for (const name of this.reservedNames(kind, descriptor.name)) this.reservedBy.set(name, descriptor.name);
    this.metricsByName.set(descriptor.name, [...(this.metricsByName.get(descriptor.name) ?? []), metric]);
    return metric;
  }

  /**
   * The metric already registered for `descriptor`, or undefined when registering it is allowed.
   * @throws MetricConflictError when the name is taken by another shape or overlaps another's names.
   */
  private checkRegistration(kind: MetricKind, descriptor: Descriptor): AnyMetric | undefined {
    const siblings = this.metricsByName.get(descriptor.name) ?? [];
    const same = siblings.find((m) => m.descriptor.kind === kind);
    if (same !== undefined) {
      if (!isSameShape(same.descriptor, descriptor)) {
        throw new MetricConflictError(descriptor.name, describeShape(same.descriptor), describeShape(descriptor));
      }
      return same;
    }
    this.checkSharing(descriptor, siblings);
    for (const name of this.reservedNames(kind, descriptor.name)) {
      const owner = this.reservedBy.get(name);
      if (owner !== undefined && owner !== descriptor.name) {
        throw new MetricConflictError(descriptor.name, `the owner of "${name}" (${owner})`, describeShape(descriptor));
      }
    }
    return undefined;
  }

  /**
   * Refuses what absorbing `other` (a metric of a state being merged) would refuse halfway through the
   * merge: a series with an empty value for a label that the metric sharing its name here lacks (see
   * checkSharing).
   * @throws InvalidLabelError naming the label.
   */
  private checkEmptyValues(other: AnyMetric): void {
    const { name, kind } = other.descriptor;
    const sibling = this.metricsByName.get(name)?.find((metric) => metric.descriptor.kind !== kind);
    if (sibling === undefined) return;
    const label = onlyIn(other.descriptor, sibling.descriptor).find((own) => other.hasEmptyValue([own]));
    if (label === undefined) return;
    const reason = `may not be empty: a summary and a timer share this name here, and Prometheus reads an empty label as an absent one`;
    throw new InvalidLabelError(name, label, '', reason);
  }

  /**
   * A summary and a timer may share a base name if their label names differ; nothing else may. They
   * then write the same `_count` sample name, and Prometheus reads an empty label as an absent one, so
   * from then on each refuses an empty value for the labels only it has (see SeriesTable.requireNonEmpty);
   * an existing series with such an empty value refuses the sharing instead.
   */
  private checkSharing(descriptor: Descriptor, siblings: readonly AnyMetric[]): void {
    const other = siblings[0];
    if (other === undefined) return;
    const kinds = new Set([other.descriptor.kind, descriptor.kind]);
    const canShare = siblings.length === 1 && kinds.has('summary') && kinds.has('timer') && !sameLabelNames(other.descriptor.labelNames, descriptor.labelNames);
    if (!canShare) throw new MetricConflictError(descriptor.name, describeShape(other.descriptor), describeShape(descriptor));
    const ownLabels = onlyIn(other.descriptor, descriptor);
    if (other.hasEmptyValue(ownLabels)) {
      const existing = `${describeShape(other.descriptor)} with a series whose ${ownLabels.join(' or ')} is empty, which would read as the ${descriptor.kind}'s series`;
      throw new MetricConflictError(descriptor.name, existing, describeShape(descriptor));
    }
  }
}

function familyState(metric: AnyMetric, nowMs: number): FamilyState {
  const { kind, name, help, labelNames, constLabels } = metric.descriptor;
  const combine = metric instanceof Gauge ? { combine: metric.combine } : {};
  return { kind: kind as MetricKind, name, help, labelNames, constLabels, ...combine, folded: metric.folded, series: metric.seriesStates(nowMs) };
}

/**
 * How far ahead of the merging registry's clock a state's times may be: hosts kept by NTP differ by
 * milliseconds, and a few ticks of the rates (5 s each) ahead cost nothing visible. Why refuse beyond:
 * merging moves this registry's rates and decayed weights to the state's time, so a worker whose
 * clock says next year froze every one-minute rate here at 0 until then.
 */
export const MAX_STATE_AHEAD_MS = 60_000;

/** @throws InvalidValueError naming `timeMs` when it is after `notAfterMs` (see MAX_STATE_AHEAD_MS). */
function checkNotAhead(metric: string, timeMs: number, notAfterMs: number): void {
  if (timeMs <= notAfterMs) return;
  const aheadSeconds = Math.round((timeMs - notAfterMs + MAX_STATE_AHEAD_MS) / 1_000);
  throw new InvalidValueError(
    metric,
    timeMs,
    `is a time ${aheadSeconds} s ahead of this registry's clock (at most ${MAX_STATE_AHEAD_MS / 1_000} s allowed): a clock set wrong, or a made-up state`,
  );
}

/**
 * Refuses to merge a gauge into one that combines another way: the first source's way would win
 * silently, so the value would depend on which process merged first.
 * @throws MetricConflictError naming both ways.
 */
function checkSameCombine(existing: AnyMetric | undefined, merged: AnyMetric): void {
  if (!(existing instanceof Gauge) || !(merged instanceof Gauge) || existing.combine === merged.combine) return;
  throw new MetricConflictError(merged.descriptor.name, `gauge(combine: ${existing.combine})`, `gauge(combine: ${merged.combine})`);
}

function checkCombine(metric: string, combine: unknown): GaugeCombine {
  if (combine === undefined) return 'sum';
  if (GAUGE_COMBINES.includes(combine as GaugeCombine)) return combine as GaugeCombine;
  throw new InvalidValueError(metric, combine, `is not a way to combine gauges (allowed: ${GAUGE_COMBINES.join(', ')})`);
}

function checkDefaultLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new InvalidOptionError('registry', 'defaultLabels', labels, 'must be an object of label names to values');
  }
  for (const [label, value] of Object.entries(labels)) {
    checkLabelName('registry', label);
    if (typeof value !== 'string') throw new InvalidLabelError('registry', label, value, 'needs a string value');
    if (!isWellFormed(value)) throw new InvalidLabelError('registry', label, value, 'is not well-formed text: it holds a lone UTF-16 surrogate');
  }
  return { ...labels };
}

/** `value`, or `fallback` when undefined. @throws InvalidOptionError unless a whole number from 1 to `max`. */
function wholeOption(option: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const chosen = value ?? fallback;
  if (typeof chosen !== 'number' || !Number.isSafeInteger(chosen) || chosen < 1 || chosen > max) {
    throw new InvalidOptionError('registry', option, value, `must be a whole number from 1 to ${max}`);
  }
  return chosen;
}

/** Label names `a` has and `b` does not. */
function onlyIn(a: Descriptor, b: Descriptor): string[] {
  return a.labelNames.filter((label) => !b.labelNames.includes(label));
}
