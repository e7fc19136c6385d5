// What an OTLP metrics request carries for one collection, before any wire format: which OTLP metric
// each AM family becomes, with which points. The protobuf and JSON writers only serialise it.
import type { Collection, FamilySnapshot, QuantileValue } from '../../registry/collection.js';
import type { Labels } from '../../registry/labels.js';
import { DeltaBaseline } from '../push/delta.js';
import { sumName, TIMER_UNIT_SUFFIX } from '../prometheus/sample-names.js';

/** How Sum points count: since the series started (`cumulative`) or since the previous push (`delta`). */
export type Temporality = 'cumulative' | 'delta';

/** The default temporality: Prometheus-style receivers such as Grafana Cloud's Mimir reject delta. */
export const DEFAULT_TEMPORALITY: Temporality = 'cumulative';

/** The instrumentation scope every request names. */
export const OTLP_SCOPE_NAME = 'am-metrics';

/** How Sum points count, and the baseline of delta points. */
export interface OtlpOptions {
  /** Default DEFAULT_TEMPORALITY. */
  readonly temporality?: Temporality | undefined;
  /** The collection of the previous push: the baseline of delta points. Unused when cumulative. */
  readonly previous?: Collection | undefined;
}

/** A Sum or Gauge point; times in epoch ms. */
export interface OtlpNumberPoint {
  readonly attributes: Labels;
  readonly startMs: number;
  readonly value: number;
}

/** A Summary point: cumulative count and sum since `startMs`, and the timer's quantiles in seconds. */
export interface OtlpSummaryPoint {
  readonly attributes: Labels;
  readonly startMs: number;
  readonly count: number;
  readonly sum: number;
  /** Only the quantiles with a value: an idle timer window has none. */
  readonly quantiles: readonly QuantileValue[];
}

/**
 * A Histogram point: `bounds` are the finite bucket bounds ascending, `bucketCounts` one more than
 * them (the last bucket is above every bound), each the observations in that bucket alone, not
 * cumulative as Prometheus buckets are (metrics.proto, "HistogramDataPoint").
 */
export interface OtlpHistogramPoint {
  readonly attributes: Labels;
  readonly startMs: number;
  readonly count: number;
  readonly sum: number;
  readonly bounds: readonly number[];
  readonly bucketCounts: readonly number[];
}

interface MetricBase {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
}

/** One OTLP metric, discriminated by its data type. */
export type OtlpMetric =
  | (MetricBase & { readonly type: 'sum'; readonly temporality: Temporality; readonly points: OtlpNumberPoint[] })
  | (MetricBase & { readonly type: 'gauge'; readonly points: OtlpNumberPoint[] })
  | (MetricBase & { readonly type: 'summary'; readonly points: OtlpSummaryPoint[] })
  | (MetricBase & { readonly type: 'histogram'; readonly temporality: Temporality; readonly points: OtlpHistogramPoint[] });

/** One request: a single resource and scope; every point is stamped with `timeMs`. */
export interface OtlpRequest {
  readonly timeMs: number;
  readonly resource: Labels;
  readonly metrics: readonly OtlpMetric[];
}

/**
 * Maps a collection to OTLP metrics, named as the Prometheus text profile `aic` names the samples,
 * so the same queries work on either path:
 * - summary X → monotonic Sums `X_count` and `X_sum`;
 * - timer X → Summary `X_seconds` (count, sum, quantiles; unit `s`). OTLP Summary has no
 *   temporality: its count and sum are cumulative (metrics.proto, "Summary") whatever `temporality` says;
 * - counter X → monotonic Sum `X_total`; gauge and distinct X → Gauge X;
 * - histogram X → Histogram X (timer buckets in seconds, unit `s` when X ends in `_seconds`), its
 *   bucket counts, count and sum cumulative or delta as `temporality` says.
 * Delta Sums count from the previous push (see DeltaBaseline); a series new since then, or reset,
 * counts in full from its own start.
 */
export function toOtlpRequest(collection: Collection, options: OtlpOptions = {}): OtlpRequest {
  const temporality = options.temporality ?? DEFAULT_TEMPORALITY;
  const baseline = temporality === 'delta' ? DeltaBaseline.of(options.previous) : undefined;
  const metrics: OtlpMetric[] = [];
  for (const family of collection.families) metrics.push(...familyMetrics(family, temporality, baseline));
  return { timeMs: collection.timeMs, resource: collection.resource, metrics };
}

function familyMetrics(family: FamilySnapshot, temporality: Temporality, baseline: DeltaBaseline | undefined): OtlpMetric[] {
  const { name, help } = family.descriptor;
  const sum = (metric: string, points: OtlpNumberPoint[]): OtlpMetric => ({ type: 'sum', name: metric, description: help, unit: '', temporality, points });
  switch (family.kind) {
    case 'summary': {
      const counts: OtlpNumberPoint[] = [];
      const sums: OtlpNumberPoint[] = [];
      for (const s of family.series) {
        const w = baseline?.window(family, s);
        counts.push({ attributes: s.labels, startMs: w?.startMs ?? s.startMs, value: s.count - (w?.already.count ?? 0) });
        sums.push({ attributes: s.labels, startMs: w?.startMs ?? s.startMs, value: s.sum - (w?.already.sum ?? 0) });
      }
      return [sum(`${name}_count`, counts), sum(sumName(name, 'aic'), sums)];
    }
    case 'timer': {
      const points = family.series.map((s): OtlpSummaryPoint => ({
        attributes: s.labels,
        startMs: s.startMs,
        count: s.count,
        sum: s.sum,
        quantiles: s.quantiles.filter((q) => !Number.isNaN(q.value)),
      }));
      return [{ type: 'summary', name: `${name}${TIMER_UNIT_SUFFIX}`, description: help, unit: 's', points }];
    }
    case 'counter': {
      const points = family.series.map((s): OtlpNumberPoint => {
        const w = baseline?.window(family, s);
        return { attributes: s.labels, startMs: w?.startMs ?? s.startMs, value: s.value - (w?.already.value ?? 0) };
      });
      return [sum(`${name}_total`, points)];
    }
    case 'gauge':
    case 'distinct': {
      const points = family.series.map((s): OtlpNumberPoint => ({ attributes: s.labels, startMs: s.startMs, value: s.value }));
      return [{ type: 'gauge', name, description: help, unit: '', points }];
    }
    case 'histogram': {
      const points = family.series.map((s): OtlpHistogramPoint => {
        const earlier = baseline?.earlier(family, s);
        const w = baseline?.window(family, s);
        const perBucket = (buckets: readonly { readonly count: number }[]) => buckets.map((b, i) => b.count - (i === 0 ? 0 : buckets[i - 1]!.count));
        const now = perBucket(s.buckets);
        const before = earlier === undefined || earlier.buckets.length !== s.buckets.length ? undefined : perBucket(earlier.buckets);
        return {
          attributes: s.labels,
          startMs: w?.startMs ?? s.startMs,
          count: s.count - (w?.already.count ?? 0),
          sum: s.sum - (w?.already.sum ?? 0),
          bounds: s.buckets.map((b) => b.le).filter((le) => Number.isFinite(le)),
          bucketCounts: now.map((n, i) => n - (before?.[i] ?? 0)),
        };
      });
      return [{ type: 'histogram', name, description: help, unit: name.endsWith(TIMER_UNIT_SUFFIX) ? 's' : '', temporality, points }];
    }
    default:
      return assertNever(family);
  }
}

function assertNever(value: never): never {
  throw new Error(`unknown family kind ${JSON.stringify(value)}`);
}
