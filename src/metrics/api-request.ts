// Auth0's `auth0.api_request.count`: one typed recorder that checks a request's tags and counts it
// in a registry summary. The express middleware that feeds it lives in src/server.ts.
import type { MetricRegistry } from '../registry/registry.js';
import type { Summary } from '../registry/summary.js';
import { InvalidLabelError } from '../registry/errors.js';

/** The metric's name as Auth0's metric streams send it (Datadog, OTLP). */
export const AUTH0_API_REQUEST_METRIC = 'auth0.api_request.count';
/**
 * The registry summary holding it. Prometheus paths show its count as `auth0_api_request_count`
 * (the Auth0 name with dots turned into underscores) beside `auth0_api_request_sum` (`_total` on
 * the legacy paths), which equals the count.
 */
export const API_REQUEST_FAMILY = 'auth0_api_request';

/** The APIs Auth0 tells apart. */
export const API_KINDS = ['AUTHENTICATION', 'MANAGEMENT'] as const;
export type ApiKind = (typeof API_KINDS)[number];
export const OPERATION_RESULTS = ['SUCCESS', 'FAILURE'] as const;
export type OperationResult = (typeof OPERATION_RESULTS)[number];
/** Why an operation failed, as Auth0's document lists it; only on failures. */
export const FAILURE_CODES = ['RATE_LIMIT', 'ANOMALY_DETECTION', 'CLIENT_SERVER_ERROR'] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

/**
 * The metric's tags in registry order. Optional tags hold `''` when absent, which Prometheus treats
 * as no label and the stream views drop before encoding.
 */
export const API_REQUEST_TAGS = [
  'api',
  'operation_name',
  'operation_result',
  'tenant',
  'failure_code',
  'country_code',
  'client_id',
  'connection_id',
  'grant_type',
] as const;
export type ApiRequestTag = (typeof API_REQUEST_TAGS)[number];

/** HTTP methods an operation name may start with. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** One API request as Auth0 describes it. */
export interface ApiRequest {
  readonly api: ApiKind;
  /** HTTP method and path template, e.g. `POST /oauth/token` or `GET /api/v2/users/:id`. */
  readonly operationName: string;
  readonly operationResult: OperationResult;
  readonly tenant: string;
  /** Only when `operationResult` is FAILURE. */
  readonly failureCode?: FailureCode | undefined;
  /** ISO 3166-1 alpha-2, upper case (`FR`). */
  readonly countryCode?: string | undefined;
  /** Authentication API only. */
  readonly clientId?: string | undefined;
  /** Authentication API only. */
  readonly connectionId?: string | undefined;
  /** Authentication API only, e.g. `client_credentials`. */
  readonly grantType?: string | undefined;
}

/** Records Auth0 API requests. */
export interface ApiRequestMetrics {
  /**
   * Counts one request.
   * @throws InvalidLabelError naming the tag when a tag is missing, not in its enum, malformed, a
   *   failure code comes with a success, or an Authentication-only tag comes with the Management
   *   API. Nothing is recorded then.
   */
  record(request: ApiRequest): void;
}

const OPERATION_NAME = new RegExp(`^(${HTTP_METHODS.join('|')}) /\\S*$`);
const COUNTRY_CODE = /^[A-Z]{2}$/;
// eslint-disable-next-line no-control-regex -- the point is to find control characters in tag values
const CONTROL_CHARACTER = /[\u0000-\u001f]/;
/** Longest value accepted for a free-form tag (tenant, ids, grant type). */
export const MAX_TAG_LENGTH = 256;

/**
 * Registers `auth0_api_request` (see API_REQUEST_FAMILY) on `registry` and returns its recorder.
 * Registering twice returns a recorder on the same summary.
 * @throws MetricConflictError when the registry holds another metric of that name.
 */
export function apiRequestMetrics(registry: MetricRegistry): ApiRequestMetrics {
  const summary: Summary<ApiRequestTag> = registry.summary({
    name: API_REQUEST_FAMILY,
    help: 'Auth0 API requests by API, operation and result (auth0.api_request.count).',
    labelNames: API_REQUEST_TAGS,
  });
  return { record: (request) => summary.record(apiRequestLabels(request)) };
}

