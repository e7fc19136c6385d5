// Writes an OTLP/HTTP metrics request (ExportMetricsServiceRequest) as protobuf. Field numbers are
// those of opentelemetry-proto's metrics.proto, common.proto and resource.proto, cited per message.
import type { Collection } from '../../registry/collection.js';
import type { Labels } from '../../registry/labels.js';
import { createWriter, fieldKey, writeFixed64, writeFixed64Nanos, type ProtobufWriter } from '../push/protobuf-writer.js';
import { OTLP_SCOPE_NAME, toOtlpRequest, type OtlpMetric, type OtlpNumberPoint, type OtlpOptions, type OtlpSummaryPoint, type OtlpHistogramPoint } from './otlp-model.js';

/** `Content-Type` of an OTLP/HTTP protobuf request. */
export const OTLP_PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';

/** AggregationTemporality enum values (metrics.proto). */
const TEMPORALITY = { delta: 1, cumulative: 2 } as const;

const { delimited: DELIMITED, fixed64: FIXED64, varint: VARINT } = fieldKey;

/**
 * Encodes a collection as one OTLP/HTTP protobuf request body: one resource (the collection's
 * `resource` labels as string attributes), one scope, the metrics `toOtlpRequest` maps. Pure: the
 * time of every point is the collection's. Timers go out as OTLP Summary points, which the official
 * JavaScript serializer leaves out. Not compressed; the transport gzips.
 */
export function encodeOtlpProtobuf(collection: Collection, options: OtlpOptions = {}): Uint8Array {
  const request = toOtlpRequest(collection, options);
  const w = createWriter();
  w.uint32(DELIMITED(1)).fork(); // ExportMetricsServiceRequest.resource_metrics
  w.uint32(DELIMITED(1)).fork(); // ResourceMetrics.resource
  w.raw(attributeFields(1, request.resource)); // Resource.attributes
  w.join();
  w.uint32(DELIMITED(2)).fork(); // ResourceMetrics.scope_metrics
  w.uint32(DELIMITED(1)).fork().uint32(DELIMITED(1)).string(OTLP_SCOPE_NAME).join(); // ScopeMetrics.scope, InstrumentationScope.name
  for (const metric of request.metrics) writeMetric(w, metric, request.timeMs);
  w.join();
  w.join();
  return w.finish();
}

/** Metric: name 1, description 2, unit 3, gauge 5, sum 7, histogram 9, summary 11 (ScopeMetrics.metrics is field 2). */
function writeMetric(w: ProtobufWriter, metric: OtlpMetric, timeMs: number): void {
  w.uint32(DELIMITED(2)).fork();
  w.uint32(DELIMITED(1)).string(metric.name);
  if (metric.description !== '') w.uint32(DELIMITED(2)).string(metric.description);
  if (metric.unit !== '') w.uint32(DELIMITED(3)).string(metric.unit);
  switch (metric.type) {
    case 'gauge': // Gauge: data_points 1
      w.uint32(DELIMITED(5)).fork();
      for (const p of metric.points) writeNumberPoint(w, p, timeMs);
      w.join();
      break;
    case 'sum': // Sum: data_points 1, aggregation_temporality 2, is_monotonic 3
      w.uint32(DELIMITED(7)).fork();
      for (const p of metric.points) writeNumberPoint(w, p, timeMs);
      w.uint32(VARINT(2)).uint32(TEMPORALITY[metric.temporality]);
      w.uint32(VARINT(3)).bool(true);
      w.join();
      break;
    case 'summary': // Summary: data_points 1
      w.uint32(DELIMITED(11)).fork();
      for (const p of metric.points) writeSummaryPoint(w, p, timeMs);
      w.join();
      break;
    case 'histogram': // Histogram: data_points 1, aggregation_temporality 2
      w.uint32(DELIMITED(9)).fork();
      for (const p of metric.points) writeHistogramPoint(w, p, timeMs);
      w.uint32(VARINT(2)).uint32(TEMPORALITY[metric.temporality]);
      w.join();
      break;
  }
  w.join();
}

