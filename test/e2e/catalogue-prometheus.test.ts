// The full AM catalogue, driven by the simulator, scraped by a real Prometheus 2.42 on loopback through
// both naming profiles, with the dashboards' queries and the alerting and recording rules evaluated; and
// two self-hosted servers (no kubernetes_pod_name) of one job, which per-server views must keep apart.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAmMetrics, Registry } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/express.js';
import { createSimulator, type Simulator } from '../../src/simulator/simulator.js';
import { liveQueries, type LiveQuery } from '../../scripts/dashboards.js';
import { PrometheusServer } from '../support/prometheus-server.js';
import { promtoolCheckMetrics } from '../support/prometheus-tools.js';

const JOBS = { aic: { name: 'am', path: '/monitoring/prometheus/am' }, legacy: { name: 'am-legacy', path: '/json/metrics/prometheus' } };
const SELF_HOSTED_JOB = 'am-self-hosted';
const POD = 'kubernetes_pod_name';
const isPerServer = (q: LiveQuery): boolean => q.kind === 'panel' && /by \([^)]*kubernetes_pod_name/.test(q.expr);
/** Panel queries meant per server: one line per pod, which must also be one per self-hosted server. */
const PER_SERVER_PANELS = liveQueries().filter(isPerServer);
const RULE_FILES = ['am-recording.rules.yml', 'am-alerts.rules.yml'].map((f) => fileURLToPath(new URL(`../../grafana-dashboards/rules/${f}`, import.meta.url)));
const WAIT = { timeout: 30_000, interval: 500 };

/** A typical dashboard query per family, each on the AIC job, plus the legacy names on the legacy job. */
const FAMILY_QUERIES: ReadonlyArray<[string, string]> = [
  ['authentication: login rate by outcome', 'sum by (outcome) (rate(am_authentication_count{job="am"}[30s]))'],
  ['authentication: unique users per pod', 'am_authentication_unique_uuid{job="am"}'],
  ['authorization: policy evaluation p99', 'am_authorization_policy_set_evaluate_seconds{job="am",quantile="0.99"}'],
  ['denylist: check rate by outcome', 'sum by (outcome) (rate(am_blacklist_check_count{job="am"}[30s]))'],
  ['cts: operation p99', 'am_cts_task_seconds{job="am",quantile="0.99"}'],
  ['cts: average latency', 'sum(rate(am_cts_task_seconds_sum{job="am"}[30s])) / sum(rate(am_cts_task_count{job="am"}[30s]))'],
  ['cts: pending operations', 'sum by (operation) (am_cts_task_pending{job="am"})'],
  ['oauth2: grants by type', 'sum by (grant_type) (rate(am_oauth2_grant_count{job="am"}[30s]))'],
  ['session: cache size', 'am_session_cts_based_cache_size{job="am"}'],
  ['session: timeouts', 'sum by (operation) (rate(am_session_count{job="am",operation=~"idle-timeout|max-timeout"}[30s]))'],
  ['legacy: CTS average latency from _seconds_total', 'sum(rate(am_cts_task_seconds_total{job="am-legacy"}[30s])) / sum(rate(am_cts_task_count{job="am-legacy"}[30s]))'],
  ['legacy: login total', 'am_authentication_total{job="am-legacy"}'],
];

