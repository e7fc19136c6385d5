// The Datadog dashboard of `auth0.api_request.count` as a Datadog metric stream sends it: traffic,
// error rate, rate-limited operations and the operations failing most, per tenant and API.
import { AUTH0_API_REQUEST_METRIC, type ApiRequestTag, type FailureCode, type OperationResult } from '../../../src/metrics/api-request.js';
import type { DatadogDashboardSpec, DatadogWidgetSpec } from '../datadog.js';

/**
 * `key:value` as Datadog stores a tag: it lowercases tags at intake (docs.datadoghq.com, "Getting
 * Started with Tags": "Tags are converted to lowercase"), so the stream's `failure_code:RATE_LIMIT`
 * is queried as `failure_code:rate_limit`. Our enum values hold no character Datadog would replace.
 */
function tag(key: ApiRequestTag, value: OperationResult | FailureCode): string {
  return `${key}:${value.toLowerCase()}`;
}

/** Every query filters by the template variables, so picking a tenant or an API narrows every widget. */
const SCOPE = ['$tenant', '$api'];

/** `sum:auth0.api_request.count{…} by {…}.as_count()`: requests per bucket (`as_rate()`: per second). */
function count(filters: readonly string[], by: readonly ApiRequestTag[] = [], per: 'count' | 'rate' = 'count'): string {
  const groups = by.length === 0 ? '' : ` by {${by.join(',')}}`;
  return `sum:${AUTH0_API_REQUEST_METRIC}{${[...SCOPE, ...filters].join(',')}}${groups}.as_${per}()`;
}

const FAILURE = tag('operation_result', 'FAILURE');
const RATE_LIMIT = tag('failure_code', 'RATE_LIMIT');

function widgets(): DatadogWidgetSpec[] {
  return [
    {
      type: 'query_value',
      title: 'Requests/s',
      queries: [{ name: 'total', query: count([], [], 'rate') }],
      formulas: [{ formula: 'total' }],
      aggregator: 'avg',
      unit: 'req/s',
      width: 4,
    },
    {
      type: 'query_value',
      title: 'Error rate',
      queries: [
        { name: 'failed', query: count([FAILURE]) },
        { name: 'total', query: count([]) },
      ],
      formulas: [{ formula: '100 * failed / total' }],
      unit: '%',
      width: 4,
    },
    {
      type: 'query_value',
      title: 'Rate-limited requests',
      queries: [{ name: 'limited', query: count([RATE_LIMIT]) }],
      formulas: [{ formula: 'limited' }],
      precision: 0,
      width: 4,
    },
    {
      type: 'timeseries',
      title: 'Traffic by API and result (requests/s)',
      queries: [{ name: 'requests', query: count([], ['api', 'operation_result'], 'rate') }],
      formulas: [{ formula: 'requests', alias: 'requests/s' }],
    },
    {
      type: 'timeseries',
      title: 'Error rate by API (%)',
      queries: [
        { name: 'failed', query: count([FAILURE], ['api']) },
        { name: 'total', query: count([], ['api']) },
      ],
      formulas: [{ formula: '100 * failed / total', alias: 'error rate %' }],
    },
    {
      type: 'timeseries',
      title: 'Rate-limited requests by operation',
      queries: [{ name: 'limited', query: count([RATE_LIMIT], ['operation_name']) }],
      formulas: [{ formula: 'limited', alias: 'rate-limited' }],
      display: 'bars',
    },
    {
      type: 'toplist',
      title: 'Top failing operations',
      queries: [{ name: 'failed', query: count([FAILURE], ['operation_name']) }],
      formulas: [{ formula: 'failed', alias: 'failed requests' }],
    },
  ];
}

/** The Datadog dashboard for Auth0's API request metric. */
export function datadogApiRequestsDashboard(): DatadogDashboardSpec {
  return {
    title: 'Auth0 API requests (metric streams)',
    description:
      'auth0.api_request.count as an am-metrics Datadog metric stream sends it: one count per series and second, tags lowercased by Datadog. Pick tenants and APIs above.',
    variables: [
      { name: 'tenant', prefix: 'tenant' },
      { name: 'api', prefix: 'api' },
    ],
    widgets: widgets(),
  };
}