/** NumberDataPoint: attributes 7, start_time_unix_nano 2, time_unix_nano 3, as_double 4. */
function writeNumberPoint(w: ProtobufWriter, p: OtlpNumberPoint, timeMs: number): void {
  w.uint32(DELIMITED(1)).fork();
  w.raw(attributeFields(7, p.attributes));
  w.uint32(FIXED64(2));
  writeFixed64Nanos(w, p.startMs);
  w.uint32(FIXED64(3));
  writeFixed64Nanos(w, timeMs);
  w.uint32(FIXED64(4)).double(p.value);
  w.join();
}

/**
 * Opens a data point (field 1 of its Summary or Histogram) and writes what Summary and Histogram points
 * share: attributes (`attributesField`: 7 or 9), start_time_unix_nano 2, time_unix_nano 3, count 4
 * (fixed64) and sum 5. The caller writes the rest and closes the point with `join()`.
 */
function writeCountSumHead(
  w: ProtobufWriter,
  attributesField: number,
  p: { attributes: OtlpSummaryPoint['attributes']; startMs: number; count: number; sum: number },
  timeMs: number,
): void {
  w.uint32(DELIMITED(1)).fork();
  w.raw(attributeFields(attributesField, p.attributes));
  w.uint32(FIXED64(2));
  writeFixed64Nanos(w, p.startMs);
  w.uint32(FIXED64(3));
  writeFixed64Nanos(w, timeMs);
  w.uint32(FIXED64(4));
  writeFixed64(w, p.count);
  w.uint32(FIXED64(5)).double(p.sum);
}

/**
 * SummaryDataPoint: attributes 7, start_time_unix_nano 2, time_unix_nano 3, count 4 (fixed64),
 * sum 5, quantile_values 6 (ValueAtQuantile: quantile 1, value 2).
 */
function writeSummaryPoint(w: ProtobufWriter, p: OtlpSummaryPoint, timeMs: number): void {
  writeCountSumHead(w, 7, p, timeMs);
  for (const q of p.quantiles) {
    w.uint32(DELIMITED(6)).fork().uint32(FIXED64(1)).double(q.quantile).uint32(FIXED64(2)).double(q.value).join();
  }
  w.join();
}

/**
 * HistogramDataPoint: attributes 9, start_time_unix_nano 2, time_unix_nano 3, count 4 (fixed64),
 * sum 5, bucket_counts 6 (packed fixed64), explicit_bounds 7 (packed double).
 */
function writeHistogramPoint(w: ProtobufWriter, p: OtlpHistogramPoint, timeMs: number): void {
  writeCountSumHead(w, 9, p, timeMs);
  w.uint32(DELIMITED(6)).fork();
  for (const n of p.bucketCounts) writeFixed64(w, n);
  w.join();
  if (p.bounds.length > 0) {
    w.uint32(DELIMITED(7)).fork();
    for (const le of p.bounds) w.double(le);
    w.join();
  }
  w.join();
}

const encodedAttributes = new Map<number, WeakMap<Labels, Uint8Array>>();
/** Writes attribute blocks; `finish()` copies them out and resets it. */
const scratch = createWriter();

/**
 * Labels as repeated KeyValue field `field` (KeyValue: key 1, value 2 = AnyValue.string_value 1),
 * sorted by key, ready to copy into a message. Why cached: a series keeps one frozen labels object for
 * life, so its attributes are encoded on the first push and copied on every later one (measured in
 * bench/otlp-encode.bench.ts: the bulk of a point's bytes, and of its encoding time).
 */
function attributeFields(field: number, labels: Labels): Uint8Array {
  let cache = encodedAttributes.get(field);
  if (cache === undefined) encodedAttributes.set(field, (cache = new WeakMap()));
  let bytes = cache.get(labels);
  if (bytes === undefined) {
    const w = scratch;
    for (const key of Object.keys(labels).sort()) {
      w.uint32(DELIMITED(field)).fork();
      w.uint32(DELIMITED(1)).string(key);
      w.uint32(DELIMITED(2))
        .fork()
        .uint32(DELIMITED(1))
        .string(labels[key] as string)
        .join();
      w.join();
    }
    bytes = w.finish();
    cache.set(labels, bytes);
  }
  return bytes;
}
