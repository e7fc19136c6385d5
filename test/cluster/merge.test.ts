// Four real `node:cluster` workers record known traffic; the test process is their primary. The merged
// scrape must equal one registry fed everything, where prom-client's AggregatorRegistry cannot.
import type { Worker } from 'node:cluster';
import client from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterMetrics, type ClusterPrimary } from '../../src/cluster.js';
import { startServer } from '../../src/express.js';
import { Registry, hashReady, type Collection, type FamilySnapshot, type Rates } from '../../src/index.js';
import { parseExposition, promtoolCheckMetrics, type ParsedFamily } from '../support/prometheus-tools.js';
import { exactQuantile, FIXED_MS, observationsOf, OPERATIONS, recordInto, recordIntoPromClient } from './observations.js';
import { PROMETHEUS_ACCEPT } from '../server/helpers.js';
import { forkWorkers, stopWorkers, WORKER_START_MS } from './workers.js';

const WORKERS = 4;
const RESOURCE = { kubernetes_pod_name: 'am-0' };
/**
 * The timer promises quantiles within 1% (relative) of the exact decayed quantile; merged sketches
 * hold the same buckets as one sketch fed everything, so the merged answer is held to the same 1%
 * against both the single registry and the exact quantile.
 */
const QUANTILE_TOLERANCE = 0.01;
/** ExaLogLog at the distinct counter's precision errs by about 0.57% (Ertl 2024); 2% is ~3.5σ. */
const DISTINCT_TOLERANCE = 0.02;

let workers: Worker[] = [];
let primary: ClusterPrimary;
const everything = Array.from({ length: WORKERS }, (_, i) => observationsOf(i));

beforeAll(async () => {
  await hashReady;
  primary = clusterMetrics.primary({ now: () => FIXED_MS, defaultLabels: RESOURCE });
  workers = await forkWorkers(Array.from({ length: WORKERS }, () => 'fixed' as const));
}, WORKER_START_MS + 5_000);

afterAll(async () => {
  primary?.close();
  await stopWorkers(workers);
});

function family(collection: Collection, name: string): FamilySnapshot {
  const found = collection.families.find((f) => f.descriptor.name === name);
  if (found === undefined) throw new Error(`no family ${name}`);
  return found;
}

function bySeries<T extends { labels: Record<string, string> }>(series: readonly T[]): Map<string, T> {
  return new Map(series.map((s) => [JSON.stringify(Object.entries(s.labels).sort()), s]));
}

/** One registry fed every worker's observations, on the workers' clock. */
async function singleRegistry(): Promise<Collection> {
  const single = new Registry({ now: () => FIXED_MS, defaultLabels: RESOURCE });
  for (const observations of everything) recordInto(single, observations);
  return single.collect();
}

