// The registry: get-or-create metrics by descriptor, guard the names they expose, and collect
// snapshots of them all. Formatting is the exposition writer's job.
import { clockFrom, type Clock } from './clock.js';
import { createDescriptor, describeShape, isSameShape, sameLabelNames, checkLabelName, type MetricKind, type MetricOptions } from './descriptor.js';
import { InvalidLabelError, MetricConflictError } from './errors.js';
import { DEFAULT_MAX_SERIES } from './labels.js';
import type { MetricContext } from './metric.js';
import { Summary } from './summary.js';
import { Timer } from './timer.js';
import { Gauge, type GaugeCollect } from './gauge.js';
import { DistinctCounter } from './distinct-counter.js';
import type { CounterFamily, FamilySnapshot, Point } from './exposition/snapshot.js';
import { ExpositionWriter, type WriteOptions } from './exposition/prometheus-text.js';

/** How long a scrape waits for one computed gauge before counting it as failed. */
export const DEFAULT_COLLECT_TIMEOUT_MS = 5_000;
/** Yield to the event loop after this long collecting, so a large scrape never stalls other work. */
const COLLECT_SLICE_MS = 10;

export interface RegistryOptions {
  /** Wall-clock time in epoch ms; default `Date.now`. Also times `startTimer` when given. */
  readonly now?: () => number;
  /** Labels every series carries, e.g. `{ kubernetes_pod_name: 'am-0' }`. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  /** Label sets per metric before new ones fold into an overflow series; default DEFAULT_MAX_SERIES. */
  readonly maxSeriesPerMetric?: number;
  /** Bound on each computed gauge's callback per scrape; default DEFAULT_COLLECT_TIMEOUT_MS. */
  readonly collectTimeoutMs?: number;
}

export interface GaugeOptions extends MetricOptions {
  /** Computes the gauge at each scrape (see GaugeCollect). */
  readonly collect?: GaugeCollect;
}

/** A family that could not be collected, and why. */
export interface CollectFailure {
  readonly metric: string;
  readonly error: unknown;
}

/** What one collection produced: every family that could be read, and the ones that failed. */
export interface Collection {
  readonly families: readonly FamilySnapshot[];
  readonly failures: readonly CollectFailure[];
}

type AnyMetric = Summary | Timer | Gauge | DistinctCounter;

/** The registry's own counter families, reserved against user metrics. */
const OVERFLOW_FAMILY = 'am_metrics_overflow';
const COLLECT_ERRORS_FAMILY = 'am_metrics_collect_errors';

/**
 * Holds metrics and produces their snapshots and Prometheus text. Asking twice for the same name and
 * shape returns the same metric. Two metrics may share a base name only when one is a summary and the
 * other a timer with different label names (AM's `am_session`); any other overlap of exposed names
 * throws MetricConflictError.
 */
export class Registry {
  private readonly metricsByName = new Map<string, AnyMetric[]>();
  private readonly exposedBy = new Map<string, string>();
  private readonly collectErrors = new Map<string, number>();
  private readonly registryClock: Clock;
  private readonly context: MetricContext;
  private readonly defaultLabels: Readonly<Record<string, string>>;
  private readonly collectTimeoutMs: number;

  constructor(options: RegistryOptions = {}) {
    this.registryClock = clockFrom(options.now);
    this.defaultLabels = Object.freeze(checkDefaultLabels(options.defaultLabels ?? {}));
    this.context = { clock: this.registryClock, maxSeries: options.maxSeriesPerMetric ?? DEFAULT_MAX_SERIES };
    this.collectTimeoutMs = options.collectTimeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS;
    for (const reserved of [OVERFLOW_FAMILY, COLLECT_ERRORS_FAMILY]) {
      for (const name of [reserved, `${reserved}_total`]) this.exposedBy.set(name, reserved);
    }
  }

  /** Counts events and sums amounts (AM's summary). @throws InvalidNameError, MetricConflictError */
  summary(options: MetricOptions): Summary {
    return this.register('summary', options, (d) => new Summary(d, this.context));
  }

  /** Durations with recent-weighted quantiles (AM's timer). @throws InvalidNameError, MetricConflictError */
  timer(options: MetricOptions): Timer {
    return this.register('timer', options, (d) => new Timer(d, this.context));
  }

  /** A current value, set or computed at scrape time. @throws InvalidNameError, MetricConflictError */
  gauge(options: GaugeOptions): Gauge {
    return this.register('gauge', options, (d) => new Gauge(d, this.context, options.collect));
  }

  /** Estimated count of distinct values, exposed as a gauge. @throws InvalidNameError, MetricConflictError */
  distinctCounter(options: MetricOptions): DistinctCounter {
    return this.register('distinct', options, (d) => new DistinctCounter(d, this.context));
  }

  /** The default labels every series carries. */
  get labels(): Readonly<Record<string, string>> {
    return this.defaultLabels;
  }

  /** The clock this registry reads (for callers that measure durations they record themselves). */
  get clock(): Clock {
    return this.registryClock;
  }

  /**
   * Snapshots every metric in registration order. A computed gauge whose callback throws, rejects or
   * outlasts `collectTimeoutMs` is left out and reported in `failures` (and counted in the
   * `am_metrics_collect_errors_total` counter); the other families are unaffected.
   */
  async collect(): Promise<Collection> {
    const families: FamilySnapshot[] = [];
    const failures = await this.eachFamily((family) => families.push(family));
    return { families, failures };
  }

