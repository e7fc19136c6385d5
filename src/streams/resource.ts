// The metric stream resource as the management API speaks it: types, enums, ids, and the redacted
// view. Checking a request body is validation.ts's job; storing it is store.ts's.
import { randomInt } from 'node:crypto';

/** Bitcoin's base58 alphabet: no 0, O, I or l, so ids survive being read aloud or retyped. */
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** Characters after `mst_` in an id: 22 base58 characters carry 128 bits. */
export const STREAM_ID_LENGTH = 22;
export const STREAM_ID_PATTERN = new RegExp(`^mst_[${BASE58}]{${STREAM_ID_LENGTH}}$`);

/** A new stream id: `mst_` and STREAM_ID_LENGTH base58 characters from the system's CSPRNG. */
export function newStreamId(): string {
  let id = 'mst_';
  for (let i = 0; i < STREAM_ID_LENGTH; i += 1) id += BASE58[randomInt(BASE58.length)];
  return id;
}

export const STREAM_STATUSES = ['enabled', 'disabled'] as const;
export type StreamStatus = (typeof STREAM_STATUSES)[number];

/** Families each subscription streams, by registry name prefix (AM's denylist keeps its `blacklist` name). */
export const SUBSCRIPTION_FAMILIES = {
  'metrics_bridge.api_request': ['auth0_api_request'],
  'am.authentication': ['am_authentication'],
  'am.authorization': ['am_authorization'],
  'am.denylist': ['am_blacklist'],
  'am.cts': ['am_cts'],
  'am.oauth2': ['am_oauth2'],
  'am.session': ['am_session'],
} as const satisfies Record<string, readonly string[]>;
export type SubscriptionType = keyof typeof SUBSCRIPTION_FAMILIES;
export const SUBSCRIPTION_TYPES = Object.keys(SUBSCRIPTION_FAMILIES) as SubscriptionType[];
/** Other names Auth0's document uses for the api_request subscription; stored as the canonical name. */
export const SUBSCRIPTION_ALIASES: Readonly<Record<string, SubscriptionType>> = {
  'auth0.api_request.count': 'metrics_bridge.api_request',
  'auth0.api_response.count': 'metrics_bridge.api_request',
};

export const DESTINATION_TYPES = ['datadog', 'otlp', 'prometheus_remote_write'] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** Datadog sites (https://docs.datadoghq.com/getting_started/site/); `app.` forms are accepted and stored without it. */
export const DATADOG_SITES = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'ddog-gov.com',
] as const;
export const TEMPORALITIES = ['cumulative', 'delta'] as const;
export type Temporality = (typeof TEMPORALITIES)[number];

export interface DatadogConfiguration {
  readonly api_key: string;
  readonly site: string;
  /** An API base URL replacing the site's (private intakes, tests); `/api/v2/series` is appended. */
  readonly endpoint?: string;
  /**
   * Adds Auth0's beta tag `batch_seq:0` to `auth0.api_request.count`, for dashboards built on it.
   * Never needed otherwise: a stream sends one point per series and second.
   */
  readonly batch_seq?: boolean;
}

export interface OtlpConfiguration {
  readonly endpoint: string;
  readonly protocol: 'http';
  readonly auth_type: 'api_key' | 'none';
  /** Sent verbatim as the value of `auth_header_name` (Grafana Cloud needs `Basic <token>`). */
  readonly api_key?: string;
  readonly auth_header_name?: string;
  /** Default cumulative. */
  readonly temporality?: Temporality;
  /** Default protobuf. */
  readonly encoding?: 'protobuf' | 'json';
  /** Largest request body, in bytes before and after gzip (see MAX_REQUEST_BYTES_RANGE); default DEFAULT_MAX_REQUEST_BYTES. */
  readonly max_request_bytes?: number;
}

export interface RemoteWriteConfiguration {
  readonly endpoint: string;
  readonly auth_type?: 'none' | 'basic' | 'api_key';
  readonly username?: string;
  readonly password?: string;
  readonly api_key?: string;
  readonly auth_header_name?: string;
  /** Largest request body, in bytes before and after snappy (see MAX_REQUEST_BYTES_RANGE); default DEFAULT_MAX_REQUEST_BYTES. */
  readonly max_request_bytes?: number;
}

