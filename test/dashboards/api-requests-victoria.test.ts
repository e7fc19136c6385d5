// The Grafana dashboard of auth0.api_request.count against a real VictoriaMetrics on loopback holding
// known traffic pushed by the stream encoders: OTLP (names kept, VictoriaMetrics' default), OTLP with
// Prometheus naming (`_total` added, as Grafana Cloud's Mimir does) and remote write, one tenant per
// route. Every panel query and variable runs with the variables substituted; results are compared with
// the traffic's own arithmetic. Skips without VictoriaMetrics (scripts/install-victoria-metrics.sh).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../src/metrics/api-request.js';
import type { Destination } from '../../src/streams/resource.js';
import { otlpEncoder, remoteWriteEncoder } from '../../src/streams/stream-encoders.js';
import { toPromQL } from '../../scripts/dashboards.js';
import { run } from '../support/prometheus-tools.js';
import { hasVictoriaMetrics, VictoriaMetrics } from '../support/victoria-metrics.js';
import { recordedFrames, type Traffic } from '../streams/api-request-traffic.js';
import { allPanels, committedStreamDashboards } from './committed.js';

const DASHBOARD = committedStreamDashboards().find((d) => d.json.uid === 'auth0-api-requests')!.json;
const SECONDS = 120;
/** What `$__range` becomes: the last minute, so `increase` reads whole seconds of constant traffic. */
const RANGE_SECONDS = 60;

type Op = Omit<ApiRequest, 'tenant'>;
/** Requests per second, constant: every rate is exact, whatever the window. */
const TRAFFIC: readonly (readonly [Op, number])[] = [
  [{ api: 'AUTHENTICATION', operationName: 'POST /oauth/token', operationResult: 'SUCCESS', grantType: 'client_credentials' }, 6],
  [{ api: 'AUTHENTICATION', operationName: 'POST /oauth/token', operationResult: 'FAILURE', failureCode: 'RATE_LIMIT' }, 2],
  [{ api: 'AUTHENTICATION', operationName: 'POST /co/authenticate', operationResult: 'FAILURE', failureCode: 'CLIENT_SERVER_ERROR' }, 1],
  [{ api: 'MANAGEMENT', operationName: 'GET /api/v2/users', operationResult: 'SUCCESS' }, 3],
  [{ api: 'MANAGEMENT', operationName: 'GET /api/v2/users', operationResult: 'FAILURE', failureCode: 'RATE_LIMIT' }, 1],
  [{ api: 'MANAGEMENT', operationName: 'PATCH /api/v2/users/:id', operationResult: 'FAILURE', failureCode: 'ANOMALY_DETECTION' }, 3],
];

/** Per-second totals of the traffic matching `keep`, grouped by `key`. */
function perSecond(keep: (op: Op) => boolean, key: (op: Op) => string = () => ''): Map<string, number> {
  const totals = new Map<string, number>();
  for (const [op, n] of TRAFFIC) if (keep(op)) totals.set(key(op), (totals.get(key(op)) ?? 0) + n);
  return totals;
}
const all = () => true;
const failed = (op: Op) => op.operationResult === 'FAILURE';
const rateLimited = (op: Op) => op.failureCode === 'RATE_LIMIT';
const ratioBy = (key: (op: Op) => string) => {
  const failures = perSecond(failed, key);
  return new Map([...perSecond(all, key)].map(([k, total]) => [k, (failures.get(k) ?? 0) / total]));
};

/** What each panel must show, by title: `{labels of the group}` → value. Every panel needs an entry. */
const EXPECTED: Readonly<Record<string, Map<string, number>>> = {
  'Requests/s': perSecond(all),
  'Error ratio': ratioBy(() => ''),
  'Rate-limited/s': perSecond(rateLimited),
  'Traffic by API and result': perSecond(all, (op) => `${op.api} ${op.operationResult}`),
  'Error ratio by API': ratioBy((op) => op.api),
  'Rate-limited requests by operation': perSecond(rateLimited, (op) => op.operationName),
  'Top failing operations': new Map([...perSecond(failed, (op) => op.operationName)].map(([k, n]) => [k, n * RANGE_SECONDS])),
};
/** The labels a panel's legend names a group by, in EXPECTED's key order. */
const GROUP_LABELS: Readonly<Record<string, readonly string[]>> = {
  'Traffic by API and result': ['api', 'operation_result'],
  'Error ratio by API': ['api'],
  'Rate-limited requests by operation': ['operation_name'],
  'Top failing operations': ['operation_name'],
};

const ROUTES = [
  { tenant: 'via-otlp', server: 'default', name: 'auth0_api_request_count' },
  { tenant: 'via-remote-write', server: 'default', name: 'auth0_api_request_count' },
  { tenant: 'via-otlp-prometheus-naming', server: 'prometheus-naming', name: 'auth0_api_request_count_total' },
] as const;

const OTLP: Destination = { type: 'otlp', configuration: { endpoint: 'http://127.0.0.1/', protocol: 'http', auth_type: 'none' } } as Destination;
const plotted = allPanels(DASHBOARD).filter((p) => p.type !== 'row');

/** A panel or variable expression with the dashboard's variables set, as Grafana would send it. */
function substitute(expr: string, tenant: string, api = '.*'): string {
  return toPromQL(expr.replaceAll('$__range', `${RANGE_SECONDS}s`).replaceAll('$tenant', tenant).replaceAll('$api', api));
}

