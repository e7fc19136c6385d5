// The exporter scraped by a real Prometheus 2.42 through both naming profiles, with HTTP Basic as AIC
// uses it. A small recording proxy in front of the exporter shows what Prometheus negotiated.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONTENT_TYPES, Registry } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { PrometheusServer, type VectorSample } from '../support/prometheus-server.js';

const CREDENTIALS = { username: 'prometheus', password: 'e2e-secret-16-chars' };
const JOBS = { aic: '/monitoring/prometheus/am', legacy: '/json/metrics/prometheus' } as const;
/** Traffic recorded while Prometheus scrapes, so rates are positive. */
const TRAFFIC_EVERY_MS = 50;
/** Timer durations cycle through these seconds; their mean bounds the mean Prometheus computes. */
const DURATIONS = [0.01, 0.02, 0.03, 0.04];
const WAIT = { timeout: 20_000, interval: 250 };

interface SeenScrape {
  readonly path: string;
  readonly accept: string | undefined;
  readonly acceptEncoding: string | undefined;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
}

/** Forwards every request to `target`, noting the negotiation headers of each exchange. */
async function recordingProxy(target: RunningServer, seen: SeenScrape[]): Promise<Server> {
  const proxy = createServer((req, res) => {
    const upstream = httpRequest(`${target.url}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (reply) => {
      seen.push({
        path: req.url ?? '',
        accept: req.headers.accept,
        acceptEncoding: req.headers['accept-encoding'],
        status: reply.statusCode ?? 0,
        contentType: reply.headers['content-type'],
        contentEncoding: reply.headers['content-encoding'],
      });
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return proxy;
}

describe('exporter scraped by Prometheus', () => {
  const seen: SeenScrape[] = [];
  let exporter: RunningServer | undefined;
  let proxy: Server | undefined;
  let prometheus: PrometheusServer | undefined;
  let traffic: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-e2e' } });
    const logins = registry.summary({ name: 'am_x', help: 'Authentications.', labelNames: ['outcome'] });
    const tasks = registry.timer({ name: 'am_t', help: 'CTS tasks.', labelNames: ['outcome'] });
    const users = registry.distinctCounter({ name: 'am_u', help: 'Unique users.', labelNames: ['outcome'] });
    registry.gauge({ name: 'am_g', help: 'Cache size.', collect: () => 7 });
    let tick = 0;
    traffic = setInterval(() => {
      tick += 1;
      logins.record({ outcome: 'success' });
      tasks.observe({ outcome: 'success' }, DURATIONS[tick % DURATIONS.length] as number);
      users.add({ outcome: 'success' }, `user-${tick % 5}`);
    }, TRAFFIC_EVERY_MS);
    exporter = await startServer({ source: registry, port: 0, host: '127.0.0.1', auth: { basic: CREDENTIALS }, logger: () => {} });
    proxy = await recordingProxy(exporter, seen);
    const target = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    prometheus = await PrometheusServer.start({
      jobs: Object.entries(JOBS).map(([name, metricsPath]) => ({ name, metricsPath, targets: [target], basicAuth: CREDENTIALS })),
    });
  }, 30_000);

  afterAll(async () => {
    clearInterval(traffic);
    await prometheus?.stop();
    await new Promise<void>((resolve) => (proxy === undefined ? resolve() : proxy.close(() => resolve())));
    await exporter?.close();
  });

  /** Waits until `promql` returns at least one series, and returns them. */
  async function queryData(promql: string): Promise<VectorSample[]> {
    const server = prometheus as PrometheusServer;
    return vi.waitFor(async () => {
      const result = await server.query(promql);
      expect(result, `${promql} returned no data; Prometheus log:\n${server.logTail}`).not.toHaveLength(0);
      return result;
    }, WAIT);
  }

  it('scrapes the AIC and legacy paths with no error', { timeout: 40_000 }, async () => {
    const server = prometheus as PrometheusServer;
    const targets = await vi.waitFor(async () => {
      const all = await server.targets();
      expect(all.map((t) => [t.scrapePool, t.health, t.lastError])).toEqual(
        expect.arrayContaining([
          ['aic', 'up', ''],
          ['legacy', 'up', ''],
        ]),
      );
      return all;
    }, WAIT);
    expect(targets.map((t) => new URL(t.scrapeUrl).pathname).sort()).toEqual([JOBS.legacy, JOBS.aic].sort());

    const [rate] = await queryData('rate(am_x_count{job="aic",outcome="success"}[10s])');
    expect(rate?.value).toBeGreaterThan(0);
    expect(rate?.metric.kubernetes_pod_name).toBe('am-e2e');

    const [p99] = await queryData('am_t_seconds{job="aic",quantile="0.99"}');
    // Quantiles carry the sketch's 1% relative accuracy (decaying-quantiles.ts).
    expect(p99?.value).toBeGreaterThan(0.04 * 0.99);
    expect(p99?.value).toBeLessThan(0.04 * 1.01);

    const [mean] = await queryData('am_t_seconds_sum{job="aic"} / am_t_count{job="aic"}');
    expect(mean?.value).toBeGreaterThanOrEqual(Math.min(...DURATIONS));
    expect(mean?.value).toBeLessThanOrEqual(Math.max(...DURATIONS));

    const [legacyMean] = await queryData('am_t_seconds_total{job="legacy"} / am_t_count{job="legacy"}');
    expect(legacyMean?.value).toBeGreaterThanOrEqual(Math.min(...DURATIONS));
    expect(await queryData('rate(am_x_total{job="legacy"}[10s]) > 0')).toHaveLength(1);
    expect(await server.query('am_x_sum{job="legacy"}')).toHaveLength(0);

    expect((await queryData('am_u{job="aic"}'))[0]?.value).toBe(5);
    expect((await queryData('am_g{job="legacy"}'))[0]?.value).toBe(7);
  });

  it('is scraped as gzipped OpenMetrics, which Prometheus 2.42 asks for', async () => {
    await vi.waitFor(() => expect(new Set(seen.map((s) => s.path))).toEqual(new Set(Object.values(JOBS))), WAIT);
    for (const scrape of seen) {
      expect(scrape.accept).toMatch(/^application\/openmetrics-text;version=1\.0\.0,/);
      expect(scrape.acceptEncoding).toContain('gzip');
      expect(scrape).toMatchObject({ status: 200, contentType: CONTENT_TYPES.openmetrics, contentEncoding: 'gzip' });
    }
  });
});
