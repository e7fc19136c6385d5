// The Datadog dashboard against what a Datadog metric stream really sends: metric names and tags come
// from encoding recorded api_request traffic (every optional tag set) with the stream's Datadog
// encoder, never from a list written here. Datadog's side (widget types, request shapes, tag
// lowercasing) is from its dashboards API reference and tagging documentation.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../src/metrics/api-request.js';
import type { Destination } from '../../src/streams/resource.js';
import { datadogEncoder } from '../../src/streams/stream-encoders.js';
import { recordedFrames } from '../streams/api-request-traffic.js';
import { DATADOG_DIR, filesIn, readCommitted } from './committed.js';

interface QueryJson {
  readonly data_source: string;
  readonly name: string;
  readonly query: string;
  readonly aggregator?: string;
}
interface RequestJson {
  readonly queries: readonly QueryJson[];
  readonly formulas: readonly { formula: string; alias?: string; limit?: { count: number; order: string } }[];
  readonly response_format: string;
  readonly display_type?: string;
}
interface WidgetJson {
  readonly id: number;
  readonly definition: { readonly type: string; readonly title: string; readonly requests: readonly RequestJson[] };
  readonly layout: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
}
interface DatadogDashboardJson {
  readonly title: string;
  readonly layout_type: string;
  readonly template_variables: readonly { name: string; prefix: string; defaults: readonly string[]; available_values: readonly string[] }[];
  readonly widgets: readonly WidgetJson[];
}

/** Widget definition types of Datadog's dashboards API (v1 `WidgetDefinition`), as of 2026. */
const DATADOG_WIDGET_TYPES = new Set([
  'alert_graph', 'alert_value', 'bar_chart', 'change', 'check_status', 'distribution', 'event_stream', 'event_timeline', 'free_text', 'funnel',
  'geomap', 'group', 'heatmap', 'hostmap', 'iframe', 'image', 'list_stream', 'log_stream', 'manage_status', 'note', 'powerpack', 'query_table',
  'query_value', 'run_workflow', 'scatterplot', 'servicemap', 'slo', 'slo_list', 'split_group', 'sunburst', 'timeseries', 'toplist',
  'topology_map', 'trace_service', 'treemap',
]); // prettier-ignore
/** `response_format` each widget type takes (FormulaAndFunctionResponseFormat). */
const RESPONSE_FORMAT: Readonly<Record<string, string>> = { timeseries: 'timeseries', toplist: 'scalar', query_value: 'scalar' };
const AGGREGATORS = ['avg', 'min', 'max', 'sum', 'last', 'area', 'l2norm', 'percentile'];
const DISPLAY_TYPES = ['area', 'bars', 'line', 'overlay'];
/** A metric query: space aggregation, metric, `{filters}`, optional `by {tags}`, optional as_count/as_rate. */
const METRIC_QUERY = /^(avg|sum|min|max):([A-Za-z][\w.]*)\{([^{}]*)\}(?: by \{([^{}]*)\})?(?:\.(as_count|as_rate)\(\))?$/;

/**
 * A tag as Datadog stores it ("Getting Started with Tags"): lowercased, characters other than letters,
 * digits, `_ - : . /` turned into `_`, runs of `_` reduced to one, a trailing `_` removed.
 */
function datadogTag(tag: string): string {
  return tag
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\-:./]/gu, '_')
    .replace(/_+/g, '_')
    .replace(/_$/, '');
}

const DESTINATION: Destination = { type: 'datadog', configuration: { api_key: 'k', site: 'datadoghq.com' } };
const EVERY_TAG: readonly ApiRequest[] = [
  {
    api: 'AUTHENTICATION',
    operationName: 'POST /oauth/token',
    operationResult: 'FAILURE',
    failureCode: 'RATE_LIMIT',
    tenant: 'acme',
    countryCode: 'FR',
    clientId: 'c1',
    connectionId: 'con_1',
    grantType: 'client_credentials',
  },
  { api: 'MANAGEMENT', operationName: 'GET /api/v2/users/:id', operationResult: 'FAILURE', failureCode: 'CLIENT_SERVER_ERROR', tenant: 'acme' },
  { api: 'MANAGEMENT', operationName: 'GET /api/v2/users', operationResult: 'FAILURE', failureCode: 'ANOMALY_DETECTION', tenant: 'acme' },
  { api: 'MANAGEMENT', operationName: 'GET /api/v2/users', operationResult: 'SUCCESS', tenant: 'acme' },
];

/** What a Datadog stream sends for that traffic: metric names, and per tag key the values as Datadog stores them. */
async function sent(): Promise<{ metrics: Set<string>; tags: Map<string, Set<string>> }> {
  const frames = await recordedFrames(
    EVERY_TAG.map((request) => ({ request, perSecond: 1 })),
    2,
    Date.UTC(2026, 10, 30),
  );
  const series = datadogEncoder
    .encode(frames, { temporality: 'delta', destination: DESTINATION })
    .flatMap((r) => (JSON.parse(gunzipSync(r.body).toString('utf8')) as { series: { metric: string; tags: string[] }[] }).series);
  const tags = new Map<string, Set<string>>();
  for (const tag of series.flatMap((s) => s.tags)) {
    const [key, value] = datadogTag(tag).split(/:(.*)/s) as [string, string];
    tags.set(key, (tags.get(key) ?? new Set()).add(value));
  }
  return { metrics: new Set(series.map((s) => s.metric)), tags };
}

const SENT = await sent();
const DASHBOARDS = filesIn(DATADOG_DIR, '.json').map((path) => [path, JSON.parse(readCommitted(path)) as DatadogDashboardJson] as const);
const queriesOf = (d: DatadogDashboardJson): QueryJson[] => d.widgets.flatMap((w) => w.definition.requests.flatMap((r) => r.queries));

