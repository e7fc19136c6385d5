// Checks management API bodies against the metric stream resource, as Auth0 does: unknown fields, bad
// enums, URLs and header names are 400s naming the property. The first problem found is reported.
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { isIP } from 'node:net';
import { invalidBody } from './errors.js';
import {
  DATADOG_SITES,
  DESTINATION_TYPES,
  SECRET_FIELDS,
  SECRET_MASK,
  STREAM_STATUSES,
  SUBSCRIPTION_ALIASES,
  SUBSCRIPTION_TYPES,
  MAX_REQUEST_BYTES_RANGE,
  TEMPORALITIES,
  type Destination,
  type DestinationType,
  type MetricStream,
  type StreamStatus,
  type SubscriptionType,
  type TagFilter,
} from './resource.js';

/** What a client may set on a stream; the rest (id, times, health) is the server's. */
export type StreamFields = Pick<MetricStream, 'name' | 'status' | 'subscriptions' | 'destination' | 'tags' | 'max_series'>;

export interface ValidationOptions {
  /** Accept `http://` endpoints on any host; by default only loopback hosts may use plain HTTP. */
  readonly allowInsecureHttp?: boolean;
}

export const MAX_NAME_LENGTH = 128;
/** Most series per family a stream may be allowed. */
export const MAX_STREAM_SERIES = 100_000;
const MAX_TEXT_LENGTH = 4_096;
/** Headers the delivery sets itself, which an auth header may not replace. */
const RESERVED_HEADERS = new Set(['host', 'content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'connection', 'user-agent', 'accept-encoding']);
const TOP_FIELDS = ['name', 'status', 'subscriptions', 'destination', 'tags', 'max_series'];
/** The configuration fields that hold one `auth_type`'s credentials. */
const AUTH_FIELDS = ['username', 'password', 'api_key', 'auth_header_name'];
const CONFIG_FIELDS: Readonly<Record<DestinationType, { required: readonly string[]; optional: readonly string[] }>> = {
  datadog: { required: ['api_key', 'site'], optional: ['endpoint', 'batch_seq'] },
  otlp: { required: ['endpoint'], optional: ['protocol', 'auth_type', 'api_key', 'auth_header_name', 'temporality', 'encoding', 'max_request_bytes'] },
  prometheus_remote_write: { required: ['endpoint'], optional: ['auth_type', 'username', 'password', 'api_key', 'auth_header_name', 'max_request_bytes'] },
};

type Json = Record<string, unknown>;

/**
 * The stream a POST body describes, defaults applied (status `enabled`, aliases resolved, Datadog's
 * `app.` site prefix dropped).
 * @throws StreamApiError 400 `invalid_body` for the first problem found; a secret may not be SECRET_MASK.
 */
export function parseNewStream(body: unknown, options: ValidationOptions = {}): StreamFields {
  const fields = object(body, '');
  only(fields, TOP_FIELDS, '');
  for (const required of ['name', 'subscriptions', 'destination']) if (fields[required] === undefined) throw invalidBody(`Missing required property: ${required}`);
  return checkStream(fields, options);
}

/**
 * The stream after a PATCH: given fields replace stored ones; a destination of the same type merges
 * its configuration into the stored one, where SECRET_MASK keeps the stored secret (a configuration
 * naming another `auth_type` drops the stored credentials instead, and one sending requests to
 * another host keeps no secret: see hostOf); `null` resets `tags` and `max_series`, and removes a
 * configuration field (a Datadog `endpoint`, say). The result is checked as a whole.
 * @throws StreamApiError 400 `invalid_body` for the first problem found.
 */
export function applyPatch(stored: MetricStream, body: unknown, options: ValidationOptions = {}): StreamFields {
  const patch = object(body, '');
  only(patch, TOP_FIELDS, '');
  const merged: Json = { name: stored.name, status: stored.status, subscriptions: stored.subscriptions, tags: stored.tags, max_series: stored.max_series };
  for (const [key, value] of Object.entries(patch))
    if (key !== 'destination') merged[key] = value === null && (key === 'tags' || key === 'max_series') ? undefined : value;
  merged.destination = patch.destination === undefined ? stored.destination : mergeDestination(stored.destination, patch.destination);
  return checkStream(merged, options);
}

function mergeDestination(stored: Destination, patch: unknown): Json {
  const destination = object(patch, 'destination');
  only(destination, ['type', 'configuration'], 'destination');
  const type = destination.type ?? stored.type;
  const given = destination.configuration === undefined ? {} : object(destination.configuration, 'destination.configuration');
  const storedConfiguration = stored.configuration as unknown as Json;
  const kept = type === stored.type ? keptConfiguration(storedConfiguration, given) : {};
  // `null` removes a field, as in JSON Merge Patch (RFC 7396); a required one is then missing.
  const configuration: Json = Object.fromEntries(Object.entries({ ...kept, ...given }).filter(([, value]) => value !== null));
  const isSameHost = type === stored.type && hostOf(storedConfiguration) === hostOf(configuration);
  for (const field of SECRET_FIELDS[stored.type]) {
    const where = `destination.configuration.${field}`;
    if (kept[field] !== undefined && !isSameHost && (given[field] === undefined || given[field] === SECRET_MASK)) {
      throw invalidBody('requests would go to another host, and a stored secret is kept only for its own: send it again', where);
    }
    if (given[field] !== SECRET_MASK) continue;
    if (kept[field] === undefined) throw invalidBody(`${SECRET_MASK} keeps a stored secret, but none is stored`, where);
    configuration[field] = kept[field];
  }
  return { type, configuration };
}

/**
 * Where a configuration's requests, and so its secrets, go: the origin of `endpoint`, or Datadog itself
 * for its sites (all Datadog's own). Why secrets are bound to it: they are answered only as
 * SECRET_MASK, and a PATCH moving a stream to another host while keeping them would hand them to
 * whoever runs that host.
 */
function hostOf(configuration: Json): string {
  const { endpoint } = configuration;
  if (typeof endpoint !== 'string') return 'the Datadog site';
  return URL.canParse(endpoint) ? new URL(endpoint).origin : endpoint;
}

/**
 * What a PATCH of the same destination type keeps of the stored configuration: all of it, but for the
 * credentials of the stored `auth_type` when the patch names another one, which would be refused
 * beside the new type and could not be removed otherwise.
 */
function keptConfiguration(stored: Json, given: Json): Json {
  if (given.auth_type === undefined || given.auth_type === stored.auth_type) return stored;
  return Object.fromEntries(Object.entries(stored).filter(([field]) => !AUTH_FIELDS.includes(field)));
}

function checkStream(fields: Json, options: ValidationOptions): StreamFields {
  const name = text(fields.name, 'name', MAX_NAME_LENGTH);
  const status = fields.status === undefined ? 'enabled' : oneOf<StreamStatus>(fields.status, STREAM_STATUSES, 'status');
  const subscriptions = checkSubscriptions(fields.subscriptions);
  const destination = checkDestination(fields.destination, options);
  const tags = fields.tags === undefined ? undefined : checkTags(fields.tags);
  const maxSeries = fields.max_series === undefined ? undefined : integer(fields.max_series, 'max_series', 1, MAX_STREAM_SERIES);
  return { name, status, subscriptions, destination, ...(tags === undefined ? {} : { tags }), ...(maxSeries === undefined ? {} : { max_series: maxSeries }) };
}

function checkSubscriptions(value: unknown): { metric_type: SubscriptionType }[] {
  if (!Array.isArray(value) || value.length === 0) throw invalidBody('Expected a non-empty array', 'subscriptions');
  const seen = new Set<SubscriptionType>();
  return value.map((entry, i) => {
    const where = `subscriptions[${i}]`;
    const subscription = object(entry, where);
    only(subscription, ['metric_type'], where);
    const given = subscription.metric_type;
    const type =
      typeof given === 'string' && Object.hasOwn(SUBSCRIPTION_ALIASES, given)
        ? SUBSCRIPTION_ALIASES[given]!
        : oneOf<SubscriptionType>(given, SUBSCRIPTION_TYPES, `${where}.metric_type`);
    if (seen.has(type)) throw invalidBody(`Duplicate subscription ${type}`, `${where}.metric_type`);
    seen.add(type);
    return { metric_type: type };
  });
}

function checkDestination(value: unknown, options: ValidationOptions): Destination {
  const destination = object(value, 'destination');
  only(destination, ['type', 'configuration'], 'destination');
  const type = oneOf<DestinationType>(destination.type, DESTINATION_TYPES, 'destination.type');
  const where = 'destination.configuration';
  const config = object(destination.configuration, where);
  const { required, optional } = CONFIG_FIELDS[type];
  only(config, [...required, ...optional], where);
  for (const field of required) if (config[field] === undefined) throw invalidBody(`Missing required property: ${field}`, where);
  for (const field of SECRET_FIELDS[type]) {
    if (config[field] !== undefined) secret(config[field], `${where}.${field}`);
  }
  switch (type) {
    case 'datadog':
      return { type, configuration: datadog(config, options) };
    case 'otlp':
      return { type, configuration: otlp(config, options) };
    case 'prometheus_remote_write':
      return { type, configuration: remoteWrite(config, options) };
  }
}

function datadog(config: Json, options: ValidationOptions) {
  const site = text(config.site, 'destination.configuration.site', 255).replace(/^app\./, '');
  oneOf(site, DATADOG_SITES, 'destination.configuration.site');
  const endpoint = config.endpoint === undefined ? {} : { endpoint: url(config.endpoint, 'destination.configuration.endpoint', options) };
  if (config.batch_seq !== undefined && typeof config.batch_seq !== 'boolean')
    throw invalidBody(`Expected type boolean but found type ${typeName(config.batch_seq)}`, 'destination.configuration.batch_seq');
  const batchSeq = config.batch_seq === true ? { batch_seq: true } : {};
  return { api_key: config.api_key as string, site, ...endpoint, ...batchSeq };
}

function otlp(config: Json, options: ValidationOptions) {
  const where = 'destination.configuration';
  const endpoint = url(config.endpoint, `${where}.endpoint`, options);
  const protocol = config.protocol === undefined ? 'http' : oneOf(config.protocol, ['http'] as const, `${where}.protocol`);
  const authType =
    config.auth_type === undefined ? (config.api_key === undefined ? 'none' : 'api_key') : oneOf(config.auth_type, ['api_key', 'none'] as const, `${where}.auth_type`);
  const temporality = config.temporality === undefined ? {} : { temporality: oneOf(config.temporality, TEMPORALITIES, `${where}.temporality`) };
  const encoding = config.encoding === undefined ? {} : { encoding: oneOf(config.encoding, ['protobuf', 'json'] as const, `${where}.encoding`) };
  return { endpoint, protocol, auth_type: authType, ...headerAuth(config, authType === 'api_key'), ...temporality, ...encoding, ...maxRequestBytes(config) };
}

function remoteWrite(config: Json, options: ValidationOptions) {
  const where = 'destination.configuration';
  const endpoint = url(config.endpoint, `${where}.endpoint`, options);
  const inferred = config.username !== undefined || config.password !== undefined ? 'basic' : config.api_key !== undefined ? 'api_key' : 'none';
  const authType = config.auth_type === undefined ? inferred : oneOf(config.auth_type, ['none', 'basic', 'api_key'] as const, `${where}.auth_type`);
  if (authType === 'basic') {
    for (const field of ['username', 'password']) if (config[field] === undefined) throw invalidBody(`Missing required property: ${field}`, where);
    const username = text(config.username, `${where}.username`, 256);
    if (username.includes(':')) throw invalidBody('A basic auth username may not contain ":"', `${where}.username`);
    forbid(config, ['api_key', 'auth_header_name'], 'basic');
    return { endpoint, auth_type: authType, username, password: config.password as string, ...maxRequestBytes(config) };
  }
  forbid(config, ['username', 'password'], authType);
  return { endpoint, auth_type: authType, ...headerAuth(config, authType === 'api_key'), ...maxRequestBytes(config) };
}

/** `max_request_bytes` when given: a whole number of bytes within MAX_REQUEST_BYTES_RANGE. */
function maxRequestBytes(config: Json): { max_request_bytes?: number } {
  if (config.max_request_bytes === undefined) return {};
  const { min, max } = MAX_REQUEST_BYTES_RANGE;
  return { max_request_bytes: integer(config.max_request_bytes, 'destination.configuration.max_request_bytes', min, max) };
}

/** `api_key` and `auth_header_name` when `isNeeded`, else neither. */
function headerAuth(config: Json, isNeeded: boolean): { api_key?: string; auth_header_name?: string } {
  const where = 'destination.configuration';
  if (!isNeeded) {
    forbid(config, ['api_key', 'auth_header_name'], 'none');
    return {};
  }
  for (const field of ['api_key', 'auth_header_name']) if (config[field] === undefined) throw invalidBody(`Missing required property: ${field}`, where);
  const header = text(config.auth_header_name, `${where}.auth_header_name`, 256);
  try {
    validateHeaderName(header);
  } catch {
    throw invalidBody(`"${header}" is not a valid HTTP header name`, `${where}.auth_header_name`);
  }
  if (RESERVED_HEADERS.has(header.toLowerCase())) throw invalidBody(`"${header}" is set by the delivery itself`, `${where}.auth_header_name`);
  return { api_key: config.api_key as string, auth_header_name: header };
}

function forbid(config: Json, fields: readonly string[], authType: string): void {
  for (const field of fields) {
    if (config[field] !== undefined) throw invalidBody(`Property not allowed with auth_type ${authType}`, `destination.configuration.${field}`);
  }
}

function secret(value: unknown, where: string): void {
  const given = text(value, where, MAX_TEXT_LENGTH);
  if (given === SECRET_MASK) throw invalidBody(`${SECRET_MASK} is the mask of a stored secret, not a secret`, where);
  try {
    validateHeaderValue('x', given);
  } catch {
    throw invalidBody('Contains characters not allowed in an HTTP header', where);
  }
}

function checkTags(value: unknown): TagFilter {
  const filter = object(value, 'tags');
  const keys = Object.keys(filter);
  if (keys.length !== 1 || (keys[0] !== 'allow' && keys[0] !== 'deny')) throw invalidBody('Expected exactly one of allow, deny', 'tags');
  const mode = keys[0];
  const list = filter[mode];
  if (!Array.isArray(list)) throw invalidBody('Expected an array of tag names', `tags.${mode}`);
  const names = list.map((tag, i) => {
    const name = text(tag, `tags.${mode}[${i}]`, 256);
    if (!/^[a-zA-Z_][a-zA-Z0-9_.]*$/.test(name)) throw invalidBody(`"${name}" is not a tag name`, `tags.${mode}[${i}]`);
    return name;
  });
  return mode === 'allow' ? { allow: names } : { deny: names };
}

/**
 * An endpoint URL: https, or http on a loopback host (any host with `allowInsecureHttp`); no
 * credentials (they would show in answers and logs) and no fragment.
 */
function url(value: unknown, where: string, options: ValidationOptions): string {
  const given = text(value, where, 2_048);
  let parsed: URL;
  try {
    parsed = new URL(given);
  } catch {
    throw invalidBody('Expected a valid absolute URL', where);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalidBody('Expected an http or https URL', where);
  if (parsed.protocol === 'http:' && options.allowInsecureHttp !== true && !isLoopback(parsed.hostname)) {
    throw invalidBody('http:// is only allowed for loopback addresses; use https://', where);
  }
  if (parsed.username !== '' || parsed.password !== '') throw invalidBody('Credentials belong in the configuration, not in the URL', where);
  if (parsed.hash !== '') throw invalidBody('A URL fragment is not allowed', where);
  return given;
}

/** `localhost`, 127.0.0.0/8 or ::1 (URL hostnames keep IPv6 brackets). */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidBody(`Expected type object but found type ${typeName(value)}`, where);
  return value as Json;
}

function only(value: Json, allowed: readonly string[], where: string): void {
  const extra = Object.keys(value).filter((key) => !allowed.includes(key));
  if (extra.length > 0) throw invalidBody(`Additional properties not allowed: ${extra.join(',')}`, where);
}

function text(value: unknown, where: string, maxLength: number): string {
  if (typeof value !== 'string') throw invalidBody(`Expected type string but found type ${typeName(value)}`, where);
  if (value.length === 0 || value.length > maxLength) throw invalidBody(`String length must be from 1 to ${maxLength}`, where);
  return value;
}

function integer(value: unknown, where: string, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) throw invalidBody(`Expected an integer from ${min} to ${max}`, where);
  return value as number;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  if (!allowed.includes(value as T)) throw invalidBody(`No enum match for: ${JSON.stringify(value)} (allowed: ${allowed.join(', ')})`, where);
  return value as T;
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