/**
 * What `max_request_bytes` may be set to. At least 64 KiB, so one series of one second (a few
 * hundred bytes; at most a few KiB with every tag at its length cap) always fits; at most 64 MiB,
 * above what common receivers take anyway (the OpenTelemetry Collector 20 MiB, VictoriaMetrics 32 MiB).
 */
export const MAX_REQUEST_BYTES_RANGE = { min: 65_536, max: 67_108_864 } as const;

export type Destination =
  | { readonly type: 'datadog'; readonly configuration: DatadogConfiguration }
  | { readonly type: 'otlp'; readonly configuration: OtlpConfiguration }
  | { readonly type: 'prometheus_remote_write'; readonly configuration: RemoteWriteConfiguration };

/** Configuration fields holding secrets: answered as SECRET_MASK, kept when a PATCH sends the mask. */
export const SECRET_FIELDS: Readonly<Record<DestinationType, readonly string[]>> = {
  datadog: ['api_key'],
  otlp: ['api_key'],
  prometheus_remote_write: ['password', 'api_key'],
};
export const SECRET_MASK = '***';
/** Configuration fields that only say how requests authenticate (their headers), not where they go or what they carry. */
export const CREDENTIAL_FIELDS: readonly string[] = ['auth_type', 'username', 'password', 'api_key', 'auth_header_name'];

/** Which tags a stream keeps: only those listed (`allow`) or all but those (`deny`). */
export type TagFilter = { readonly allow: readonly string[] } | { readonly deny: readonly string[] };

/** A stream as stored: what a client set, with secrets in clear. */
export interface MetricStream {
  readonly id: string;
  readonly name: string;
  readonly status: StreamStatus;
  readonly subscriptions: readonly { readonly metric_type: SubscriptionType }[];
  readonly destination: Destination;
  readonly tags?: TagFilter;
  /** Series per metric family before new ones fold into an overflow series; default DEFAULT_STREAM_MAX_SERIES. */
  readonly max_series?: number;
  /** ISO 8601. */
  readonly created_at: string;
  readonly updated_at: string;
}

/** How many series of one family a stream sends before folding new ones into the overflow series. */
export const DEFAULT_STREAM_MAX_SERIES = 1_000;

/** Delivery health of a stream, kept by the delivery loop; read-only in the API. */
export interface StreamHealth {
  readonly last_success_at: string | null;
  readonly last_error_at: string | null;
  /** One line, free of secrets. */
  readonly last_error: string | null;
  readonly last_error_status_code: number | null;
  /** Status of the destination's latest answer, success or not; null before any answer. */
  readonly last_status_code: number | null;
  readonly points_sent: number;
  readonly points_dropped: number;
  /** `points_dropped` split by DropReason. */
  readonly points_dropped_by_reason: Readonly<Partial<Record<DropReason, number>>>;
  /** Requests sent again after a failure, since the stream was created. */
  readonly retries: number;
}

/**
 * Why points were dropped: the delta buffer was full while the destination failed; the destination
 * refused them for good (400, 401, 403, 404, other 4xx, 3xx); a single point was over its size limit
 * (413); its answer was too long to read; it rejected some in an OTLP partial_success; shutdown's
 * final flush did not get them out; the stream was reconfigured or disabled; they could not be encoded.
 */
export type DropReason = 'buffer_full' | 'rejected' | 'too_large' | 'response_too_large' | 'partial_success' | 'shutdown' | 'reconfigured' | 'encode_error' | 'too_old';

export const EMPTY_HEALTH: StreamHealth = Object.freeze({
  last_success_at: null,
  last_error_at: null,
  last_error: null,
  last_error_status_code: null,
  last_status_code: null,
  points_sent: 0,
  points_dropped: 0,
  points_dropped_by_reason: Object.freeze({}),
  retries: 0,
});

/** A stream as the API answers it: secrets masked, health attached. */
export type StreamView = MetricStream & { readonly delivery_health: StreamHealth };

/** The stream with every set secret replaced by SECRET_MASK, and its health. */
export function streamView(stream: MetricStream, health: StreamHealth): StreamView {
  const configuration: Record<string, unknown> = { ...stream.destination.configuration };
  for (const field of SECRET_FIELDS[stream.destination.type]) {
    if (configuration[field] !== undefined) configuration[field] = SECRET_MASK;
  }
  return { ...stream, destination: { ...stream.destination, configuration } as unknown as Destination, delivery_health: health };
}