describe('clusterMetrics.primary() with four workers', () => {
  it('merges the workers into what one registry fed every observation reports', async () => {
    const merged = await primary.collect();
    const single = await singleRegistry();
    expect(merged.failures).toEqual([]);
    expect(merged.resource).toEqual(RESOURCE);

    for (const name of ['am_test_login', 'am_test_latency']) {
      const ours = bySeries(family(merged, name).series as readonly { labels: Record<string, string>; count: number; sum: number; rates: Rates }[]);
      const reference = bySeries(family(single, name).series as readonly { labels: Record<string, string>; count: number; sum: number; rates: Rates }[]);
      expect([...ours.keys()]).toEqual([...reference.keys()]);
      for (const [key, series] of reference) {
        expect(ours.get(key)?.count).toBe(series.count);
        expect(ours.get(key)?.sum).toBe(series.sum);
        for (const rate of ['mean', 'm1', 'm5', 'm15'] as const) expect(ours.get(key)?.rates[rate]).toBeCloseTo(series.rates[rate], 9);
      }
    }

    const timer = family(merged, 'am_test_latency');
    const reference = family(single, 'am_test_latency');
    if (timer.kind !== 'timer' || reference.kind !== 'timer') throw new Error('not timers');
    for (const operation of OPERATIONS) {
      const ours = timer.series.find((s) => s.labels.operation === operation);
      const theirs = reference.series.find((s) => s.labels.operation === operation);
      const values = everything.flatMap((o) => o.latencies.filter((l) => l.operation === operation).map((l) => l.seconds));
      for (const [i, { quantile, value }] of (ours?.quantiles ?? []).entries()) {
        expect(Math.abs(value / (theirs?.quantiles[i]?.value as number) - 1)).toBeLessThanOrEqual(QUANTILE_TOLERANCE);
        expect(Math.abs(value / exactQuantile(values, quantile) - 1)).toBeLessThanOrEqual(QUANTILE_TOLERANCE);
      }
      expect(ours?.max).toBe(Math.max(...values));
    }

    const users = family(merged, 'am_test_users').series[0] as { value: number };
    expect(users.value).toBe((family(single, 'am_test_users').series[0] as { value: number }).value);
    const exactUsers = new Set(everything.flatMap((o) => o.users)).size;
    expect(Math.abs(users.value / exactUsers - 1)).toBeLessThanOrEqual(DISTINCT_TOLERANCE);

    const values = everything.map((o) => o.gaugeValue);
    expect(family(merged, 'am_test_in_flight').series).toMatchObject([{ value: values.reduce((a, b) => a + b) }]);
    expect(family(merged, 'am_test_high_water').series).toMatchObject([{ value: Math.max(...values) }]);
    expect(family(merged, 'am_test_heap').series).toMatchObject(workers.map((w, i) => ({ labels: { worker: `worker-${w.id}` }, value: values[i] })));
    expect(family(merged, 'am_metrics_cluster_workers').series).toMatchObject([{ value: WORKERS }]);
    expect(family(merged, 'am_metrics_cluster_worker_timeouts').series).toMatchObject([{ value: 0 }]);
  });

  it('serves the merged scrape over HTTP as a router source', async () => {
    const server = await startServer({ source: primary, port: 0, host: '127.0.0.1', logger: () => {} });
    try {
      const response = await fetch(`${server.url}/monitoring/prometheus/am`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(await promtoolCheckMetrics(text)).toMatchObject({ code: 0, stdout: '', stderr: '' });
      const families = await parseExposition(text, 'prometheus');
      const count = samples(families, 'am_test_login_count').find((s) => s.labels.operation === 'read');
      expect(count).toMatchObject({ labels: { kubernetes_pod_name: 'am-0' }, value: (WORKERS * everything[0]!.latencies.length) / OPERATIONS.length });
      expect(samples(families, 'am_metrics_cluster_workers')).toMatchObject([{ value: WORKERS }]);
      const openMetrics = await fetch(`${server.url}/monitoring/prometheus/am`, { headers: { accept: PROMETHEUS_ACCEPT } });
      const strict = await parseExposition(await openMetrics.text(), 'openmetrics');
      expect(strict.find((f) => f.name === 'am_metrics_cluster_worker_timeouts')).toMatchObject({
        type: 'counter',
        samples: [{ name: 'am_metrics_cluster_worker_timeouts_total', value: 0 }],
      });
    } finally {
      await server.close();
    }
  });

  it("gets quantiles and distinct counts right where prom-client's AggregatorRegistry cannot (issue 10)", async () => {
    const theirs = await parseExposition(await new client.AggregatorRegistry().clusterMetrics(), 'prometheus');
    const ours = await primary.collect();
    const timer = family(ours, 'am_test_latency');
    if (timer.kind !== 'timer') throw new Error('not a timer');
    const values = everything.flatMap((o) => o.latencies.filter((l) => l.operation === 'read').map((l) => l.seconds));
    for (const q of [0.5, 0.99]) {
      const exact = exactQuantile(values, q);
      const ourValue = timer.series.find((s) => s.labels.operation === 'read')?.quantiles.find((p) => p.quantile === q)?.value as number;
      const theirValue = samples(theirs, 'am_test_latency_seconds').find((s) => s.labels.operation === 'read' && s.labels.quantile === String(q))?.value as number;
      expect(Math.abs(ourValue / exact - 1)).toBeLessThanOrEqual(QUANTILE_TOLERANCE);
      // prom-client sums the workers' quantiles (its default aggregator for summaries).
      expect(Math.abs(theirValue / exact - 1)).toBeGreaterThan(0.3);
    }
    const exactUsers = new Set(everything.flatMap((o) => o.users)).size;
    const ourUsers = (family(ours, 'am_test_users').series[0] as { value: number }).value;
    const theirUsers = samples(theirs, 'am_test_users')[0]?.value as number;
    expect(Math.abs(ourUsers / exactUsers - 1)).toBeLessThanOrEqual(DISTINCT_TOLERANCE);
    // Each worker's own distinct count, summed: a user seen by two workers counts twice.
    expect(theirUsers / exactUsers).toBeGreaterThan(1.5);
  });

  it('shows that no prom-client aggregator turns per-worker quantiles into the quantile of all (issue 10)', async () => {
    const perWorker = await Promise.all(
      everything.map(async (observations) => {
        const registry = new client.Registry();
        recordIntoPromClient(client, registry, observations);
        return registry.getMetricsAsJSON();
      }),
    );
    const values = everything.flatMap((o) => o.latencies.filter((l) => l.operation === 'read').map((l) => l.seconds));
    for (const aggregator of ['sum', 'average', 'max', 'min'] as const) {
      const metrics = perWorker.map((list) => list.map((m) => ({ ...m, aggregator })));
      const families = await parseExposition(await client.AggregatorRegistry.aggregate(metrics).metrics(), 'prometheus');
      const p50 = samples(families, 'am_test_latency_seconds').find((s) => s.labels.operation === 'read' && s.labels.quantile === '0.5')?.value as number;
      expect(Math.abs(p50 / exactQuantile(values, 0.5) - 1), aggregator).toBeGreaterThan(0.3);
    }
  });
});

function samples(families: readonly ParsedFamily[], name: string): { labels: Record<string, string>; value: number }[] {
  return families.flatMap((f) => f.samples).filter((s) => s.name === name) as { labels: Record<string, string>; value: number }[];
}
