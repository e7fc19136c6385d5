// Fleet-wide latency from timer buckets: two exporters as two pods with different latency, scraped by a
// real Prometheus 2.42 on loopback; the p99 PromQL computes from the summed buckets of both is checked
// against the exact p99 of every observation of both pods.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUCKET_RELATIVE_ERROR, Registry, type TimerChild } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { PrometheusServer } from '../support/prometheus-server.js';
import { logNormal, seededRandom } from '../support/random.js';

const WAIT = { timeout: 30_000, interval: 250 };
/** Pod name, observations, median latency (s) and spread: a fast pod and a slow one, unequal traffic. */
const PODS = [
  { name: 'am-fast', count: 20_000, median: 0.005, sigma: 0.6, seed: 101 },
  { name: 'am-slow', count: 8_000, median: 0.03, sigma: 0.5, seed: 102 },
] as const;
const TOTAL = PODS.reduce((n, pod) => n + pod.count, 0);

/** The exact q-quantile of `values`: the ⌈q·n⌉-th smallest. */
function exactQuantile(values: readonly number[], q: number): number {
  return [...values].sort((a, b) => a - b)[Math.ceil(q * values.length) - 1] as number;
}

/** Classic `_bucket{le}` series over text, and native histograms over the protobuf exposition. */
const MODES = [
  {
    mode: 'classic buckets',
    flags: [],
    queries: ['histogram_quantile(0.99, sum by (le) (rate(am_t_duration_seconds_bucket[1m])))', 'histogram_quantile(0.99, sum by (le) (am_t_duration_seconds_bucket))'],
    count: 'sum(am_t_duration_seconds_count)',
  },
  {
    mode: 'native histograms',
    flags: ['--enable-feature=native-histograms'],
    queries: ['histogram_quantile(0.99, sum(rate(am_t_duration_seconds[1m])))', 'histogram_quantile(0.99, sum(am_t_duration_seconds))'],
    count: 'sum(histogram_count(am_t_duration_seconds))',
  },
] as const;

describe.each(MODES)('fleet-wide latency from timer buckets, two pods scraped by Prometheus ($mode)', ({ flags, queries, count }) => {
  const exporters: RunningServer[] = [];
  const timers: TimerChild[] = [];
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    for (const pod of PODS) {
      const registry = new Registry({ defaultLabels: { kubernetes_pod_name: pod.name }, timerBuckets: true });
      // Binding the label set creates the series at zero, so Prometheus sees it before any traffic.
      timers.push(registry.timer({ name: 'am_t', help: 'CTS tasks.', labelNames: ['outcome'] }).labels({ outcome: 'success' }));
      exporters.push(await startServer({ source: registry, port: 0, host: '127.0.0.1', logger: () => {} }));
    }
    prometheus = await PrometheusServer.start({
      jobs: [{ name: 'am', metricsPath: '/monitoring/prometheus/am', targets: exporters.map((e) => new URL(e.url).host) }],
      extraFlags: flags,
    });
  }, 40_000);

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(exporters.map((e) => e.close()));
  });

  it("gives a p99 within the bucket layout's relative error of the exact p99 of both pods together", async () => {
    const server = prometheus as PrometheusServer;
    // Both pods scraped at zero first, so rate() sees the whole traffic as an increase.
    await vi.waitFor(async () => expect(await server.query(`count(${count.replace(/^sum/, '')} == 0)`)).toEqual([expect.objectContaining({ value: 2 })]), WAIT);
    const all: number[] = [];
    PODS.forEach((pod, i) => {
      const next = logNormal(seededRandom(pod.seed), pod.median, pod.sigma);
      for (let n = 0; n < pod.count; n += 1) {
        const seconds = next();
        timers[i]?.observe(seconds);
        all.push(seconds);
      }
    });
    await vi.waitFor(async () => expect(await server.query(count)).toEqual([expect.objectContaining({ value: TOTAL })]), WAIT);
    const exact = exactQuantile(all, 0.99);
    // AM's own samples arrive under their names whichever exposition Prometheus negotiated.
    expect(await server.query('sum(am_t_count)')).toEqual([expect.objectContaining({ value: TOTAL })]);
    for (const promql of queries) {
      const [result] = await server.query(promql);
      // The layout's stated bound (estimate and truth share one bucket, bounds 2^(1/4) apart); rate()
      // may weigh the two pods slightly differently when their scrapes fall at different instants.
      expect(Math.abs((result?.value ?? Number.NaN) / exact - 1), promql).toBeLessThan(BUCKET_RELATIVE_ERROR);
    }
    // Per-pod quantiles cannot give this: neither pod's own p99 is the fleet's.
    for (const [i, pod] of PODS.entries()) {
      const own = exactQuantile(all.slice(i === 0 ? 0 : PODS[0].count, i === 0 ? PODS[0].count : TOTAL), 0.99);
      expect(Math.abs(own / exact - 1), pod.name).toBeGreaterThan(BUCKET_RELATIVE_ERROR);
    }
  }, 60_000);
});
