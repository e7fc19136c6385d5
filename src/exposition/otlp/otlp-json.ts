// Writes an OTLP/HTTP metrics request in its JSON encoding (the protobuf JSON mapping with the OTLP
// exceptions: lowerCamelCase keys, enums as integers). The mapping from a Collection is otlp-model's.
import type { Collection } from '../../registry/collection.js';
import type { Labels } from '../../registry/labels.js';
import { OTLP_SCOPE_NAME, toOtlpRequest, type OtlpMetric, type OtlpNumberPoint, type OtlpOptions, type OtlpSummaryPoint, type OtlpHistogramPoint } from './otlp-model.js';

/** `Content-Type` of an OTLP/HTTP JSON request. */
export const OTLP_JSON_CONTENT_TYPE = 'application/json';

const TEMPORALITY = { delta: 1, cumulative: 2 } as const;

/**
 * Encodes a collection as one OTLP/HTTP JSON request body, the same request `encodeOtlpProtobuf`
 * writes. Times are decimal strings of epoch nanoseconds (64-bit integers are strings in the protobuf
 * JSON mapping), as are Summary counts; NaN and infinite doubles are the strings `NaN`, `Infinity`
 * and `-Infinity`. Returns UTF-8 bytes; not compressed.
 */
export function encodeOtlpJson(collection: Collection, options: OtlpOptions = {}): Uint8Array {
  const request = toOtlpRequest(collection, options);
  const time = nanos(request.timeMs);
  const body = {
    resourceMetrics: [
      {
        resource: attributes(request.resource),
        scopeMetrics: [{ scope: { name: OTLP_SCOPE_NAME }, metrics: request.metrics.map((m) => metricJson(m, time)) }],
      },
    ],
  };
  return new TextEncoder().encode(JSON.stringify(body));
}

function metricJson(metric: OtlpMetric, time: string): object {
  const head = { name: metric.name, ...(metric.description === '' ? {} : { description: metric.description }), ...(metric.unit === '' ? {} : { unit: metric.unit }) };
  switch (metric.type) {
    case 'gauge':
      return { ...head, gauge: { dataPoints: metric.points.map((p) => numberPoint(p, time)) } };
    case 'sum':
      return {
        ...head,
        sum: { dataPoints: metric.points.map((p) => numberPoint(p, time)), aggregationTemporality: TEMPORALITY[metric.temporality], isMonotonic: true },
      };
    case 'summary':
      return { ...head, summary: { dataPoints: metric.points.map((p) => summaryPoint(p, time)) } };
    case 'histogram':
      return { ...head, histogram: { dataPoints: metric.points.map((p) => histogramPoint(p, time)), aggregationTemporality: TEMPORALITY[metric.temporality] } };
  }
}

function numberPoint(p: OtlpNumberPoint, time: string): object {
  return { ...attributes(p.attributes), startTimeUnixNano: nanos(p.startMs), timeUnixNano: time, asDouble: double(p.value) };
}

/** What Summary and Histogram data points have in common: attributes, times, count and sum. */
function countSumHead(p: OtlpSummaryPoint | OtlpHistogramPoint, time: string): object {
  return { ...attributes(p.attributes), startTimeUnixNano: nanos(p.startMs), timeUnixNano: time, count: String(p.count), sum: double(p.sum) };
}

function summaryPoint(p: OtlpSummaryPoint, time: string): object {
  return {
    ...countSumHead(p, time),
    ...(p.quantiles.length === 0 ? {} : { quantileValues: p.quantiles.map((q) => ({ quantile: q.quantile, value: double(q.value) })) }),
  };
}

function histogramPoint(p: OtlpHistogramPoint, time: string): object {
  return {
    ...countSumHead(p, time),
    bucketCounts: p.bucketCounts.map(String),
    ...(p.bounds.length === 0 ? {} : { explicitBounds: p.bounds }),
  };
}

/** `{ attributes: [...] }`, or nothing for no labels: empty repeated fields are left out. */
function attributes(labels: Labels): { attributes?: object[] } {
  const keys = Object.keys(labels);
  if (keys.length === 0) return {};
  return { attributes: keys.sort().map((key) => ({ key, value: { stringValue: labels[key] } })) };
}

/** Epoch ms as a decimal string of nanoseconds, exact for any whole number of milliseconds. */
function nanos(epochMs: number): string {
  const ms = Math.round(epochMs);
  return ms === 0 ? '0' : `${ms}000000`;
}

function double(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}
