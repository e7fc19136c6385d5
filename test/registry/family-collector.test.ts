import { describe, expect, it } from 'vitest';
import { Registry, type FamilySnapshot } from '../../src/index.js';

const GAUGE: FamilySnapshot = {
  kind: 'gauge',
  descriptor: { kind: 'gauge', name: 'app_queue_depth', help: 'Jobs waiting.', labelNames: [], constLabels: {} },
  series: [{ labels: {}, startMs: 0, value: 3 }],
};

describe('MetricRegistry.addCollector', () => {
  it("adds the families a collector returns to every collection, after the registry's metrics", async () => {
    const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } });
    registry.gauge({ name: 'am_g', help: 'G.' }).set({}, 1);
    registry.addCollector({ name: 'app', collect: () => [GAUGE] });
    registry.addCollector({ name: 'app', collect: () => [] });
    const { families } = await registry.collect();
    expect(families.map((f) => f.descriptor.name)).toEqual(['am_g', 'app_queue_depth']);
    expect(await registry.metrics()).toContain('app_queue_depth{kubernetes_pod_name="am-0",} 3.0');
  });

  it('leaves out a collector that throws or outlasts the collect timeout, and counts it as a collect error', async () => {
    const registry = new Registry({ collectTimeoutMs: 50 });
    registry.addCollector({
      name: 'broken',
      collect: () => {
        throw new Error('no /proc');
      },
    });
    registry.addCollector({ name: 'stuck', collect: () => new Promise<never>(() => {}) });
    registry.addCollector({ name: 'app', collect: async () => [GAUGE] });
    const collection = await registry.collect();
    expect(collection.failures.map((f) => f.metric)).toEqual(['broken', 'stuck']);
    expect(collection.families.map((f) => f.descriptor.name)).toEqual(['app_queue_depth', 'am_metrics_collect_errors']);
    expect(await registry.metrics()).toContain('am_metrics_collect_errors_total{metric="broken",} 2.0');
  });

  it('forgets its collectors on clear()', async () => {
    const registry = new Registry();
    registry.addCollector({ name: 'app', collect: () => [GAUGE] });
    registry.clear();
    expect((await registry.collect()).families).toEqual([]);
  });
});
