// Public surface of `am-metrics`: the registry, the AM catalogue, the data model and the encoders.
// Re-exports only; loads neither express nor the server (those are `am-metrics/express`).
export { Registry } from './exposition/prometheus/registry.js';
export { MetricRegistry, DEFAULT_COLLECT_TIMEOUT_MS, STATE_VERSION } from './registry/registry.js';
export type { RegistryOptions, GaugeOptions, RegistryState, FamilyState, MergeOptions, AnyMetric } from './registry/registry.js';
export type { MetricOptions, MetricKind, FamilyKind, Descriptor } from './registry/descriptor.js';
export { Summary, type SummaryChild } from './registry/summary.js';
export { Timer, type TimerChild } from './registry/timer.js';
export { Gauge, SOURCE_LABEL, type GaugeChild, type GaugeCollect } from './registry/gauge.js';
export type { GaugeCombine } from './registry/cells/gauge-value.js';
export { DistinctCounter, type DistinctCounterChild } from './registry/distinct-counter.js';
export { DistinctSketch, type DistinctSketchJson } from './registry/cells/hyperloglog.js';
export { hashReady } from './registry/cells/string-hash.js';
export { DEFAULT_MAX_SERIES, OVERFLOW_LABEL_VALUE, type Labels, type LabelValues } from './registry/labels.js';
export { MetricsError, InvalidNameError, InvalidLabelError, InvalidValueError, MetricConflictError } from './registry/errors.js';
export type { Clock } from './registry/clock.js';
export { TIMER_QUANTILES } from './registry/collection.js';
export type { Collection, CollectFailure, FamilySnapshot, SeriesBase, CountSum, TimerSeries, QuantileValue, Point, Rates } from './registry/collection.js';
export { writePrometheusText, renderPrometheusText, CONTENT_TYPES, type NamingProfile, type WriteOptions } from './exposition/prometheus/prometheus-text.js';
export type { ExpositionFormat } from './exposition/prometheus/format.js';
export { jsonView, jsonEntryId, type JsonEntry, type JsonQueryResult } from './exposition/am-json/json-view.js';
export { parseIdFilter, QueryFilterError, type IdFilter } from './exposition/am-json/query-filter.js';
export { createAmMetrics, POD_LABEL, type AmMetrics, type AmMetricsOptions } from './metrics/am-metrics.js';
export type { AuthenticationMetrics } from './metrics/authentication.js';
export type { AuthorizationMetrics } from './metrics/authorization.js';
export type { DenylistMetrics } from './metrics/denylist.js';
export type { CtsMetrics, CtsTask, ReaperDeletion } from './metrics/cts.js';
export type { OAuth2Metrics } from './metrics/oauth2.js';
export type { SessionMetrics, SessionOperationKind } from './metrics/session.js';
export { StateGauge } from './metrics/install.js';
export {
  apiRequestMetrics, classifyStatus, AUTH0_API_REQUEST_METRIC, API_REQUEST_FAMILY, API_KINDS, OPERATION_RESULTS, FAILURE_CODES, API_REQUEST_TAGS,
  type ApiRequest, type ApiRequestMetrics, type ApiKind, type OperationResult, type FailureCode, type ApiRequestTag,
} from './metrics/api-request.js';
export * from './metrics/catalog.js';
