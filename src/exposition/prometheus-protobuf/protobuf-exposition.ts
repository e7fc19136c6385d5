// Writes a Collection in Prometheus' protobuf exposition (delimited MetricFamily messages), which a
// Prometheus with native histograms enabled asks for: timer buckets go out as native histograms, every
// other sample under exactly the name the text formats give it. Pure: no I/O.
import type { Collection, FamilySnapshot, HistogramSeries, NativeBuckets, Point } from '../../registry/collection.js';
import type { Labels } from '../../registry/labels.js';
import { sumName, TIMER_UNIT_SUFFIX, type NamingProfile } from '../prometheus/sample-names.js';
import { forEachSliced } from '../../registry/time-slice.js';
import { METRIC_FAMILY } from './metric-family-schema.js';

/** The content type of this exposition, as Prometheus asks for it and as it is answered. */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

type MetricType = 'COUNTER' | 'GAUGE' | 'UNTYPED' | 'HISTOGRAM';
/** metrics.proto's MetricType numbers; plain objects are encoded as they are, so enums go in as numbers. */
const METRIC_TYPES: Readonly<Record<MetricType, number>> = { COUNTER: 0, GAUGE: 1, UNTYPED: 3, HISTOGRAM: 4 };

/** One MetricFamily message as plain data (protobufjs field names). */
export interface MetricFamilyMessage {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly metric: Record<string, unknown>[];
}

/**
 * The MetricFamily messages of a collection, every series with the resource labels. AM's summary and
 * timer samples (`X_count`, `X_sum` or `X_total`, `X_seconds{quantile}`, `X_seconds_sum`) are untyped
 * families of exactly those names, since a protobuf summary would add samples AM does not write;
 * gauges are gauges, the registry's counters `X_total` counters. Histograms with native buckets are
 * native histograms (Prometheus ≥ 2.40 with `--enable-feature=native-histograms` stores them as
 * one series each); others keep classic buckets. Families sharing a name are merged, as in text.
 */
export function metricFamilies(collection: Collection, profile: NamingProfile = 'aic'): MetricFamilyMessage[] {
  const families = new FamilyMessages(collection.resource, profile);
  for (const family of collection.families) families.add(family);
  return families.all();
}

/** The delimited protobuf exposition of a collection: each MetricFamily length-prefixed, in order. */
export function writePrometheusProtobuf(collection: Collection, options: { profile?: NamingProfile } = {}): Uint8Array {
  return Buffer.concat(metricFamilies(collection, options.profile).map(encodeFamily));
}

/**
 * The same bytes, built family by family and encoded message by message with a yield to the event loop
 * whenever a slice of work has passed (see forEachSliced), as the text render does.
 */
export async function renderPrometheusProtobuf(collection: Collection, options: { profile?: NamingProfile } = {}): Promise<Uint8Array> {
  const families = new FamilyMessages(collection.resource, options.profile ?? 'aic');
  const now = (): number => performance.now();
  await forEachSliced(collection.families, (family) => families.add(family), now);
  const parts: Uint8Array[] = [];
  await forEachSliced(families.all(), (family) => void parts.push(encodeFamily(family)), now);
  return Buffer.concat(parts);
}

function encodeFamily(family: MetricFamilyMessage): Uint8Array {
  return METRIC_FAMILY.encodeDelimited({ ...family, type: METRIC_TYPES[family.type] }).finish();
}

/** MetricFamily messages by name, in the order names first appear; families sharing a name merge. */
class FamilyMessages {
  private readonly families = new Map<string, MetricFamilyMessage>();

  constructor(
    private readonly resource: Labels,
    private readonly profile: NamingProfile,
  ) {}

  add(family: FamilySnapshot): void {
    addFamily(family, this.resource, this.profile, (name, type, help, metric) => {
      let found = this.families.get(name);
      if (found === undefined) this.families.set(name, (found = { name, help, type, metric: [] }));
      found.metric.push(metric);
    });
  }

  all(): MetricFamilyMessage[] {
    return [...this.families.values()];
  }
}

type Add = (name: string, type: MetricType, help: string, metric: Record<string, unknown>) => void;

function addFamily(family: FamilySnapshot, resource: Labels, profile: NamingProfile, add: Add): void {
  const { name, help } = family.descriptor;
  const untyped = (sample: string, labels: Labels, value: number, extra: Labels = {}): void =>
    add(sample, 'UNTYPED', help, { label: labelPairs(resource, labels, extra), untyped: { value } });
  switch (family.kind) {
    case 'summary':
      for (const s of family.series) {
        untyped(sumName(name, profile), s.labels, s.sum);
        untyped(`${name}_count`, s.labels, s.count);
      }
      return;
    case 'timer': {
      const seconds = `${name}${TIMER_UNIT_SUFFIX}`;
      for (const s of family.series) {
        for (const { quantile, value } of s.quantiles) untyped(seconds, s.labels, value, { quantile: String(quantile) });
        untyped(sumName(seconds, profile), s.labels, s.sum);
        untyped(`${name}_count`, s.labels, s.count);
      }
      return;
    }
    case 'histogram':
      for (const s of family.series) add(name, 'HISTOGRAM', help, { label: labelPairs(resource, s.labels), histogram: histogramOf(s) });
      return;
    case 'gauge':
    case 'distinct':
      addPoints(family.series, (p) => add(name, 'GAUGE', help, { label: labelPairs(resource, p.labels), gauge: { value: p.value } }));
      return;
    case 'counter':
      addPoints(family.series, (p) => add(`${name}_total`, 'COUNTER', help, { label: labelPairs(resource, p.labels), counter: { value: p.value } }));
      return;
  }
}

function addPoints(points: readonly Point[], add: (point: Point) => void): void {
  for (const p of points) add(p);
}

/** A native histogram when the series has native buckets, else a classic one (`+Inf` left implicit). */
function histogramOf(s: HistogramSeries): Record<string, unknown> {
  const base = { sample_count: s.count, sample_sum: s.sum };
  if (s.native === undefined) {
    const bucket = s.buckets.filter((b) => Number.isFinite(b.le)).map((b) => ({ cumulative_count: b.count, upper_bound: b.le }));
    return { ...base, bucket };
  }
  return { ...base, ...nativeFields(s.native) };
}

/**
 * Schema, zero bucket, and the non-empty buckets as spans plus count deltas (each bucket's count minus
 * the previous listed bucket's), as metrics.proto's Histogram encodes them.
 */
export function nativeFields(native: NativeBuckets): Record<string, unknown> {
  const spans: { offset: number; length: number }[] = [];
  const deltas: number[] = [];
  let previous: readonly [number, number] | undefined;
  for (const bucket of native.positive) {
    const [index, count] = bucket;
    const last = spans[spans.length - 1];
    if (previous !== undefined && last !== undefined && index === previous[0] + 1) last.length += 1;
    else spans.push({ offset: previous === undefined ? index : index - previous[0] - 1, length: 1 });
    deltas.push(count - (previous?.[1] ?? 0));
    previous = bucket;
  }
  return { schema: native.schema, zero_threshold: native.zeroThreshold, zero_count: native.zeroCount, positive_span: spans, positive_delta: deltas };
}

function labelPairs(resource: Labels, labels: Labels, extra: Labels = {}): { name: string; value: string }[] {
  const all = { ...resource, ...labels, ...extra };
  return Object.keys(all)
    .sort()
    .map((name) => ({ name, value: all[name] as string }));
}
