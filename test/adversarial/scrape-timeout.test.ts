// A collector slower than Prometheus's scrape timeout: the exporter must answer within the budget
// Prometheus announces in X-Prometheus-Scrape-Timeout-Seconds, not after Prometheus has given up.
import { describe, expect, it, onTestFinished } from 'vitest';
import { Registry, type Collection } from '../../src/index.js';
import { gate, rawRequest, serve } from '../server/helpers.js';

/** The `Accept` header Prometheus 2.42 sends when started with `--enable-feature=native-histograms`. */
const NATIVE_ACCEPT =
  'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

async function slowServer(): Promise<{ url: string; release: () => void }> {
  const release = gate();
  onTestFinished(release.open);
  const registry = new Registry();
  registry.gauge({ name: 'am_g', help: 'G.' }).set({}, 1);
  const source = {
    collect: async (): Promise<Collection> => {
      await release.promise;
      return registry.collect();
    },
  };
  const server = await serve({ source });
  return { url: `${server.url}/monitoring/prometheus/am`, release: release.open };
}

describe('X-Prometheus-Scrape-Timeout-Seconds', () => {
  it('gets a 503 within the announced budget when collecting is slower', async () => {
    const { url } = await slowServer();
    const started = performance.now();
    const res = await rawRequest(url, { headers: { 'x-prometheus-scrape-timeout-seconds': '1' } });
    const ms = performance.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(ms).toBeGreaterThanOrEqual(700);
    expect(ms).toBeLessThan(1_000);
  });

  it('still gets the whole exposition when it is ready within the budget', async () => {
    const { url, release } = await slowServer();
    const pending = rawRequest(url, { headers: { 'x-prometheus-scrape-timeout-seconds': '10' } });
    setTimeout(release, 100);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('am_g 1.0');
  });

  // A scrape preferring protobuf collects to look for timer buckets, then waits for its text to begin;
  // each wait once had the whole budget, so the 503 came after Prometheus had given up.
  it('gets a 503 within the budget when it is spent partly on the protobuf check, partly waiting for the text', async () => {
    const first = gate();
    const later = gate();
    onTestFinished(first.open);
    onTestFinished(later.open);
    const registry = new Registry({ maxSeriesPerMetric: 10_000 });
    const wide = registry.gauge({ name: 'am_wide', help: 'Wide.', labelNames: ['k'] });
    for (let i = 0; i < 8_000; i += 1) wide.set({ k: `${'x'.repeat(1_000)}${i}` }, i); // a render that takes a while
    let calls = 0;
    const source = {
      collect: async (): Promise<Collection> => {
        calls += 1;
        await (calls === 1 ? first : later).promise;
        return registry.collect();
      },
    };
    const server = await serve({ source });
    const url = `${server.url}/monitoring/prometheus/am`;
    // Its text is being written when the protobuf scrape's check is done, so that one waits for the next.
    const writing = rawRequest(url, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } });
    const started = performance.now();
    const pending = rawRequest(url, { headers: { accept: NATIVE_ACCEPT, 'x-prometheus-scrape-timeout-seconds': '1.2' } });
    setTimeout(first.open, 600);
    const res = await pending;
    const ms = performance.now() - started;
    expect(res.status).toBe(503);
    expect(ms).toBeLessThan(1_200);
    expect((await writing).status).toBe(200);
  });

  it.each(['abc', '-1', '0', ''])('is ignored when it is not a positive number (%j)', async (header) => {
    const { url, release } = await slowServer();
    const pending = rawRequest(url, { headers: { 'x-prometheus-scrape-timeout-seconds': header } });
    setTimeout(release, 300);
    expect((await pending).status).toBe(200);
  });
});
