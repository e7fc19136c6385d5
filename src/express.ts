// Public surface of `am-metrics/express`: the router a host app mounts, the standalone server, and the
// AM live page and JSON ids to mount on them. Re-exports only.
export { apiRequestMiddleware, createMetricStreamsRouter, type ApiRequestMiddlewareOptions } from './server.js';
export { createMetricStreams, type MetricStreams, type MetricStreamsOptions, type StreamSource } from './streams/service.js';
export { DEFAULT_MAX_STREAMS, ManagementApi, METRIC_STREAMS_PATH } from './streams/management-api.js';
export { adminTokenSourceFromEnvironment, type AdminTokenSource } from './streams/admin-token.js';
export type { DestinationEncoder, EncodedRequest, EncodeOptions, Encoders, Frame } from './streams/encoder.js';
export { framewise } from './streams/encoder.js';
export type { Transport, OutgoingRequest, TransportResponse } from './streams/transport.js';
export { StreamApiError, StreamStoreError } from './streams/errors.js';
export { createMetricsRouter, startServer, DEFAULT_PORT, type MetricsSource, type StartServerOptions, type RunningServer } from './server.js';
export type { MetricsRouterOptions } from './http/handlers.js';
export { DEFAULT_MAX_EXPOSITION_BYTES, type Collector } from './http/shared-scrape.js';
export { DEFAULT_MAX_UNSENT_BYTES, DEFAULT_WRITE_TIMEOUT_MS } from './http/unsent-bodies.js';
export { MIN_SECRET_LENGTH, type AuthOptions, type AuthSource, type BasicCredentials } from './http/auth.js';
export { authFromEnvironment, authSourceFromEnvironment } from './http/auth-environment.js';
export type { ReloadOutcome } from './http/reload.js';
export { DEFAULT_FILE_POLL_MS } from './http/file-watch.js';
export type { AuthThrottleOptions } from './http/auth-throttle.js';
export type { ServerLimits } from './http/server-limits.js';
export type { TlsOptions } from './http/tls.js';
export type { Logger } from './http/logger.js';
export type { LivePage } from './http/page/monitoring-page.js';
export { ServerConfigError } from './http/errors.js';
export { amLivePage } from './metrics/page/live-page.js';
export { amJsonIds } from './metrics/json-ids.js';
