import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createMetricsRouter } from '../../src/server.js';
import { PROMETHEUS_PATHS, rawRequest, sampleRegistry, serve } from './helpers.js';

const METRIC_PATHS = [...PROMETHEUS_PATHS.map(([path]) => path), '/json/metrics/api', '/health'];

describe('metrics endpoints', () => {
  it.each(PROMETHEUS_PATHS.filter(([, profile]) => profile === 'aic'))('%s writes AIC names (_sum, _seconds_sum)', async (path) => {
    const server = await serve({ source: sampleRegistry() });
    const res = await request(server.url).get(path).expect(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text).toContain('am_x_sum{kubernetes_pod_name="am-0",outcome="success",} 3.0');
    expect(res.text).toContain('am_x_count{kubernetes_pod_name="am-0",outcome="success",} 3.0');
    expect(res.text).toMatch(/^am_t_seconds_sum\{kubernetes_pod_name="am-0",operation="create",outcome="success",\} 0\.4/m);
    expect(res.text).toContain('am_t_count{kubernetes_pod_name="am-0",operation="create",outcome="success",} 2.0');
    expect(res.text).toContain('am_g{kubernetes_pod_name="am-0",} 42.0');
    expect(res.text).not.toMatch(/_total\{/);
  });

  it.each(PROMETHEUS_PATHS.filter(([, profile]) => profile === 'legacy'))('%s writes legacy names (_total, _seconds_total)', async (path) => {
    const server = await serve({ source: sampleRegistry() });
    const res = await request(server.url).get(path).expect(200);
    expect(res.text).toContain('am_x_total{kubernetes_pod_name="am-0",outcome="success",} 3.0');
    expect(res.text).toMatch(/^am_t_seconds_total\{kubernetes_pod_name="am-0",operation="create",outcome="success",\} 0\.4/m);
    expect(res.text).toContain('am_t_count{kubernetes_pod_name="am-0",operation="create",outcome="success",} 2.0');
    expect(res.text).not.toMatch(/_sum\{/);
  });

  it('accepts a source holding a registry, as the traffic simulator will be', async () => {
    const server = await serve({ source: { registry: sampleRegistry() } });
    const res = await request(server.url).get('/monitoring/prometheus/am').expect(200);
    expect(res.text).toContain('am_x_count');
  });

  it.each(METRIC_PATHS)('HEAD %s answers the GET headers without a body', async (path) => {
    const server = await serve({ source: sampleRegistry() });
    const get = await rawRequest(server.url + path);
    const head = await rawRequest(server.url + path, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.body.length).toBe(0);
  });

  it.each(METRIC_PATHS.flatMap((path) => ['POST', 'PUT', 'DELETE', 'PATCH'].map((method) => [method, path])))(
    '%s %s is 405 with Allow: GET, HEAD, OPTIONS',
    async (method, path) => {
      const server = await serve({ source: sampleRegistry() });
      const res = await rawRequest(server.url + path, { method });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    },
  );

  it.each([
    '/Monitoring/prometheus/am',
    '/monitoring/prometheus/am/',
    '/monitoring/prometheus/AM',
    '//monitoring/prometheus/am',
    '/metrics/prometheus/0.0.4/',
    '/metrics/prometheus/',
    '/JSON/metrics/prometheus',
    '/json/metrics/api/',
    '/monitoring/prometheus/%61m',
    '/Health',
    '/health/',
    '/',
    '/metrics',
    '/json/metrics',
  ])('%s is 404: only the exact spelling of a path is served', async (path) => {
    const server = await serve({ source: sampleRegistry() });
    const res = await rawRequest(server.url + path);
    expect(res.status).toBe(404);
    expect(res.body.toString()).toBe('Not Found\n');
  });

  it('answers /health with {"status":"UP"} without reading any metric', async () => {
    const registry = sampleRegistry();
    let reads = 0;
    registry.gauge({ name: 'am_read', help: 'Reads.', collect: () => ++reads });
    const server = await serve({ source: registry });
    const res = await request(server.url).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'UP' });
    expect(reads).toBe(0);
  });

  it.each([...METRIC_PATHS, '/nowhere'])('%s sends no X-Powered-By and is never cached', async (path) => {
    const server = await serve({ source: sampleRegistry() });
    const res = await rawRequest(server.url + path);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('lets a host app handle the paths it does not serve', async () => {
    const router = createMetricsRouter(sampleRegistry());
    const host: Server = createServer((req, res) =>
      router(req as never, res as never, () => {
        res.statusCode = 418;
        res.end('host page');
      }),
    );
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => host.close(() => resolve())));
    const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    expect((await rawRequest(`${url}/home`)).status).toBe(418);
    expect((await rawRequest(`${url}/metrics/prometheus`)).body.toString()).toContain('am_x_total');
  });
});
