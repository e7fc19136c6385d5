import { setTimeout as sleep } from 'node:timers/promises';
import client from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { parseJsonQuery } from '../../src/exposition/am-json/json-query.js';
import { createAmMetrics, InvalidOptionError, jsonView, LEFT_OUT_RUNTIME_METRICS, MetricConflictError, nodeRuntimeCollector, Registry } from '../../src/index.js';
import { parseExposition, promtoolCheckMetrics } from '../support/prometheus-tools.js';
import { PROMETHEUS_ACCEPT, PROMETHEUS_PATHS, serve } from '../server/helpers.js';

/** Families a Node service's dashboards rely on: CPU, memory, heap, event-loop lag, GC, handles. */
const RUNTIME_SAMPLES = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_seconds',
  'nodejs_heap_size_used_bytes',
  'nodejs_heap_space_size_used_bytes',
  'nodejs_active_handles',
  'nodejs_gc_duration_seconds_bucket',
  'nodejs_gc_duration_seconds_count',
];

/** Allocates enough short-lived objects for V8 to run a few scavenges, and lets the GC observer report them. */
async function causeGarbageCollection(): Promise<void> {
  let keep = 0;
  for (let round = 0; round < 5; round += 1) {
    const garbage = Array.from({ length: 100_000 }, (_, i) => ({ i, text: `x${i}` }));
    keep += garbage.length;
  }
  expect(keep).toBeGreaterThan(0);
  await sleep(50);
}

async function servedRegistry(): Promise<string> {
  const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } }).runtimeMetrics();
  const am = createAmMetrics({ registry });
  am.authentication.outcome('success');
  await causeGarbageCollection();
  return (await serve({ source: am })).url;
}

