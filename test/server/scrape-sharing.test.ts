import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { Registry, type FamilySnapshot } from '../../src/index.js';
import type { Collection } from '../../src/registry/collection.js';
import { createMetricsRouter } from '../../src/server.js';
import { amLivePage } from '../../src/metrics/page/live-page.js';
import type { MetricsRouterOptions } from '../../src/http/handlers.js';
import { gate, rawRequest, sampleRegistry, serve, type RawResponse } from './helpers.js';

/** A sample registry plus a computed gauge that counts its calls and waits for the test's gate. */
function gatedRegistry(): { registry: Registry; calls: () => number; open: () => void } {
  const registry = new Registry({ collectTimeoutMs: 20_000 });
  registry.summary({ name: 'am_x', help: 'X.' }).record({});
  const { promise, open } = gate();
  let calls = 0;
  registry.gauge({
    name: 'am_slow',
    help: 'Waits for the test.',
    collect: async () => {
      calls += 1;
      await promise;
      return calls;
    },
  });
  return { registry, calls: () => calls, open };
}

/**
 * The router alone on a plain Node server, counting requests as they arrive. Routing is synchronous,
 * so once a request has arrived it has joined the render in flight (or been refused).
 */
async function hostRouter(registry: Registry, options: MetricsRouterOptions = {}): Promise<{ url: string; arrived: () => number }> {
  const router = createMetricsRouter(registry, { logger: () => {}, page: amLivePage, ...options });
  let arrived = 0;
  const server = createServer((req, res) => {
    arrived += 1;
    router(req as never, res as never, () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrived: () => arrived };
}

describe('shared scrapes', () => {
  it('serves concurrent scrapes from one collection and one render', async () => {
    const { registry, calls, open } = gatedRegistry();
    const { url, arrived } = await hostRouter(registry);
    const scrapes: Promise<RawResponse>[] = [];
    for (let i = 0; i < 6; i += 1) {
      const encoding: Record<string, string> = i % 2 === 0 ? { 'accept-encoding': 'gzip' } : {};
      scrapes.push(rawRequest(`${url}/monitoring/prometheus/am`, { headers: encoding }));
    }
    await vi.waitFor(() => expect(arrived()).toBe(6));
    open();
    const responses = await Promise.all(scrapes);
    expect(calls()).toBe(1);
    const bodies = responses.map((r) => (r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body).toString());
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toContain('am_slow 1.0');
  });

  // The text is written to every scrape of the render as it comes, so one client leaving mid-body
  // must take nothing from the others.
  it('writes the whole exposition to the other scrapes of a render when one hangs up mid-body', async () => {
    const { registry, open } = gatedRegistry();
    const wide = registry.gauge({ name: 'am_wide', help: 'Wide.', labelNames: ['k'] });
    for (let i = 0; i < 1_500; i += 1) wide.set({ k: `${'x'.repeat(1_000)}${i}` }, i); // 1.5 MB: many parts
    const { url, arrived } = await hostRouter(registry);
    const leaving = new AbortController();
    const left = rawRequest(`${url}/monitoring/prometheus/am`, { signal: leaving.signal }).catch((error: unknown) => error);
    const staying = rawRequest(`${url}/monitoring/prometheus/am`, { headers: { 'accept-encoding': 'gzip' } });
    await vi.waitFor(() => expect(arrived()).toBe(2));
    open();
    leaving.abort();
    expect(await left).toBeInstanceOf(Error);
    const res = await staying;
    expect(res.status).toBe(200);
    const text = gunzipSync(res.body).toString();
    expect(text).toContain(`am_wide{k="${'x'.repeat(1_000)}1499",} 1499.0`);
    expect(text).toContain('am_slow 1.0');
  });

  it('shares one collection between the AIC, legacy and JSON endpoints', async () => {
    const { registry, calls, open } = gatedRegistry();
    const { url, arrived } = await hostRouter(registry);
    const paths = ['/monitoring/prometheus/am', '/json/metrics/prometheus', '/json/metrics/api'];
    const scrapes = paths.map((path) => rawRequest(url + path));
    await vi.waitFor(() => expect(arrived()).toBe(paths.length));
    open();
    expect((await Promise.all(scrapes)).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(calls()).toBe(1);
  });

  it('collects afresh for a scrape that arrives after the last one finished', async () => {
    const registry = new Registry();
    let calls = 0;
    registry.gauge({ name: 'am_calls', help: 'Calls.', collect: () => ++calls });
    const server = await serve({ source: registry });
    expect((await rawRequest(`${server.url}/metrics/prometheus`)).body.toString()).toContain('am_calls 1.0');
    expect((await rawRequest(`${server.url}/metrics/prometheus`)).body.toString()).toContain('am_calls 2.0');
  });

  it('answers 503 with Retry-After beyond the scrapes in flight, and serves again once they finish', async () => {
    const { registry, open } = gatedRegistry();
    const { url, arrived } = await hostRouter(registry, { maxConcurrentScrapes: 2 });
    const first = [rawRequest(`${url}/metrics/prometheus`), rawRequest(`${url}/json/metrics/api`)];
    await vi.waitFor(() => expect(arrived()).toBe(2));
    const refused = await rawRequest(`${url}/monitoring/prometheus/am`);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect((await rawRequest(`${url}/health`)).status).toBe(200);
    open();
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
    expect((await rawRequest(`${url}/monitoring/prometheus/am`)).status).toBe(200);
  });

  it("counts the live page's data polls against the same limit and collection as scrapes", async () => {
    const { registry, calls, open } = gatedRegistry();
    const { url, arrived } = await hostRouter(registry, { maxConcurrentScrapes: 2 });
    const first = [rawRequest(`${url}/metrics/prometheus`), rawRequest(`${url}/monitoring/data`)];
    await vi.waitFor(() => expect(arrived()).toBe(2));
    expect((await rawRequest(`${url}/monitoring/data`)).status).toBe(503);
    open();
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
    expect(calls()).toBe(1);
  });
});

describe('scrape failures', () => {
  it('serves the other families with 200 when a gauge callback throws, and logs one line without the stack', async () => {
    const lines: string[] = [];
    const registry = sampleRegistry();
    registry.gauge({
      name: 'am_broken',
      help: 'Broken.',
      collect: () => {
        throw new Error('backend down\n  at secret.js:1');
      },
    });
    const server = await serve({ source: registry, logger: (line) => lines.push(line) });
    const res = await rawRequest(`${server.url}/monitoring/prometheus/am`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('am_x_count');
    expect(res.body.toString()).not.toMatch(/^am_broken /m);
    expect(res.body.toString()).not.toContain('backend down');
    expect(lines).toEqual(['am-metrics: scrape left out am_broken: Error: backend down at secret.js:1']);
  });

  it('lists only the working families in the JSON view when a gauge callback rejects', async () => {
    const registry = sampleRegistry();
    registry.gauge({ name: 'am_broken', help: 'Broken.', collect: () => Promise.reject(new Error('nope')) });
    const server = await serve({ source: registry });
    const res = await rawRequest(`${server.url}/json/metrics/api`);
    expect(res.status).toBe(200);
    const ids = (JSON.parse(res.body.toString()) as { result: { _id: string }[] }).result.map((e) => e._id);
    expect(ids).toContain('am_g');
    expect(ids).not.toContain('am_broken');
  });

  it('leaves out a family the writer cannot write, logs and counts it, and serves the rest', async () => {
    const lines: string[] = [];
    const collection = await sampleRegistry().collect();
    const bogus = { kind: 'bogus', descriptor: { name: 'am_bogus' } } as unknown as FamilySnapshot;
    const server = await serve({ source: { collect: async () => ({ ...collection, families: [bogus, ...collection.families] }) }, logger: (line) => lines.push(line) });
    const res = await rawRequest(`${server.url}/monitoring/prometheus/am`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('am_x_count');
    expect(res.body.toString()).toContain('am_metrics_render_errors_total{kubernetes_pod_name="am-0",metric="am_bogus",} 1.0');
    expect(lines).toEqual(['am-metrics: exposition left out am_bogus: Error: unknown family kind "bogus"']);
  });

  it.each([
    [
      'collect() rejects',
      async (): Promise<Collection> => {
        throw new Error('registry exploded at /srv/app.js:12');
      },
    ],
  ])('answers a bare 500 when %s', async (_case, collect) => {
    class BrokenRegistry extends Registry {
      override collect = collect;
    }
    const lines: string[] = [];
    const server = await serve({ source: new BrokenRegistry(), logger: (line) => lines.push(line) });
    for (const path of ['/monitoring/prometheus/am', '/json/metrics/api']) {
      const res = await rawRequest(server.url + path);
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.body.toString()).toBe('Internal Server Error\n');
    }
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^am-metrics: answering GET \/monitoring\/prometheus\/am failed: Error: /);
  });

  // Scrapes that share a collection fail with its one error: the log says so once, not once per scrape.
  it('logs a failed collection once for all the scrapes that shared it, and again when a later one fails alike', async () => {
    const { promise, open } = gate();
    let calls = 0;
    const failure = new Error('the database is gone'); // the same error object every time
    class BrokenRegistry extends Registry {
      override collect = async (): Promise<Collection> => {
        calls += 1;
        await promise;
        throw failure;
      };
    }
    const lines: string[] = [];
    const { url, arrived } = await hostRouter(new BrokenRegistry(), { logger: (line) => lines.push(line) });
    const scrapes = ['/monitoring/prometheus/am', '/monitoring/prometheus/am', '/json/metrics/prometheus', '/json/metrics/api'].map((path, i) =>
      rawRequest(url + path, { headers: i === 1 ? { 'accept-encoding': 'gzip' } : {} }),
    );
    await vi.waitFor(() => expect(arrived()).toBe(4));
    open();
    expect((await Promise.all(scrapes)).map((r) => r.status)).toEqual([500, 500, 500, 500]);
    expect(calls).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/failed: Error: the database is gone$/);

    expect((await rawRequest(`${url}/monitoring/prometheus/am`)).status).toBe(500);
    expect(calls).toBe(2);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/failed: Error: the database is gone$/);
  });
});
