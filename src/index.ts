// Public surface of `am-metrics`: the registry, the AM catalogue, the data model and the encoders.
// Re-exports only; loads neither express nor the server (those are `am-metrics/express`).
export { Registry } from './exposition/prometheus/registry.js';
export { MetricRegistry, DEFAULT_COLLECT_TIMEOUT_MS, STATE_VERSION } from './registry/registry.js';
export type { RegistryOptions, GaugeOptions, RegistryState, FamilyState, MergeOptions, AnyMetric, FamilyCollector } from './registry/registry.js';
export type { MetricOptions, MetricKind, FamilyKind, Descriptor } from './registry/descriptor.js';
export { Summary, type SummaryChild } from './registry/summary.js';
export { Timer, TIMER_HISTOGRAM_SUFFIX, type TimerChild } from './registry/timer.js';
export { BUCKET_BOUNDS, BUCKET_RELATIVE_ERROR, BUCKETS_PER_DOUBLING, LOWEST_BUCKET_SECONDS, HIGHEST_BUCKET_SECONDS } from './registry/cells/log-buckets.js';
export { nodeRuntimeCollector, RUNTIME_COLLECTOR_NAME, LEFT_OUT_RUNTIME_METRICS, type RuntimeMetricsOptions } from './runtime/node-runtime.js';
export { Gauge, SOURCE_LABEL, type GaugeChild, type GaugeCollect } from './registry/gauge.js';
export type { GaugeCombine } from './registry/cells/gauge-value.js';
export { DistinctCounter, type DistinctCounterChild } from './registry/distinct-counter.js';
export { DistinctSketch, type DistinctSketchJson } from './registry/cells/distinct-sketch.js';
export { hashReady, setDistinctHashKey } from './registry/cells/string-hash.js';
export { DEFAULT_MAX_SERIES, OVERFLOW_LABEL_VALUE, type Labels, type LabelValues } from './registry/labels.js';
export { DEFAULT_MAX_LABEL_VALUE_BYTES, DEFAULT_MAX_REGISTRY_SERIES } from './registry/labels.js';
export { MetricsError, InvalidNameError, InvalidLabelError, InvalidValueError, MetricConflictError, InvalidOptionError, ServerConfigError } from './registry/errors.js';
export type { Clock } from './registry/clock.js';
export { TIMER_QUANTILES } from './registry/collection.js';
export type {
  Collection,
  CollectFailure,
  FamilySnapshot,
  SeriesBase,
  CountSum,
  TimerSeries,
  QuantileValue,
  Point,
  Rates,
  BucketCount,
  HistogramSeries,
  NativeBuckets,
} from './registry/collection.js';
export { writePrometheusText, renderPrometheusText, CONTENT_TYPES, type NamingProfile, type WriteOptions } from './exposition/prometheus/prometheus-text.js';
export { renderExposition, ExpositionTooLargeError, type RenderOptions, type RenderResult, type LeftOutFamily } from './exposition/prometheus/prometheus-text.js';
export type { ExpositionFormat } from './exposition/prometheus/format.js';
export {
  writePrometheusProtobuf,
  renderPrometheusProtobuf,
  metricFamilies,
  PROTOBUF_CONTENT_TYPE,
  type MetricFamilyMessage,
  type MetricMessage,
  type HistogramMessage,
} from './exposition/prometheus-protobuf/protobuf-exposition.js';
export {
  jsonView,
  jsonEntry,
  jsonEntries,
  jsonEntryId,
  idSegment,
  jsonEntryIdOfPath,
  type JsonEntry,
  type JsonHistogramEntry,
  type JsonFields,
  type JsonQueryResult,
  type JsonIdOf,
  type JsonViewOptions,
} from './exposition/am-json/json-view.js';
export { parseJsonQuery, type JsonQuery, type QueryParameters, type TotalPagedResultsPolicy } from './exposition/am-json/json-query.js';
export { parseQueryFilter, JsonQueryError, QueryFilterError, type EntryFilter } from './exposition/am-json/query-filter.js';
export { renderJson } from './exposition/am-json/java-json.js';
export { javaDouble } from './exposition/java-double.js';
export { amJsonIds } from './metrics/json-ids.js';
export { encodeOtlpProtobuf, OTLP_PROTOBUF_CONTENT_TYPE } from './exposition/otlp/otlp-protobuf.js';
export { encodeOtlpJson, OTLP_JSON_CONTENT_TYPE } from './exposition/otlp/otlp-json.js';
export { DEFAULT_TEMPORALITY, type OtlpOptions, type Temporality } from './exposition/otlp/otlp-model.js';
export { encodeDatadogSeries, DATADOG_TYPE, DEFAULT_MAX_BODY_BYTES, DEFAULT_INTERVAL_SECONDS } from './exposition/datadog/datadog-series.js';
export type { DatadogOptions, DatadogBody, DatadogResource } from './exposition/datadog/datadog-series.js';
export { encodeRemoteWrite, encodeWriteRequest, REMOTE_WRITE_HEADERS, type RemoteWriteOptions } from './exposition/remote-write/remote-write.js';
export { createAmMetrics, POD_LABEL, type AmMetrics, type AmMetricsOptions } from './metrics/am-metrics.js';
export type { AuthenticationMetrics } from './metrics/authentication.js';
export type { AuthorizationMetrics } from './metrics/authorization.js';
export type { DenylistMetrics } from './metrics/denylist.js';
export type { CtsMetrics, CtsTask, ReaperDeletion } from './metrics/cts.js';
export type { OAuth2Metrics } from './metrics/oauth2.js';
export type { SessionMetrics, SessionOperationKind } from './metrics/session.js';
export type { ScriptCacheLabels, ScriptCacheMetrics } from './metrics/script-cache.js';
export { StateGauge, type NoLabels, type StateGaugeLabels } from './metrics/install.js';
export {
  apiRequestMetrics,
  classifyStatus,
  AUTH0_API_REQUEST_METRIC,
  API_REQUEST_FAMILY,
  API_KINDS,
  OPERATION_RESULTS,
  FAILURE_CODES,
  API_REQUEST_TAGS,
  type ApiRequest,
  type ApiRequestMetrics,
  type ApiKind,
  type OperationResult,
  type FailureCode,
  type ApiRequestTag,
} from './metrics/api-request.js';
export * from './metrics/catalog.js';
