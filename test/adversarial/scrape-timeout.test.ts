// A collector slower than Prometheus's scrape timeout: the exporter must answer within the budget
// Prometheus announces in X-Prometheus-Scrape-Timeout-Seconds, not after Prometheus has given up.
import { describe, expect, it, onTestFinished } from 'vitest';
import { Registry, type Collection } from '../../src/index.js';
import { gate, rawRequest, serve } from '../server/helpers.js';

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

  it.each(['abc', '-1', '0', ''])('is ignored when it is not a positive number (%j)', async (header) => {
    const { url, release } = await slowServer();
    const pending = rawRequest(url, { headers: { 'x-prometheus-scrape-timeout-seconds': header } });
    setTimeout(release, 300);
    expect((await pending).status).toBe(200);
  });
});
