// Node.js process and runtime metrics (CPU, memory, heap, event-loop lag, GC, handles) from prom-client's
// default collectors, converted into this registry's data model so every format and profile holds.
// The only runtime file that imports prom-client; the registry sees a FamilyCollector.
import client from 'prom-client';
import type { FamilyCollector } from '../registry/registry.js';
import type { BucketCount, FamilySnapshot, HistogramSeries, Point } from '../registry/collection.js';
import type { Descriptor } from '../registry/descriptor.js';
import type { Labels } from '../registry/labels.js';
import { InvalidOptionError } from '../registry/errors.js';

/** The collector's name in a collection's `failures` and in `am_metrics_collect_errors_total`. */
export const RUNTIME_COLLECTOR_NAME = 'nodejs_runtime';

/**
 * prom-client gauges left out: their `_total` suffix is reserved for counters (promtool rejects them),
 * and each is the sum over `type` of the gauge without the suffix (`sum(nodejs_active_handles)`).
 */
export const LEFT_OUT_RUNTIME_METRICS: readonly string[] = Object.freeze([
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
]);

export interface RuntimeMetricsOptions {
  /** Wall-clock epoch ms for the series' start times; default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /** GC duration buckets in seconds, increasing, each finite and above 0; default prom-client's (0.001, 0.01, 0.1, 1, 2, 5). */
  readonly gcDurationBuckets?: readonly number[] | undefined;
}

type PromMetric = Awaited<ReturnType<client.Registry['getMetricsAsJSON']>>[number];
type PromValue = PromMetric['values'][number] & { metricName?: string };

/**
 * A collector reading prom-client's default collectors at each collection: counters
 * (`process_cpu_seconds_total`), gauges (`process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`,
 * `nodejs_heap_size_used_bytes`, `nodejs_active_handles`, …) and the `nodejs_gc_duration_seconds`
 * histogram, under prom-client's names, which it declares (`families`) so a registry refuses a metric
 * of the same name. The collectors run on a prom-client registry of this module's (nothing else
 * writes to it), started at the first call with given `gcDurationBuckets` and shared by every later
 * call with the same buckets (see startedRegisters): event-loop and GC monitoring run from then on,
 * for the life of the process, however many registries ask.
 * @throws InvalidOptionError for `gcDurationBuckets` that are not increasing positive finite numbers
 *   (prom-client would serve `le="NaN"` or the same `le` twice), or a `now` that is not a function;
 *   nothing is started then.
 */
export function nodeRuntimeCollector(options: RuntimeMetricsOptions = {}): FamilyCollector {
  const gcDurationBuckets = options.gcDurationBuckets === undefined ? {} : { gcDurationBuckets: checkedBuckets(options.gcDurationBuckets) };
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new InvalidOptionError(RUNTIME_COLLECTOR_NAME, 'now', now, 'must be a function returning epoch milliseconds');
  const converter = new FamilyConverter(now());
  const register = defaultMetricsRegister(gcDurationBuckets.gcDurationBuckets);
  return {
    name: RUNTIME_COLLECTOR_NAME,
    families: register
      .getMetricsAsArray()
      .filter((m) => !LEFT_OUT_RUNTIME_METRICS.includes(m.name))
      .map((m) =>
        String(m.type) === 'counter' ? { kind: 'counter', name: m.name.replace(/_total$/, '') } : { kind: String(m.type) as 'gauge' | 'histogram', name: m.name },
      ),
    async collect() {
      const metrics = await register.getMetricsAsJSON();
      return metrics.filter((m) => !LEFT_OUT_RUNTIME_METRICS.includes(m.name)).flatMap((m) => converter.family(m));
    },
  };
}

/**
 * prom-client registers with the default collectors running, one per GC bucket list (JSON, or `null`
 * for prom-client's). Why shared: prom-client gives no way to stop what `collectDefaultMetrics`
 * starts (an event-loop delay monitor and a GC PerformanceObserver), so a collector started per call
 * leaked both for every registry or test that asked; sharing bounds them to one per bucket list.
 */
const startedRegisters = new Map<string, client.Registry>();

