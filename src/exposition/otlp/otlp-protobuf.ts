// Writes an OTLP/HTTP metrics request (ExportMetricsServiceRequest) as protobuf. Field numbers are
// those of opentelemetry-proto's metrics.proto, common.proto and resource.proto, cited per message.
import type { Collection } from '../../registry/collection.js';
import type { Labels } from '../../registry/labels.js';
import { createWriter, fieldKey, WIRE, writeFixed64Nanos, type ProtobufWriter } from '../push/protobuf-writer.js';
import { OTLP_SCOPE_NAME, toOtlpRequest, type OtlpMetric, type OtlpNumberPoint, type OtlpOptions, type OtlpSummaryPoint } from './otlp-model.js';

/** `Content-Type` of an OTLP/HTTP protobuf request. */
export const OTLP_PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';

/** AggregationTemporality enum values (metrics.proto). */
const TEMPORALITY = { delta: 1, cumulative: 2 } as const;

const DELIMITED = (field: number): number => fieldKey(field, WIRE.delimited);
const FIXED64 = (field: number): number => fieldKey(field, WIRE.fixed64);
const VARINT = (field: number): number => fieldKey(field, WIRE.varint);

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
  writeAttributes(w, 1, request.resource); // Resource.attributes
  w.ldelim();
  w.uint32(DELIMITED(2)).fork(); // ResourceMetrics.scope_metrics
  w.uint32(DELIMITED(1)).fork().uint32(DELIMITED(1)).string(OTLP_SCOPE_NAME).ldelim(); // ScopeMetrics.scope, InstrumentationScope.name
  for (const metric of request.metrics) writeMetric(w, metric, request.timeMs);
  w.ldelim();
  w.ldelim();
  return w.finish();
}

/** Metric: name 1, description 2, unit 3, gauge 5, sum 7, summary 11 (ScopeMetrics.metrics is field 2). */
function writeMetric(w: ProtobufWriter, metric: OtlpMetric, timeMs: number): void {
  w.uint32(DELIMITED(2)).fork();
  w.uint32(DELIMITED(1)).string(metric.name);
  if (metric.description !== '') w.uint32(DELIMITED(2)).string(metric.description);
  if (metric.unit !== '') w.uint32(DELIMITED(3)).string(metric.unit);
  switch (metric.type) {
    case 'gauge': // Gauge: data_points 1
      w.uint32(DELIMITED(5)).fork();
      for (const p of metric.points) writeNumberPoint(w, p, timeMs);
      w.ldelim();
      break;
    case 'sum': // Sum: data_points 1, aggregation_temporality 2, is_monotonic 3
      w.uint32(DELIMITED(7)).fork();
      for (const p of metric.points) writeNumberPoint(w, p, timeMs);
      w.uint32(VARINT(2)).uint32(TEMPORALITY[metric.temporality]);
      w.uint32(VARINT(3)).bool(true);
      w.ldelim();
      break;
    case 'summary': // Summary: data_points 1
      w.uint32(DELIMITED(11)).fork();
      for (const p of metric.points) writeSummaryPoint(w, p, timeMs);
      w.ldelim();
      break;
  }
  w.ldelim();
}

/** NumberDataPoint: attributes 7, start_time_unix_nano 2, time_unix_nano 3, as_double 4. */
function writeNumberPoint(w: ProtobufWriter, p: OtlpNumberPoint, timeMs: number): void {
  w.uint32(DELIMITED(1)).fork();
  writeAttributes(w, 7, p.attributes);
  w.uint32(FIXED64(2));
  writeFixed64Nanos(w, p.startMs);
  w.uint32(FIXED64(3));
  writeFixed64Nanos(w, timeMs);
  w.uint32(FIXED64(4)).double(p.value);
  w.ldelim();
}

/**
 * SummaryDataPoint: attributes 7, start_time_unix_nano 2, time_unix_nano 3, count 4 (fixed64),
 * sum 5, quantile_values 6 (ValueAtQuantile: quantile 1, value 2).
 */
function writeSummaryPoint(w: ProtobufWriter, p: OtlpSummaryPoint, timeMs: number): void {
  w.uint32(DELIMITED(1)).fork();
  writeAttributes(w, 7, p.attributes);
  w.uint32(FIXED64(2));
  writeFixed64Nanos(w, p.startMs);
  w.uint32(FIXED64(3));
  writeFixed64Nanos(w, timeMs);
  w.uint32(FIXED64(4)).fixed32(p.count % 2 ** 32).fixed32(Math.floor(p.count / 2 ** 32));
  w.uint32(FIXED64(5)).double(p.sum);
  for (const q of p.quantiles) {
    w.uint32(DELIMITED(6)).fork().uint32(FIXED64(1)).double(q.quantile).uint32(FIXED64(2)).double(q.value).ldelim();
  }
  w.ldelim();
}

const encodedAttributes = new WeakMap<Labels, readonly Uint8Array[]>();

/**
 * Writes labels as repeated KeyValue (key 1, value 2 = AnyValue.string_value 1), sorted by key. Why
 * cached: a series keeps one frozen labels object for life, so its KeyValue messages are encoded once
 * and copied on every later push instead of re-encoding each string.
 */
function writeAttributes(w: ProtobufWriter, field: number, labels: Labels): void {
  let messages = encodedAttributes.get(labels);
  if (messages === undefined) {
    messages = Object.keys(labels)
      .sort()
      .map((key) => {
        const kv = createWriter().uint32(DELIMITED(1)).string(key);
        kv.uint32(DELIMITED(2)).fork().uint32(DELIMITED(1)).string(labels[key] as string).ldelim();
        return kv.finish();
      });
    encodedAttributes.set(labels, messages);
  }
  const key = DELIMITED(field);
  for (const m of messages) w.uint32(key).bytes(m);
}
