// The wire format of each destination type: the pure encoders under src/exposition/, one frame (one
// second) at a time, gzipped where the destination takes it. URLs and authentication are destinations.ts's.
import { gzipSync } from 'node:zlib';
import type { Collection } from '../registry/collection.js';
import { encodeDatadogSeries } from '../exposition/datadog/datadog-series.js';
import { encodeOtlpJson, OTLP_JSON_CONTENT_TYPE } from '../exposition/otlp/otlp-json.js';
import { encodeOtlpProtobuf, OTLP_PROTOBUF_CONTENT_TYPE } from '../exposition/otlp/otlp-protobuf.js';
import { decodeOtlpPartialSuccess, type OtlpPartialSuccess } from '../exposition/otlp/otlp-response.js';
import { sumName } from '../exposition/prometheus/sample-names.js';
import { compressWriteRequest, encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../exposition/remote-write/remote-write.js';
import { API_REQUEST_FAMILY, AUTH0_API_REQUEST_METRIC } from '../metrics/api-request.js';
import { framewise, splitToFit, type DestinationEncoder, type EncodedRequest, type EncodeOptions, type Encoders, type PartialRejection } from './encoder.js';
import type { TransportResponse } from './transport.js';

/**
 * Datadog metric names of sample names: the Auth0 metric's count goes out under Auth0's name, as the
 * document's dashboards query it. Other samples keep their Prometheus names.
 */
export const DATADOG_METRIC_NAMES: Readonly<Record<string, string>> = { [`${API_REQUEST_FAMILY}_count`]: AUTH0_API_REQUEST_METRIC };

/**
 * Samples Datadog streams leave out: the Auth0 metric's sum. Each request counts 1, so its sum always
 * equals its count, and on Datadog every metric name is a billed custom metric per tag combination.
 */
export const DATADOG_OMITTED_METRICS: readonly string[] = [sumName(API_REQUEST_FAMILY, 'aic')];

/** Series in a collection: the points a frame adds, as delivery counts them (see pointsOf in stream-worker.ts). */
function seriesIn(collection: Collection): number {
  return collection.families.reduce((n, family) => n + family.series.length, 0);
}

/**
 * OTLP/HTTP: one gzipped request per frame (more where a frame's body would be over the stream's
 * `max_request_bytes` before gzip: see splitToFit), protobuf unless the configuration says
 * `encoding: json`, Sums cumulative or delta as the stream's temporality says (delta against the
 * frame before). `inspect` reads a 2xx answer's `partial_success` (protobuf or JSON): rejected points
 * count as dropped; a message without rejected points is a warning to log.
 */
export const otlpEncoder: DestinationEncoder = {
  ...splitToFit(
    (frame, options) => (isJson(options) ? encodeOtlpJson : encodeOtlpProtobuf)(frame.current, { temporality: options.temporality, previous: frame.previous }),
    (body, options) => ({
      headers: { 'Content-Type': isJson(options) ? OTLP_JSON_CONTENT_TYPE : OTLP_PROTOBUF_CONTENT_TYPE, 'Content-Encoding': 'gzip' },
      body: gzipSync(body),
    }),
  ),
  inspect: partialSuccessOf,
};

function isJson(options: EncodeOptions): boolean {
  return options.destination.type === 'otlp' && options.destination.configuration.encoding === 'json';
}

/** What a 2xx OTLP answer reports: rejected points, a warning, or nothing (full success). */
function partialSuccessOf(response: TransportResponse): PartialRejection | string | undefined {
  const bytes = response.bytes ?? Buffer.from(response.body ?? '', 'utf8');
  let partial: OtlpPartialSuccess | undefined;
  try {
    partial = decodeOtlpPartialSuccess(bytes, response.headers['content-type']);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (partial === undefined) return undefined;
  if (partial.rejectedDataPoints === 0) return `partial success with no rejected points: ${partial.errorMessage}`;
  return { rejectedPoints: partial.rejectedDataPoints, message: partial.errorMessage };
}

/**
 * Datadog v2 series: count deltas against the frame before (the whole count for a stream's first
 * frame), the Auth0 metric named by DATADOG_METRIC_NAMES and without DATADOG_OMITTED_METRICS, tags `key:value`, gzipped bodies under the
 * intake's limits (see DEFAULT_MAX_BODY_BYTES). A frame's points are shared among its bodies.
 */
export const datadogEncoder: DestinationEncoder = framewise((current, previous) => {
  const bodies = encodeDatadogSeries(current, { previous, metricNames: DATADOG_METRIC_NAMES, omitMetrics: DATADOG_OMITTED_METRICS });
  const total = seriesIn(current);
  const wire = bodies.reduce((n, b) => n + b.seriesCount, 0);
  let seen = 0;
  let given = 0;
  return bodies.map((b): EncodedRequest => {
    seen += b.seriesCount;
    const upTo = Math.round((total * seen) / Math.max(1, wire));
    const points = upTo - given;
    given = upTo;
    return { headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: gzipSync(b.body), points };
  });
});

/**
 * Prometheus remote write 1.0: one snappy-compressed WriteRequest per frame (more where it would be
 * over the stream's `max_request_bytes` before snappy: see splitToFit), cumulative samples.
 */
export const remoteWriteEncoder: DestinationEncoder = splitToFit(
  (frame) => encodeWriteRequest(frame.current),
  (body) => ({ headers: REMOTE_WRITE_HEADERS, body: Buffer.from(compressWriteRequest(body)) }),
);

/** The encoder of every destination type; createMetricStreams uses these unless told otherwise. */
export const DEFAULT_ENCODERS: Encoders = { otlp: otlpEncoder, datadog: datadogEncoder, prometheus_remote_write: remoteWriteEncoder };