function defaultMetricsRegister(gcDurationBuckets: number[] | undefined): client.Registry {
  const key = JSON.stringify(gcDurationBuckets ?? null);
  let register = startedRegisters.get(key);
  if (register === undefined) {
    register = new client.Registry();
    client.collectDefaultMetrics({ register, ...(gcDurationBuckets === undefined ? {} : { gcDurationBuckets }) });
    startedRegisters.set(key, register);
  }
  return register;
}

function checkedBuckets(buckets: unknown): number[] {
  const isIncreasing =
    Array.isArray(buckets) && buckets.every((le, i) => typeof le === 'number' && Number.isFinite(le) && le > (i === 0 ? 0 : (buckets[i - 1] as number)));
  if (!isIncreasing) throw new InvalidOptionError(RUNTIME_COLLECTOR_NAME, 'gcDurationBuckets', buckets, 'must be a list of increasing finite numbers above 0 (seconds)');
  return [...(buckets as readonly number[])];
}

/** Turns prom-client's JSON into families; keeps descriptors and label objects stable across scrapes. */
class FamilyConverter {
  private readonly descriptors = new Map<string, Descriptor>();
  private readonly labelSets = new Map<string, Labels>();

  constructor(private readonly startMs: number) {}

  family(metric: PromMetric): FamilySnapshot[] {
    const values = metric.values as PromValue[];
    switch (
      String(metric.type) // strings at run time, whatever prom-client's types say
    ) {
      case 'counter': {
        const name = metric.name.replace(/_total$/, '');
        return [{ kind: 'counter', descriptor: this.descriptor('counter', name, metric.help, values), series: this.points(values) }];
      }
      case 'gauge':
        return [{ kind: 'gauge', descriptor: this.descriptor('gauge', metric.name, metric.help, values), series: this.points(values) }];
      case 'histogram':
        return [{ kind: 'histogram', descriptor: this.descriptor('histogram', metric.name, metric.help, values), series: this.histograms(metric.name, values) }];
      default:
        return []; // prom-client's default collectors make no summaries
    }
  }

  private points(values: readonly PromValue[]): Point[] {
    return values.map((v) => ({ labels: this.labels(v.labels), startMs: this.startMs, value: v.value }));
  }

  /** Groups `_bucket`, `_sum` and `_count` samples by their labels (`le` apart) into series. */
  private histograms(name: string, values: readonly PromValue[]): HistogramSeries[] {
    const series = new Map<Labels, { buckets: BucketCount[]; sum: number; count: number }>();
    for (const v of values) {
      const { le, ...rest } = v.labels as Record<string, string | number>;
      const labels = this.labels(rest);
      let s = series.get(labels);
      if (s === undefined) series.set(labels, (s = { buckets: [], sum: 0, count: 0 }));
      if (v.metricName === `${name}_bucket`) s.buckets.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: v.value });
      else if (v.metricName === `${name}_sum`) s.sum = v.value;
      else if (v.metricName === `${name}_count`) s.count = v.value;
    }
    return [...series].map(([labels, s]) => ({ labels, startMs: this.startMs, ...s, buckets: s.buckets.sort((a, b) => a.le - b.le) }));
  }

  private descriptor(kind: 'counter' | 'gauge' | 'histogram', name: string, help: string, values: readonly PromValue[]): Descriptor {
    const labelNames = [...new Set(values.flatMap((v) => Object.keys(v.labels)))].filter((l) => l !== 'le').sort();
    const key = `${kind} ${name} ${labelNames.join(',')}`;
    let found = this.descriptors.get(key);
    if (found === undefined) {
      found = Object.freeze({ kind, name, help, labelNames: Object.freeze(labelNames), constLabels: Object.freeze({}) });
      this.descriptors.set(key, found);
    }
    return found;
  }

  /** Label values as strings (prom-client gives `nodejs_version_info` numbers), one object per set. */
  private labels(raw: Readonly<Record<string, string | number | undefined>>): Labels {
    const entries = Object.entries(raw)
      .filter((e): e is [string, string | number] => e[1] !== undefined)
      .map(([k, v]) => [k, String(v)] as const);
    const key = JSON.stringify(entries);
    let found = this.labelSets.get(key);
    if (found === undefined) {
      found = Object.freeze(Object.fromEntries(entries));
      this.labelSets.set(key, found);
    }
    return found;
  }
}
