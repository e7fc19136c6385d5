// Where a stream's requests go and how they authenticate, from its destination configuration: the URL
// rules of each destination type. Bodies are the encoders' business.
import type { Destination, Temporality } from './resource.js';

/** The path Datadog's v2 series API adds to an API base URL. */
export const DATADOG_SERIES_PATH = '/api/v2/series';
/**
 * How old a point Datadog's series API still takes: points more than an hour in the past are
 * ignored (its v2 series API documentation), while the request succeeds, so delivery drops them first
 * and counts them (`too_old`) rather than count them as sent.
 */
export const DATADOG_MAX_POINT_AGE_MS = 3_600_000;
/** The path OTLP/HTTP adds to an endpoint given as a base. */
export const OTLP_METRICS_PATH = '/v1/metrics';

/** A resolved destination: the URL to POST to, its authentication headers, its temporality, its body limit. */
export interface Target {
  readonly url: string;
  /** Secrets inside: never log them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly temporality: Temporality;
  /** The configuration's `max_request_bytes`, when it sets one. */
  readonly maxRequestBytes?: number;
}

/**
 * The target of `destination`. Datadog: the site's API (`https://api.<site>`) or `endpoint`, with
 * DATADOG_SERIES_PATH after its path (a query stays a query), key in `DD-API-KEY`, delta counts. OTLP: an endpoint whose path is empty,
 * `/` or exactly `/otlp` gets OTLP_METRICS_PATH appended (New Relic's and Grafana Cloud's bases),
 * any other path is used as given (Splunk's); the key goes verbatim into `auth_header_name`;
 * cumulative unless the configuration says delta. Remote write: the endpoint as given, basic auth or
 * a header, cumulative. Both carry `max_request_bytes` when configured.
 */
export function targetOf(destination: Destination): Target {
  switch (destination.type) {
    case 'datadog': {
      const { api_key: apiKey, site, endpoint } = destination.configuration;
      const url = new URL(endpoint ?? `https://api.${site}`);
      url.pathname = `${url.pathname.replace(/\/+$/, '')}${DATADOG_SERIES_PATH}`;
      return { url: url.toString(), headers: { 'DD-API-KEY': apiKey }, temporality: 'delta' };
    }
    case 'otlp': {
      const config = destination.configuration;
      const url = new URL(config.endpoint);
      if (url.pathname === '' || url.pathname === '/' || url.pathname === '/otlp') url.pathname = `${url.pathname.replace(/\/$/, '')}${OTLP_METRICS_PATH}`;
      const target = { url: url.toString(), headers: headerAuth(config.api_key, config.auth_header_name), temporality: config.temporality ?? 'cumulative' } as const;
      return withLimit(target, config.max_request_bytes);
    }
    case 'prometheus_remote_write': {
      const config = destination.configuration;
      const headers =
        config.username !== undefined && config.password !== undefined
          ? { Authorization: `Basic ${Buffer.from(`${config.username}:${config.password}`, 'utf8').toString('base64')}` }
          : headerAuth(config.api_key, config.auth_header_name);
      return withLimit({ url: config.endpoint, headers, temporality: 'cumulative' }, config.max_request_bytes);
    }
  }
}

function withLimit(target: Target, maxRequestBytes: number | undefined): Target {
  return maxRequestBytes === undefined ? target : { ...target, maxRequestBytes };
}

function headerAuth(key: string | undefined, header: string | undefined): Record<string, string> {
  return key !== undefined && header !== undefined ? { [header]: key } : {};
}
