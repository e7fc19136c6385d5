// Puts the AM catalogue on a registry it is given and guards closed label sets: a value AM does not
// document is refused before anything is recorded. The typed recorders sit on top of this.
import type { MetricRegistry as Registry } from '../registry/registry.js';
import type { Labels } from '../registry/labels.js';
import type { Summary } from '../registry/summary.js';
import type { Timer } from '../registry/timer.js';
import type { Gauge, GaugeChild } from '../registry/gauge.js';
import type { DistinctCounter } from '../registry/distinct-counter.js';
import { InvalidLabelError } from '../registry/errors.js';
import { CATALOG, type MetricSpec } from './catalog.js';

/** Checks the closed label sets of one catalogue metric. */
class LabelGuard {
  private readonly closedSets: ReadonlyArray<readonly [string, ReadonlySet<string>, readonly string[]]>;

  constructor(private readonly spec: MetricSpec) {
    this.closedSets = spec.labels.flatMap((l) => (l.values === undefined ? [] : [[l.name, new Set(l.values), l.values] as const]));
  }

  /** @throws InvalidLabelError listing the allowed values when a closed label has another value. */
  check(labels: Labels): void {
    for (const [name, allowed, list] of this.closedSets) {
      const value = labels[name];
      if (typeof value === 'string' && !allowed.has(value)) {
        throw new InvalidLabelError(this.spec.name, name, value, `got ${JSON.stringify(value)}`, list);
      }
    }
  }
}

/** A catalogue summary that refuses undocumented label values. */
export class GuardedSummary {
  constructor(
    private readonly summary: Summary,
    private readonly guard: LabelGuard,
  ) {}

  record(labels: Labels, amount = 1): void {
    this.guard.check(labels);
    this.summary.record(labels, amount);
  }

  recordEvents(labels: Labels, events: number): void {
    this.guard.check(labels);
    this.summary.recordEvents(labels, events);
  }

  /** Creates the series for `labels` at 0 without recording, so it is served before its first event. */
  declare(labels: Labels): void {
    this.guard.check(labels);
    this.summary.labels(labels);
  }
}

/** A catalogue timer that refuses undocumented label values. */
export class GuardedTimer {
  constructor(
    private readonly timer: Timer,
    private readonly guard: LabelGuard,
  ) {}

  observe(labels: Labels, seconds: number): void {
    this.guard.check(labels);
    this.timer.observe(labels, seconds);
  }

  /** Checks `labels` as `observe` would, recording nothing. @throws InvalidLabelError as `observe` does. */
  check(labels: Labels): void {
    this.guard.check(labels);
    this.timer.checkLabels(labels);
  }
}

/** A catalogue distinct counter that refuses undocumented label values. */
export class GuardedDistinct {
  constructor(
    private readonly counter: DistinctCounter,
    private readonly guard: LabelGuard,
  ) {}

  add(labels: Labels, value: string): void {
    this.guard.check(labels);
    this.counter.add(labels, value);
  }
}

/** A catalogue gauge without labels. */
export type NoLabels = Readonly<Record<string, never>>;

/**
 * The label values a catalogue metric takes: each closed label one of AM's values, open ones any
 * string; NoLabels for a metric without labels.
 */
export type SpecLabels<S extends MetricSpec> = S['labels'] extends readonly []
  ? NoLabels
  : {
      readonly [K in S['labels'][number] as K['name']]: K extends { readonly values: readonly (infer V)[] } ? V : string;
    };

/** The label argument of a StateGauge's methods: optional for a gauge without labels, else required. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{} extends L` asks whether every label of L is optional
export type StateGaugeLabels<L> = {} extends L ? [labels?: L] : [labels: L];

/**
 * A catalogue gauge for state the host owns: set it, move it, or hand it a function read at every
 * scrape (`track`). A tracked series follows its function; a function that throws fails the gauge's
 * family for that scrape (see Registry.collect). `L` types its labels, so a misspelt label or an
 * undocumented value of a closed set fails to compile.
 */
export class StateGauge<L extends Labels = Labels> {
  private readonly readers = new Map<string, { labels: Labels; read: () => number | Promise<number> }>();
  readonly gauge: Gauge;

  constructor(
    registry: Registry,
    spec: MetricSpec,
    constLabels: Labels,
    private readonly guard: LabelGuard,
  ) {
    this.gauge = registry.gauge({ ...descriptorOf(spec, constLabels), collect: () => this.readAll() });
  }

  /** The series for `labels`, to set or move by hand. @throws InvalidLabelError for undocumented values. */
  labels(...[labels]: StateGaugeLabels<L>): GaugeChild {
    const given: Labels = labels ?? {};
    this.guard.check(given);
    return this.gauge.labels(given);
  }

  /** Reads `read` at every scrape for the series `labels`. @throws InvalidLabelError as `labels` does. */
  track(read: () => number | Promise<number>, ...[labels]: StateGaugeLabels<L>): void {
    const given: Labels = labels ?? {};
    this.guard.check(given);
    this.gauge.labels(given);
    this.readers.set(JSON.stringify(Object.entries(given).sort()), { labels: given, read });
  }

  private async readAll(): Promise<void> {
    const values = await Promise.all([...this.readers.values()].map(async ({ labels, read }) => [labels, await read()] as const));
    for (const [labels, value] of values) this.gauge.set(labels, value);
  }
}

/** The catalogue's metrics on one registry, each with its closed label sets guarded. */
export class InstalledCatalog {
  private readonly bySpec = new Map<MetricSpec, GuardedSummary | GuardedTimer | GuardedDistinct | StateGauge>();

  constructor(
    readonly registry: Registry,
    constLabels: Labels,
  ) {
    for (const spec of CATALOG) this.bySpec.set(spec, guarded(registry, spec, constLabels, new LabelGuard(spec)));
  }

  summary(spec: MetricSpec): GuardedSummary {
    return this.find(spec, GuardedSummary);
  }

  timer(spec: MetricSpec): GuardedTimer {
    return this.find(spec, GuardedTimer);
  }

  distinct(spec: MetricSpec): GuardedDistinct {
    return this.find(spec, GuardedDistinct);
  }

  gauge<S extends MetricSpec>(spec: S): StateGauge<SpecLabels<S>> {
    return this.find(spec, StateGauge);
  }

  private find<T>(spec: MetricSpec, type: abstract new (...args: never[]) => T): T {
    const found = this.bySpec.get(spec);
    if (!(found instanceof type)) throw new Error(`${spec.name} is not a ${type.name} of the AM catalogue`);
    return found;
  }
}

function guarded(registry: Registry, spec: MetricSpec, constLabels: Labels, guard: LabelGuard) {
  const descriptor = descriptorOf(spec, constLabels);
  switch (spec.kind) {
    case 'summary':
      return new GuardedSummary(registry.summary(descriptor), guard);
    case 'timer':
      return new GuardedTimer(registry.timer(descriptor), guard);
    case 'distinct':
      return new GuardedDistinct(registry.distinctCounter(descriptor), guard);
    case 'gauge':
      return new StateGauge(registry, spec, constLabels, guard);
  }
}

function descriptorOf(spec: MetricSpec, constLabels: Labels) {
  return { name: spec.name, help: spec.help, labelNames: spec.labels.map((l) => l.name), constLabels };
}