describe('Registry.runtimeMetrics (prom-client default collectors)', () => {
  it('serves CPU, memory, heap, event-loop lag, GC and handles on every Prometheus path, passing promtool', async () => {
    const url = await servedRegistry();
    for (const [path] of PROMETHEUS_PATHS) {
      const text = await (await fetch(`${url}${path}`)).text();
      expect(RUNTIME_SAMPLES.filter((name) => !text.includes(`\n${name}{`))).toEqual([]);
      expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
      expect(text).toContain('am_authentication_count{kubernetes_pod_name="am-0",outcome="success",}');
      for (const name of LEFT_OUT_RUNTIME_METRICS) expect(text).not.toContain(name);
      const result = await promtoolCheckMetrics(text);
      expect(result.stdout + result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
  });

  it('serves them as OpenMetrics to Prometheus, read by the strict parser with their types', async () => {
    const url = await servedRegistry();
    const response = await fetch(`${url}/monitoring/prometheus/am`, { headers: { accept: PROMETHEUS_ACCEPT } });
    expect(response.headers.get('content-type')).toMatch(/^application\/openmetrics-text/);
    const families = await parseExposition(await response.text(), 'openmetrics');
    const types = Object.fromEntries(families.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      process_cpu_seconds: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_gc_duration_seconds: 'histogram',
    });
    const cpu = families.find((f) => f.name === 'process_cpu_seconds')?.samples[0];
    expect(cpu?.labels).toEqual({ kubernetes_pod_name: 'am-0' });
    expect(cpu?.value).toBeGreaterThan(0);
  });

  it('adds them to the collection every reader shares, the JSON view too', async () => {
    const registry = new Registry().runtimeMetrics().runtimeMetrics();
    await causeGarbageCollection();
    const collection = await registry.collect();
    expect(collection.families.filter((f) => f.descriptor.name === 'process_resident_memory_bytes')).toHaveLength(1);
    const gc = collection.families.find((f) => f.descriptor.name === 'nodejs_gc_duration_seconds');
    expect(gc?.kind).toBe('histogram');
    if (gc?.kind === 'histogram') {
      for (const series of gc.series) expect(series.buckets.at(-1)).toEqual({ le: Number.POSITIVE_INFINITY, count: series.count });
    }
    const ids = jsonView(collection, parseJsonQuery(new URLSearchParams())).result.map((e) => e._id);
    expect(ids).toContain('nodejs_heap_size_used_bytes');
  });

  it.each([
    ['a repeated bound, which prom-client would serve twice', [0.1, 0.1, 1]],
    ['bounds out of order', [1, 0.1]],
    ['NaN, which prom-client would serve as le="NaN"', [Number.NaN]],
    ['a bound that is not a number', ['0.1']],
    ['zero', [0, 1]],
    ['infinity, which +Inf already is', [1, Number.POSITIVE_INFINITY]],
    ['not a list', 0.5],
  ])('refuses gcDurationBuckets with %s, naming the option and the value', (_case, buckets) => {
    const call = () => nodeRuntimeCollector({ gcDurationBuckets: buckets as number[] });
    expect(call).toThrow(InvalidOptionError);
    expect(call).toThrow(/option gcDurationBuckets must be a list of increasing finite numbers above 0 \(seconds\), got /);
  });

  it('refuses a now that is not a function, naming the option', () => {
    expect(() => nodeRuntimeCollector({ now: 5 as unknown as () => number })).toThrow(
      /nodejs_runtime: option now must be a function returning epoch milliseconds, got 5/,
    );
  });

  it('takes its own increasing gcDurationBuckets', async () => {
    const registry = new Registry();
    registry.addCollector(nodeRuntimeCollector({ gcDurationBuckets: [0.0005, 0.5] }));
    await causeGarbageCollection();
    const gc = (await registry.collect()).families.find((f) => f.descriptor.name === 'nodejs_gc_duration_seconds');
    expect(gc?.kind === 'histogram' ? gc.series[0]?.buckets.map((b) => b.le) : undefined).toEqual([0.0005, 0.5, Number.POSITIVE_INFINITY]);
  });

  it('stays out of registries that do not ask for it, and out of state()', async () => {
    expect(await new Registry().metrics()).toBe('');
    const registry = new Registry().runtimeMetrics();
    expect((await registry.state()).families).toEqual([]);
  });

  // prom-client cannot stop the event-loop monitor and GC observer it starts: one set per registry
  // (or per test) piled up for the life of the process.
  it("starts prom-client's collectors once, however many registries ask", async () => {
    const start = vi.spyOn(client, 'collectDefaultMetrics');
    try {
      const registries = Array.from({ length: 5 }, () => {
        const registry = new Registry();
        registry.addCollector(nodeRuntimeCollector({ gcDurationBuckets: [0.125, 1.5] }));
        return registry;
      });
      expect(start).toHaveBeenCalledTimes(1);
      for (const registry of registries) expect(await registry.metrics()).toContain('# TYPE process_cpu_seconds_total counter');
    } finally {
      start.mockRestore();
    }
  });

  // Prometheus refuses an exposition that has a family twice; the scrape failed whole.
  it('refuses a metric named as a runtime metric, registered after them, naming the name', () => {
    const registry = new Registry().runtimeMetrics();
    const register = () => registry.gauge({ name: 'nodejs_heap_size_used_bytes', help: 'Mine.' });
    expect(register).toThrow(MetricConflictError);
    expect(register).toThrow(
      'nodejs_heap_size_used_bytes: already registered as the owner of "nodejs_heap_size_used_bytes" (nodejs_heap_size_used_bytes of collector nodejs_runtime)',
    );
    expect(() => registry.summary({ name: 'process_cpu_seconds', help: 'Mine.' })).toThrow(MetricConflictError);
  });

  it('refuses the runtime metrics when a registered metric has one of their names, and serves that metric once', async () => {
    const registry = new Registry();
    registry.gauge({ name: 'nodejs_eventloop_lag_seconds', help: 'Mine.' }).set({}, 1);
    expect(() => registry.runtimeMetrics()).toThrow(MetricConflictError);
    expect(() => registry.runtimeMetrics()).toThrow(
      'nodejs_eventloop_lag_seconds: already registered as the owner of "nodejs_eventloop_lag_seconds" (nodejs_eventloop_lag_seconds)',
    );
    const text = await registry.metrics();
    expect(text.match(/^# TYPE nodejs_eventloop_lag_seconds /gm)).toHaveLength(1);
    expect(text).not.toContain('process_cpu_seconds_total');
  });
});