/**
 * The registry labels of a request, `''` for absent optional tags.
 * @throws InvalidLabelError as ApiRequestMetrics.record does.
 */
export function apiRequestLabels(request: ApiRequest): Record<ApiRequestTag, string> {
  const { api, operationName, operationResult, failureCode } = request;
  oneOf('api', api, API_KINDS);
  if (!checkedOperations.has(operationName) && !(typeof operationName === 'string' && OPERATION_NAME.test(operationName) && operationName.length <= MAX_TAG_LENGTH)) {
    throw new InvalidLabelError(AUTH0_API_REQUEST_METRIC, 'operation_name', operationName, 'is not an HTTP method, a space and a path template');
  }
  remember(checkedOperations, operationName);
  oneOf('operation_result', operationResult, OPERATION_RESULTS);
  if (failureCode !== undefined) {
    oneOf('failure_code', failureCode, FAILURE_CODES);
    if (operationResult !== 'FAILURE') throw new InvalidLabelError(AUTH0_API_REQUEST_METRIC, 'failure_code', failureCode, 'is only allowed on failures');
  }
  const countryCode = request.countryCode ?? '';
  if (countryCode !== '' && !(typeof countryCode === 'string' && COUNTRY_CODE.test(countryCode))) {
    throw new InvalidLabelError(AUTH0_API_REQUEST_METRIC, 'country_code', countryCode, 'is not an ISO 3166-1 alpha-2 code in upper case');
  }
  const { clientId, connectionId, grantType } = request;
  if (api !== 'AUTHENTICATION' && (clientId !== undefined || connectionId !== undefined || grantType !== undefined)) {
    const [tag, value] = clientId !== undefined ? ['client_id', clientId] : connectionId !== undefined ? ['connection_id', connectionId] : ['grant_type', grantType];
    throw new InvalidLabelError(AUTH0_API_REQUEST_METRIC, tag, value, 'is only allowed for the AUTHENTICATION api');
  }
  const tenant = optional('tenant', request.tenant);
  if (tenant === '') throw new InvalidLabelError(AUTH0_API_REQUEST_METRIC, 'tenant', request.tenant, 'is required');
  return {
    api,
    operation_name: operationName,
    operation_result: operationResult,
    tenant,
    failure_code: failureCode ?? '',
    country_code: countryCode,
    client_id: optional('client_id', clientId),
    connection_id: optional('connection_id', connectionId),
    grant_type: optional('grant_type', grantType),
  };
}

/**
 * Operation names and free-form values already found valid. Tenants, route templates and client ids
 * repeat, and checking a string costs more than recording it; bounded, and simply cleared when full.
 */
const checkedOperations = new Set<unknown>();
const checkedValues = new Set<unknown>();
const MAX_CHECKED = 10_000;

function remember(set: Set<unknown>, value: string): void {
  if (set.size >= MAX_CHECKED) set.clear();
  set.add(value);
}

/**
 * Auth0's reading of an HTTP status: below 400 a success; 429 a RATE_LIMIT failure; any other 4xx or
 * 5xx a CLIENT_SERVER_ERROR failure. ANOMALY_DETECTION cannot be told from a status code; a host
 * reports it through the middleware's `failureCode` callback.
 */
export function classifyStatus(statusCode: number): { operationResult: OperationResult; failureCode?: FailureCode } {
  if (statusCode < 400) return { operationResult: 'SUCCESS' };
  return { operationResult: 'FAILURE', failureCode: statusCode === 429 ? 'RATE_LIMIT' : 'CLIENT_SERVER_ERROR' };
}

function oneOf<T extends string>(tag: ApiRequestTag, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!allowed.includes(value as T)) throw new InvalidLabelError(AUTH0_API_REQUEST_METRIC, tag, value, 'is not allowed', allowed);
}

function optional(tag: string, value: unknown): string {
  if (value === undefined) return '';
  if (checkedValues.has(value)) return value as string;
  if (typeof value !== 'string' || value.length > MAX_TAG_LENGTH || CONTROL_CHARACTER.test(value)) {
    throw new InvalidLabelError(AUTH0_API_REQUEST_METRIC, tag, value, `needs a string of at most ${MAX_TAG_LENGTH} characters without control characters`);
  }
  remember(checkedValues, value);
  return value;
}
