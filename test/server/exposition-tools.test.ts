import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES, Registry } from '../../src/index.js';
import { parseExposition, promtoolCheckMetrics } from '../support/prometheus-tools.js';
import { PROMETHEUS_ACCEPT, PROMETHEUS_PATHS, rawRequest, sampleRegistry, serve } from './helpers.js';

/** The sample registry plus AM's shared `am_session` name and a failing gauge, so the registry's own counter shows. */
function richRegistry(): Registry {
  const registry = sampleRegistry();
  registry.timer({ name: 'am_session', help: 'Session operations.', labelNames: ['operation', 'outcome'] }).observe({ operation: 'create', outcome: 'success' }, 0.02);
  registry.summary({ name: 'am_session', help: 'Session timeouts.', labelNames: ['operation'] }).record({ operation: 'max-timeout' });
  registry.gauge({
    name: 'am_broken',
    help: 'Broken.',
    collect: () => {
      throw new Error('down');
    },
  });
  return registry;
}

describe('live scrapes checked by the Prometheus tools', () => {
  it.each(PROMETHEUS_PATHS)('%s (%s names) passes promtool check metrics as text 0.0.4', async (path) => {
    const server = await serve({ source: richRegistry() });
    const res = await rawRequest(server.url + path, { headers: { accept: 'text/plain;version=0.0.4' } });
    expect(res.headers['content-type']).toBe(CONTENT_TYPES.prometheus);
    expect(res.body.toString()).toContain('am_metrics_collect_errors_total');
    const result = await promtoolCheckMetrics(res.body.toString());
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.each(PROMETHEUS_PATHS)("%s (%s names) is parsed as OpenMetrics by the Python client's strict parser", async (path, profile) => {
    const server = await serve({ source: richRegistry() });
    const res = await rawRequest(server.url + path, { headers: { accept: PROMETHEUS_ACCEPT } });
    expect(res.headers['content-type']).toBe(CONTENT_TYPES.openmetrics);
    const families = await parseExposition(res.body.toString(), 'openmetrics');
    const samples = new Map(families.flatMap((f) => f.samples.map((s) => [`${s.name}${JSON.stringify(s.labels)}`, s.value])));
    expect(samples.get('am_x_count{"kubernetes_pod_name":"am-0","outcome":"success"}')).toBe(3);
    const sum = profile === 'aic' ? 'am_t_seconds_sum' : 'am_t_seconds_total';
    expect(samples.get(`${sum}{"kubernetes_pod_name":"am-0","operation":"create","outcome":"success"}`)).toBeCloseTo(0.4, 12);
  });

  it.each(PROMETHEUS_PATHS)("%s is parsed as text 0.0.4 by the Python client's parser", async (path) => {
    const server = await serve({ source: richRegistry() });
    const res = await rawRequest(server.url + path);
    const families = await parseExposition(res.body.toString(), 'prometheus');
    expect(families.map((f) => f.name)).toContain('am_g');
  });
});