describe('what the Datadog stream sends, as derived here', () => {
  it('is the Auth0 metric with its tags, lowercased as Datadog stores them', () => {
    expect([...SENT.metrics]).toEqual(['auth0.api_request.count']);
    expect(SENT.tags.get('failure_code')).toEqual(new Set(['rate_limit', 'client_server_error', 'anomaly_detection']));
    expect(SENT.tags.get('operation_name')).toContain('post_/oauth/token');
    expect([...SENT.tags.keys()].sort()).toEqual([
      'api',
      'client_id',
      'connection_id',
      'country_code',
      'failure_code',
      'grant_type',
      'operation_name',
      'operation_result',
      'tenant',
    ]);
  });
});

describe.each(DASHBOARDS)('%s', (_path, dashboard) => {
  it('is an ordered Datadog dashboard with a title and widgets', () => {
    expect(dashboard).toMatchObject({ title: expect.any(String), layout_type: 'ordered' });
    expect(dashboard.widgets.length).toBeGreaterThanOrEqual(4);
  });

  it("uses only widget types Datadog knows, with each type's response format, aggregators and display types", () => {
    for (const { definition } of dashboard.widgets) {
      expect(DATADOG_WIDGET_TYPES, definition.title).toContain(definition.type);
      for (const request of definition.requests) {
        expect(request.response_format, definition.title).toBe(RESPONSE_FORMAT[definition.type]);
        if (request.response_format === 'scalar') for (const q of request.queries) expect(AGGREGATORS, definition.title).toContain(q.aggregator);
        if (request.display_type !== undefined) expect(DISPLAY_TYPES).toContain(request.display_type);
      }
    }
    expect(new Set(dashboard.widgets.map((w) => w.definition.type))).toEqual(new Set(['timeseries', 'toplist', 'query_value']));
  });

  it('queries only metrics the stream sends, filtered and grouped by tags it sends, with values as Datadog stores them', () => {
    const variables = new Set(dashboard.template_variables.map((v) => `$${v.name}`));
    for (const q of queriesOf(dashboard)) {
      expect(q.data_source, q.query).toBe('metrics');
      const [, , metric, filters = '', groups] = METRIC_QUERY.exec(q.query) ?? [];
      expect(metric, `${q.query} does not parse`).toBeDefined();
      expect(SENT.metrics, q.query).toContain(metric);
      for (const filter of filters.split(',')) {
        if (filter.startsWith('$')) expect(variables, q.query).toContain(filter);
        else {
          const [key = '', value = ''] = filter.split(/:(.*)/s);
          expect(SENT.tags.get(key), `${q.query}: tag ${key}`).toBeDefined();
          expect(SENT.tags.get(key), `${q.query}: ${filter}`).toContain(value);
        }
      }
      for (const key of groups?.split(',') ?? []) expect(SENT.tags.has(key), `${q.query}: group by ${key}`).toBe(true);
    }
  });

  it('offers template variables on tags the stream sends, used by every query', () => {
    expect(dashboard.template_variables.map((v) => v.name).sort()).toEqual(['api', 'tenant']);
    for (const v of dashboard.template_variables) {
      expect(SENT.tags.has(v.prefix), v.prefix).toBe(true);
      expect(v.defaults).toEqual(['*']);
      for (const q of queriesOf(dashboard)) expect(q.query).toContain(`$${v.name}`);
    }
  });

  it('names queries uniquely per request and uses each in a formula that names only defined queries', () => {
    for (const { definition } of dashboard.widgets) {
      for (const request of definition.requests) {
        const names = request.queries.map((q) => q.name);
        expect(new Set(names).size, definition.title).toBe(names.length);
        const used = new Set(request.formulas.flatMap((f) => f.formula.match(/[A-Za-z_]\w*/g) ?? []));
        expect(
          [...used].filter((name) => !names.includes(name)),
          definition.title,
        ).toEqual([]);
        expect(
          names.filter((name) => !used.has(name)),
          definition.title,
        ).toEqual([]);
        expect(request.formulas.length, definition.title).toBeGreaterThan(0);
      }
    }
  });

  it('has the panels the issue asks for: traffic, error rate, rate-limited requests by operation, top failing operations', () => {
    const byTitle = (pattern: RegExp) => dashboard.widgets.filter((w) => pattern.test(w.definition.title)).map((w) => w.definition);
    expect(byTitle(/^Traffic/)[0]?.requests[0]?.queries[0]?.query).toMatch(/ by \{api,operation_result\}\.as_rate\(\)$/);
    expect(byTitle(/^Error rate/).map((d) => d.requests[0]?.formulas[0]?.formula)).toEqual(['100 * failed / total', '100 * failed / total']);
    expect(byTitle(/^Rate-limited requests by operation/)[0]?.requests[0]?.queries[0]?.query).toMatch(/failure_code:rate_limit\} by \{operation_name\}/);
    expect(byTitle(/^Top failing operations/)[0]).toMatchObject({ type: 'toplist' });
    expect(byTitle(/^Top failing operations/)[0]?.requests[0]?.queries[0]?.query).toMatch(/operation_result:failure\} by \{operation_name\}/);
  });

  it('places every widget on the 12-column grid without overlaps, with unique ids', () => {
    const boxes = dashboard.widgets.map((w) => w.layout);
    for (const b of boxes) expect(b.x + b.width).toBeLessThanOrEqual(12);
    const overlaps = boxes.flatMap((a, i) =>
      boxes.slice(i + 1).filter((b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height),
    );
    expect(overlaps).toEqual([]);
    expect(new Set(dashboard.widgets.map((w) => w.id)).size).toBe(dashboard.widgets.length);
  });
});