  /**
   * Prometheus text of every metric: format 0.0.4 and AIC names unless `options` say otherwise.
   * Families are rendered as they are collected, yielding to the event loop between them.
   */
  async metrics(options: WriteOptions = {}): Promise<string> {
    const writer = new ExpositionWriter(options);
    await this.eachFamily((family) => writer.add(family));
    return writer.finish();
  }

  /**
   * Snapshots each metric in registration order, then the registry's own counters, handing each to
   * `use`; yields to the event loop whenever COLLECT_SLICE_MS of work has passed. Returns the failures.
   */
  private async eachFamily(use: (family: FamilySnapshot) => void): Promise<CollectFailure[]> {
    const failures: CollectFailure[] = [];
    let sliceStart = this.registryClock.monotonic();
    for (const metric of this.allMetrics()) {
      try {
        use(metric instanceof Gauge && metric.isComputed ? await this.collectComputed(metric) : await metric.collect());
      } catch (error) {
        failures.push({ metric: metric.descriptor.name, error });
        this.collectErrors.set(metric.descriptor.name, (this.collectErrors.get(metric.descriptor.name) ?? 0) + 1);
      }
      if (this.registryClock.monotonic() - sliceStart > COLLECT_SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = this.registryClock.monotonic();
      }
    }
    for (const family of this.ownCounters()) use(family);
    return failures;
  }

  private *allMetrics(): IterableIterator<AnyMetric> {
    for (const metrics of this.metricsByName.values()) yield* metrics;
  }

  private async collectComputed(gauge: Gauge): Promise<FamilySnapshot> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`collect callback took longer than ${this.collectTimeoutMs} ms`)), this.collectTimeoutMs);
    });
    try {
      return await Promise.race([gauge.collect(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private ownCounters(): CounterFamily[] {
    const folded: Point[] = [];
    for (const metric of this.allMetrics()) {
      if (metric.folded > 0) folded.push({ labels: this.withDefaults({ metric: metric.descriptor.name }), value: metric.folded });
    }
    const errors = [...this.collectErrors].map(([metric, value]) => ({ labels: this.withDefaults({ metric }), value }));
    const families: CounterFamily[] = [];
    if (folded.length > 0) {
      families.push({ kind: 'counter', name: OVERFLOW_FAMILY, help: 'Observations recorded into a metric\'s overflow series because it reached its label-set limit.', series: folded });
    }
    if (errors.length > 0) {
      families.push({ kind: 'counter', name: COLLECT_ERRORS_FAMILY, help: 'Scrapes in which a computed gauge failed or timed out; the family was left out of them.', series: errors });
    }
    return families;
  }

  private withDefaults(labels: Record<string, string>): Readonly<Record<string, string>> {
    return Object.freeze({ ...this.defaultLabels, ...labels });
  }

  private register<M extends AnyMetric>(kind: MetricKind, options: MetricOptions, create: (d: ReturnType<typeof createDescriptor>) => M): M {
    const descriptor = createDescriptor(kind, options, this.defaultLabels);
    const siblings = this.metricsByName.get(descriptor.name) ?? [];
    const same = siblings.find((m) => m.descriptor.kind === kind);
    if (same !== undefined) {
      if (!isSameShape(same.descriptor, descriptor)) {
        throw new MetricConflictError(descriptor.name, describeShape(same.descriptor), describeShape(descriptor));
      }
      return same as M;
    }
    this.checkSharing(descriptor, siblings);
    const exposed = exposedNames(kind, descriptor.name);
    for (const name of exposed) {
      const owner = this.exposedBy.get(name);
      if (owner !== undefined && owner !== descriptor.name) {
        throw new MetricConflictError(descriptor.name, `the owner of "${name}" (${owner})`, describeShape(descriptor));
      }
    }
    const metric = create(descriptor);
    for (const name of exposed) this.exposedBy.set(name, descriptor.name);
    this.metricsByName.set(descriptor.name, [...siblings, metric]);
    return metric;
  }

  /** A summary and a timer may share a base name if their label names differ; nothing else may. */
  private checkSharing(descriptor: ReturnType<typeof createDescriptor>, siblings: readonly AnyMetric[]): void {
    const other = siblings[0];
    if (other === undefined) return;
    const kinds = new Set([other.descriptor.kind, descriptor.kind]);
    const canShare = siblings.length === 1 && kinds.has('summary') && kinds.has('timer') && !sameLabelNames(other.descriptor.labelNames, descriptor.labelNames);
    if (!canShare) throw new MetricConflictError(descriptor.name, describeShape(other.descriptor), describeShape(descriptor));
  }
}

/** Every family and sample name a metric may write, in either naming profile. */
function exposedNames(kind: MetricKind, name: string): string[] {
  switch (kind) {
    case 'summary':
      return [name, `${name}_sum`, `${name}_count`, `${name}_total`];
    case 'timer':
      return [name, `${name}_count`, `${name}_seconds`, `${name}_seconds_sum`, `${name}_seconds_count`, `${name}_seconds_total`];
    case 'gauge':
    case 'distinct':
      return [name];
  }
}

function checkDefaultLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  for (const [label, value] of Object.entries(labels)) {
    checkLabelName('registry', label);
    if (typeof value !== 'string') throw new InvalidLabelError('registry', label, value, 'needs a string value');
  }
  return { ...labels };
}