describe('the AM catalogue scraped by Prometheus', () => {
  let simulator: Simulator | undefined;
  let exporter: RunningServer | undefined;
  let prometheus: PrometheusServer | undefined;
  const selfHosted: { simulator: Simulator; exporter: RunningServer }[] = [];

  beforeAll(async () => {
    // As `am-metrics serve --timer-buckets` runs it: timer buckets and runtime metrics feed dashboard panels too.
    const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-e2e-0' }, timerBuckets: true }).runtimeMetrics();
    const am = createAmMetrics({ registry });
    simulator = createSimulator(am, { rate: 50, seed: 7 });
    simulator.start();
    exporter = await startServer({ source: am, port: 0, host: '127.0.0.1' });
    const target = `127.0.0.1:${exporter.port}`;
    // Self-hosted AM writes no pod label (`--pod-name ''`): two such servers, one job.
    for (const seed of [11, 13]) {
      const server = createAmMetrics({ registry: new Registry({ timerBuckets: true }).runtimeMetrics(), podName: null });
      const serverSimulator = createSimulator(server, { rate: 50, seed });
      serverSimulator.start();
      selfHosted.push({ simulator: serverSimulator, exporter: await startServer({ source: server, port: 0, host: '127.0.0.1' }) });
    }
    prometheus = await PrometheusServer.start({
      jobs: [
        ...Object.values(JOBS).map((job) => ({ name: job.name, targets: [target], metricsPath: job.path })),
        { name: SELF_HOSTED_JOB, targets: selfHosted.map((s) => `127.0.0.1:${s.exporter.port}`), metricsPath: JOBS.aic.path },
      ],
      ruleFiles: RULE_FILES,
    });
    // Enough scrapes for every rate() and every rule evaluation to have two points.
    await vi.waitFor(async () => {
      const [scrapes] = await prometheus!.query('min(count_over_time(up[1m]))');
      expect(scrapes?.value).toBeGreaterThanOrEqual(6);
    }, WAIT);
  }, 60_000);

  afterAll(async () => {
    simulator?.stop();
    for (const s of selfHosted) s.simulator.stop();
    await prometheus?.stop();
    await exporter?.close();
    for (const s of selfHosted) await s.exporter.close();
  });

  it('scrapes both paths with every target up and no scrape error', async () => {
    const targets = await prometheus!.targets();
    expect(targets.map((t) => [t.scrapePool, t.health, t.lastError]).sort()).toEqual([
      ['am', 'up', ''],
      ['am-legacy', 'up', ''],
      [SELF_HOSTED_JOB, 'up', ''],
      [SELF_HOSTED_JOB, 'up', ''],
    ]);
  });

  it.each(FAMILY_QUERIES)('answers the typical query "%s" with data', async (_name, promql) => {
    const result = await prometheus!.query(promql);
    expect(result.length, promql).toBeGreaterThan(0);
  });

  it('answers every dashboard panel and variable query with data', async () => {
    const empty: string[] = [];
    for (const query of liveQueries().filter((q) => q.kind === 'panel' || q.kind === 'variable')) {
      if ((await prometheus!.query(query.promql)).length === 0) empty.push(`${query.file}: ${query.name}: ${query.promql}`);
    }
    expect(empty).toEqual([]);
  });

  it('draws one line per pod on every per-server panel: the instance splits no pod', async () => {
    expect(PER_SERVER_PANELS.length).toBeGreaterThan(20);
    const split: string[] = [];
    for (const query of PER_SERVER_PANELS) {
      const pods = (await prometheus!.query(query.promql)).filter((s) => s.metric[POD] !== undefined);
      // The same series with its instance left out: a duplicate would be one pod drawn as two lines.
      const keys = pods.map((s) => JSON.stringify(Object.entries(s.metric).filter(([label]) => label !== 'instance')));
      if (pods.length === 0 || new Set(keys).size !== keys.length) split.push(`${query.name}: ${pods.length} series, ${new Set(keys).size} pods`);
    }
    expect(split).toEqual([]);
  });

  it('draws each self-hosted server as its own line on every per-server panel', async () => {
    const instances = selfHosted.map((s) => `127.0.0.1:${s.exporter.port}`).sort();
    const merged: string[] = [];
    for (const query of PER_SERVER_PANELS) {
      const servers = (await prometheus!.query(query.promql)).filter((s) => s.metric[POD] === undefined);
      const seen = [...new Set(servers.map((s) => s.metric.instance))].sort();
      if (JSON.stringify(seen) !== JSON.stringify(instances)) merged.push(`${query.name}: instances ${seen.join(', ')}`);
    }
    expect(merged).toEqual([]);
  });

  it('answers every panel and variable query for one self-hosted server alone, picked by its job and instance', async () => {
    const instance = `127.0.0.1:${selfHosted[0]!.exporter.port}`;
    const queries = liveQueries({ values: { job: [SELF_HOSTED_JOB], instance: [instance] } }).filter((q) => q.kind === 'panel' || q.kind === 'variable');
    const empty: string[] = [];
    const others: string[] = [];
    for (const query of queries) {
      const result = await prometheus!.query(query.promql);
      if (result.length === 0) empty.push(`${query.file}: ${query.name}: ${query.promql}`);
      // A per-server panel draws that one server: its instance, no pod.
      if (isPerServer(query) && result.some((s) => s.metric.instance !== instance || s.metric[POD] !== undefined)) others.push(`${query.file}: ${query.name}`);
    }
    expect(empty).toEqual([]);
    expect(others).toEqual([]);
  });

  it('leaves the self-hosted servers out of every per-server panel when the Kubernetes job is picked', async () => {
    const mixed: string[] = [];
    for (const query of liveQueries({ values: { job: [JOBS.aic.name] } }).filter(isPerServer)) {
      const result = await prometheus!.query(query.promql);
      if (result.length === 0 || result.some((s) => s.metric[POD] !== 'am-e2e-0')) mixed.push(`${query.name}: ${result.map((s) => s.metric.instance).join(', ')}`);
    }
    expect(mixed).toEqual([]);
  });

  it('records per-process rates for each self-hosted server, and the job total once', async () => {
    await vi.waitFor(async () => {
      const perServer = await prometheus!.query(`count by (instance) (job_instance_pod_operation_outcome:am_cts_task_count:rate5m{job="${SELF_HOSTED_JOB}"})`);
      expect(perServer.map((s) => s.metric.instance).sort()).toEqual(selfHosted.map((s) => `127.0.0.1:${s.exporter.port}`).sort());
      expect(await prometheus!.query(`job:am_cts_task_count:rate5m{job="${SELF_HOSTED_JOB}"}`)).toHaveLength(1);
    }, WAIT);
  });

  it('evaluates every recording and alerting rule without error', async () => {
    await vi.waitFor(async () => {
      const rules = await prometheus!.rules();
      expect(rules.length).toBe(liveQueries().filter((q) => q.kind === 'recording' || q.kind === 'alert').length);
      const unhealthy = rules.filter((r) => r.health !== 'ok' || r.lastEvaluation.startsWith('0001-')).map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`);
      expect(unhealthy).toEqual([]);
    }, WAIT);
  });

  it.each(['/monitoring/prometheus/am', '/metrics/prometheus/0.0.4', '/json/metrics/prometheus', '/metrics/prometheus'])(
    'serves a live scrape of %s that promtool accepts without warnings',
    async (path) => {
      const text = await (await fetch(`${exporter!.url}${path}`)).text();
      const result = await promtoolCheckMetrics(text);
      expect(result.stdout + result.stderr).toBe('');
      expect(result.code).toBe(0);
    },
  );
});
