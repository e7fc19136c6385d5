// Writes a Collection in Prometheus' protobuf exposition (delimited MetricFamily messages), which a
// Prometheus with native histograms enabled asks for: timer buckets go out as native histograms, every
// other sample under exactly the name the text formats give it. Pure: no I/O.
import type { Collection, FamilySnapshot, HistogramSeries, NativeBuckets, Point } from '../../registry/collection.js';
import type { Labels } from '../../registry/labels.js';
import { sumName, TIMER_UNIT_SUFFIX, type NamingProfile } from '../prometheus/sample-names.js';
import { forEachSliced } from '../../registry/time-slice.js';
import { createWriter, fieldKey, type ProtobufWriter } from '../push/protobuf-writer.js';

/** The content type of this exposition, as Prometheus asks for it and as it is answered. */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

type MetricType = 'COUNTER' | 'GAUGE' | 'UNTYPED' | 'HISTOGRAM';
/** metrics.proto's MetricType numbers. */
const METRIC_TYPES: Readonly<Record<MetricType, number>> = { COUNTER: 0, GAUGE: 1, UNTYPED: 3, HISTOGRAM: 4 };

/** One MetricFamily message as plain data, with metrics.proto's field names. */
export interface MetricFamilyMessage {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly metric: MetricMessage[];
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

/**
 * One MetricFamily, length-prefixed. Field numbers as in prometheus/client_model
 * io/prometheus/client/metrics.proto; each message's fields in field-number order, a field written
 * whenever it is present (zeros included), repeated numbers packed.
 */
function encodeFamily(family: MetricFamilyMessage): Uint8Array {
  const writer = createWriter();
  writer.fork();
  writer.uint32(fieldKey.delimited(1)).string(family.name);
  writer.uint32(fieldKey.delimited(2)).string(family.help);
  writer.uint32(fieldKey.varint(3)).int32(METRIC_TYPES[family.type]);
  for (const metric of family.metric) {
    writer.uint32(fieldKey.delimited(4)).fork();
    writeMetric(writer, metric);
    writer.join();
  }
  // The delimited exposition prefixes each message with its length: the outer fork's join does it.
  return writer.join().finish();
}

/** metrics.proto's Metric, the fields this exporter writes. */
export interface MetricMessage {
  readonly label: readonly { name: string; value: string }[];
  readonly gauge?: { value: number };
  readonly counter?: { value: number };
  readonly untyped?: { value: number };
  readonly histogram?: HistogramMessage;
}
/** metrics.proto's Histogram: classic buckets, or the native fields (schema, zero bucket, spans, deltas). */
export interface HistogramMessage {
  readonly sample_count: number;
  readonly sample_sum: number;
  readonly bucket?: readonly { cumulative_count: number; upper_bound: number }[];
  readonly schema?: number;
  readonly zero_threshold?: number;
  readonly zero_count?: number;
  readonly positive_span?: readonly { offset: number; length: number }[];
  readonly positive_delta?: readonly number[];
}

function writeMetric(writer: ProtobufWriter, metric: MetricMessage): void {
  for (const { name, value } of metric.label) {
    writer.uint32(fieldKey.delimited(1)).fork();
    writer.uint32(fieldKey.delimited(1)).string(name);
    writer.uint32(fieldKey.delimited(2)).string(value);
    writer.join();
  }
  const single = (field: number, value: number): void => {
    writer.uint32(fieldKey.delimited(field)).fork();
    writer.uint32(fieldKey.fixed64(1)).double(value);
    writer.join();
  };
  if (metric.gauge !== undefined) single(2, metric.gauge.value);
  if (metric.counter !== undefined) single(3, metric.counter.value);
  if (metric.untyped !== undefined) single(5, metric.untyped.value);
  if (metric.histogram !== undefined) {
    writer.uint32(fieldKey.delimited(7)).fork();
    writeHistogram(writer, metric.histogram);
    writer.join();
  }
}

/**
 * A count as metrics.proto's uint64 holds it: whole and not negative. The wire writer refuses anything
 * else (it converts through BigInt), and one odd series from a host's collector must not fail the
 * scrape; fractions are cut off and NaN or a negative count is written as 0, as protobufjs did.
 */
function wholeCount(count: number): number {
  return Number.isFinite(count) && count > 0 ? Math.trunc(count) : 0;
}

function writeHistogram(writer: ProtobufWriter, h: HistogramMessage): void {
  writer.uint32(fieldKey.varint(1)).uint64(wholeCount(h.sample_count));
  writer.uint32(fieldKey.fixed64(2)).double(h.sample_sum);
  for (const b of h.bucket ?? []) {
    writer.uint32(fieldKey.delimited(3)).fork();
    writer.uint32(fieldKey.varint(1)).uint64(wholeCount(b.cumulative_count));
    writer.uint32(fieldKey.fixed64(2)).double(b.upper_bound);
    writer.join();
  }
  if (h.schema !== undefined) writer.uint32(fieldKey.varint(5)).sint32(h.schema);
  if (h.zero_threshold !== undefined) writer.uint32(fieldKey.fixed64(6)).double(h.zero_threshold);
  if (h.zero_count !== undefined) writer.uint32(fieldKey.varint(7)).uint64(wholeCount(h.zero_count));
  for (const span of h.positive_span ?? []) {
    writer.uint32(fieldKey.delimited(12)).fork();
    writer.uint32(fieldKey.varint(1)).sint32(span.offset);
    writer.uint32(fieldKey.varint(2)).uint32(span.length);
    writer.join();
  }
  if (h.positive_delta !== undefined && h.positive_delta.length > 0) {
    writer.uint32(fieldKey.delimited(13)).fork();
    for (const delta of h.positive_delta) writer.sint64(Number.isFinite(delta) ? Math.trunc(delta) : 0);
    writer.join();
  }
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

type Add = (name: string, type: MetricType, help: string, metric: MetricMessage) => void;

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
function histogramOf(s: HistogramSeries): HistogramMessage {
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
export function nativeFields(native: NativeBuckets): Required<Omit<HistogramMessage, 'sample_count' | 'sample_sum' | 'bucket'>> {
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