describe.skipIf(!hasVictoriaMetrics)('the auth0-api-requests Grafana dashboard on VictoriaMetrics holding pushed traffic', () => {
  const servers = new Map<string, VictoriaMetrics>();
  let lastMs = 0;

  beforeAll(async () => {
    servers.set('default', await VictoriaMetrics.start());
    servers.set('prometheus-naming', await VictoriaMetrics.start(['-opentelemetry.usePrometheusNaming']));
    const startMs = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
    for (const route of ROUTES) {
      const traffic: Traffic[] = TRAFFIC.map(([op, n]) => ({ request: { ...op, tenant: route.tenant }, perSecond: n }));
      const frames = await recordedFrames(traffic, SECONDS, startMs);
      lastMs = frames.at(-1)!.current.timeMs;
      const vm = servers.get(route.server)!;
      const isRemoteWrite = route.tenant === 'via-remote-write';
      const requests = (isRemoteWrite ? remoteWriteEncoder : otlpEncoder).encode(frames, { temporality: 'cumulative', destination: OTLP });
      for (const r of requests) await vm.push(isRemoteWrite ? '/api/v1/write' : '/opentelemetry/v1/metrics', r.body, r.headers);
    }
  }, 60_000);
  afterAll(async () => {
    for (const vm of servers.values()) await vm.stop();
  });

  it.each(ROUTES)('stores the $tenant traffic as $name with the tags as labels', async ({ tenant, server, name }) => {
    const series = await servers.get(server)!.export(`{tenant="${tenant}"}`);
    const counts = series.filter((s) => s.metric.__name__ === name);
    expect(counts).toHaveLength(TRAFFIC.length);
    expect(counts.map((s) => s.values.at(-1)).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(TRAFFIC.map(([, n]) => n * SECONDS).sort((a, b) => a - b));
    for (const s of counts) expect(Object.keys(s.metric)).toEqual(expect.arrayContaining(['api', 'operation_name', 'operation_result', 'tenant']));
    expect(counts.filter((s) => s.metric.failure_code !== undefined)).toHaveLength(TRAFFIC.filter(([op]) => op.failureCode !== undefined).length);
  });

  it('has an expectation for every panel', () => {
    expect(plotted.map((p) => p.title).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(ROUTES)('answers every panel right for $tenant ($name)', async ({ tenant, server }) => {
    const vm = servers.get(server)!;
    for (const panel of plotted) {
      for (const target of panel.targets ?? []) {
        const promql = substitute(target.expr, tenant);
        const result = await vm.query(promql, lastMs);
        const got = new Map(result.map((r) => [(GROUP_LABELS[panel.title] ?? []).map((l) => r.metric[l] ?? '').join(' '), r.value]));
        const expected = EXPECTED[panel.title]!;
        expect([...got.keys()].sort(), `${panel.title}: ${promql}`).toEqual([...expected.keys()].sort());
        // Rates of constant traffic are exact; ratios such as 4/7 come back rounded to the 12 significant
        // digits VictoriaMetrics writes, hence 10 decimals.
        for (const [group, value] of expected) expect(got.get(group), `${panel.title} ${group}: ${promql}`).toBeCloseTo(value, 10);
      }
    }
  });

  it('narrows every panel to the API picked in the api variable', async () => {
    const vm = servers.get('default')!;
    const traffic = plotted.find((p) => p.title === 'Traffic by API and result')!;
    const result = await vm.query(substitute(traffic.targets![0]!.expr, 'via-otlp', 'MANAGEMENT'), lastMs);
    expect(new Map(result.map((r) => [`${r.metric.api} ${r.metric.operation_result}`, r.value]))).toEqual(
      new Map([...EXPECTED['Traffic by API and result']!].filter(([k]) => k.startsWith('MANAGEMENT'))),
    );
  });

  it('offers the tenants and APIs in its variables, as label_values() finds them', async () => {
    const [tenant, api] = DASHBOARD.templating.list;
    const selector = (definition: string) => /^label_values\((.*),\s*\w+\)$/s.exec(definition)![1]!;
    const vm = servers.get('default')!;
    expect((await vm.labelValues('tenant', selector(tenant!.definition))).sort()).toEqual(['via-otlp', 'via-remote-write']);
    expect((await vm.labelValues('api', substitute(selector(api!.definition), 'via-remote-write'))).sort()).toEqual(['AUTHENTICATION', 'MANAGEMENT']);
  });
});

describe('the auth0-api-requests Grafana dashboard, checked by promtool', () => {
  it('has panel queries and variable selectors Prometheus parses, variables substituted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-api-requests-'));
    try {
      const exprs = [
        ...plotted.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
        ...DASHBOARD.templating.list.map((v) => v.definition.replace(/^label_values\((.*),\s*\w+\)$/s, '$1')),
      ].map((e) => substitute(e, '.*'));
      const rules = exprs.map((e, i) => `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(e)}`);
      const file = join(dir, 'queries.yml');
      writeFileSync(file, `groups:\n  - name: api-requests\n    rules:\n${rules.join('\n')}\n`);
      const result = await run('promtool', ['check', 'rules', file]);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
