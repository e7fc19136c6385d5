// Auth0's `auth0.api_request.count` as a Prometheus-style receiver stores what a metric stream pushes
// (OTLP or remote write): traffic, error ratio, rate limits and the failing operations, per tenant and API.
import { API_REQUEST_FAMILY } from '../../../src/metrics/api-request.js';
import type { DashboardSpec, PanelSpec, VariableSpec } from '../grafana.js';
import { aggregate, eq, selector } from '../promql.js';

/**
 * The count's names in a receiver: `auth0_api_request_count` as remote write sends it and as
 * VictoriaMetrics keeps OTLP names; `auth0_api_request_count_total` where the receiver adds
 * Prometheus' `_total` to OTLP monotonic sums (Grafana Cloud's Mimir, Prometheus 3's OTLP receiver,
 * VictoriaMetrics with `-opentelemetry.usePrometheusNaming`). Queries read either.
 */
export const API_REQUEST_SAMPLES = [`${API_REQUEST_FAMILY}_count`, `${API_REQUEST_FAMILY}_count_total`] as const;
const WINDOW = '$__rate_interval';
const VARIABLE_MATCHERS = ['tenant=~"$tenant"', 'api=~"$api"'];

/** Requests per second matching `extra`, in the selected tenants and APIs: one rate per stored name, `or`ed. */
function requestRate(extra: readonly string[] = [], window = WINDOW, fn = 'rate'): string {
  return API_REQUEST_SAMPLES.map((sample) => `${fn}(${selector(sample, [...VARIABLE_MATCHERS, ...extra])}[${window}])`).join(' or ');
}

const FAILURE = eq('operation_result', 'FAILURE');
const RATE_LIMIT = eq('failure_code', 'RATE_LIMIT');

/** Failures over all requests by `by`, 0 (not "No data") where a group has traffic and no failure. */
function failureRatio(by: readonly string[]): string {
  return `${aggregate('sum', by, `(${requestRate([FAILURE])}) or (${requestRate()}) * 0`)} / ${aggregate('sum', by, requestRate())}`;
}

function variables(): VariableSpec[] {
  const sample = API_REQUEST_SAMPLES.join('|');
  return [
    { name: 'tenant', label: 'Tenant', description: 'Tenants (the `tenant` tag) to show.', selector: `{__name__=~"${sample}"}`, labelName: 'tenant' },
    {
      name: 'api',
      label: 'API',
      description: 'AUTHENTICATION, MANAGEMENT, or both.',
      selector: `{__name__=~"${sample}", tenant=~"$tenant"}`,
      labelName: 'api',
    },
  ];
}

function headline(): PanelSpec[] {
  return [
    {
      type: 'stat',
      title: 'Requests/s',
      description: 'API requests per second in the selected tenants and APIs, successes and failures.',
      unit: 'ops',
      targets: [{ expr: aggregate('sum', [], requestRate()), legend: 'requests/s' }],
      width: 6,
    },
    {
      type: 'stat',
      title: 'Error ratio',
      description: 'Share of API requests that failed (operation_result FAILURE), any failure code.',
      unit: 'percentunit',
      targets: [{ expr: failureRatio([]), legend: 'error ratio' }],
      width: 6,
      thresholds: [0.05, 0.2],
    },
    {
      type: 'stat',
      title: 'Rate-limited/s',
      description: 'Requests per second refused with failure code RATE_LIMIT (HTTP 429).',
      unit: 'ops',
      targets: [{ expr: `${aggregate('sum', [], `(${requestRate([RATE_LIMIT])}) or (${requestRate()}) * 0`)}`, legend: 'rate-limited/s' }],
      width: 6,
    },
  ];
}

function panels(): PanelSpec[] {
  return [
    {
      type: 'timeseries',
      title: 'Traffic by API and result',
      description: 'API requests per second by API (AUTHENTICATION, MANAGEMENT) and result (SUCCESS, FAILURE).',
      unit: 'ops',
      targets: [{ expr: aggregate('sum', ['api', 'operation_result'], requestRate()), legend: '{{api}} {{operation_result}}' }],
    },
    {
      type: 'timeseries',
      title: 'Error ratio by API',
      description: 'Failed requests over all requests, per API; 0 while an API has traffic and no failure.',
      unit: 'percentunit',
      targets: [{ expr: failureRatio(['api']), legend: '{{api}}' }],
    },
    {
      type: 'timeseries',
      title: 'Rate-limited requests by operation',
      description: 'Requests per second refused with failure code RATE_LIMIT (HTTP 429), by operation (method and route template).',
      unit: 'ops',
      targets: [{ expr: aggregate('sum', ['operation_name'], requestRate([RATE_LIMIT])), legend: '{{operation_name}}' }],
    },
    {
      type: 'bargauge',
      title: 'Top failing operations',
      description: 'The ten operations with the most failed requests over the dashboard time range, any failure code.',
      unit: 'short',
      targets: [
        {
          expr: `topk(10, ${aggregate('sum', ['operation_name'], requestRate([FAILURE], '$__range', 'increase'))})`,
          legend: '{{operation_name}}',
          instant: true,
        },
      ],
    },
  ];
}

/** The dashboard of Auth0's API request metric as it lands through OTLP or remote write. */
export function apiRequestsDashboard(): DashboardSpec {
  return {
    uid: 'auth0-api-requests',
    title: 'Auth0 / API requests (metric streams)',
    description:
      'auth0.api_request.count as a metric stream pushes it over OTLP or Prometheus remote write: traffic, error ratio, rate-limited operations and the operations failing most, per tenant and API.',
    datasourceDescription: 'Prometheus-compatible data source that receives the metric stream (Mimir, Grafana Cloud, VictoriaMetrics, Prometheus)',
    tags: ['auth0', 'metric-streams'],
    variables: variables(),
    sections: [
      { title: 'Now', panels: headline() },
      { title: 'API requests', panels: panels() },
    ],
  };
}
