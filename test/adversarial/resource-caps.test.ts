// Bounds on what hostile or runaway label values can cost: a cap on each label value's length and on
// the registry's series, and an exposition in which one family that cannot be rendered is left out
// (and counted) while every other family is served.
import { describe, expect, it } from 'vitest';
import { createAmMetrics, Registry, type Collection } from '../../src/index.js';
import { rawRequest, serve } from '../server/helpers.js';

const KIB = 1024;

describe('the label value length cap', () => {
  it('keeps every scrape fast and whole when 2,000 policy sets of 40 KiB are recorded', async () => {
    const am = createAmMetrics({ podName: 'am-0' });
    const huge = 'p'.repeat(40 * KIB);
    for (let i = 0; i < 2_000; i += 1) am.authorization.evaluation(`${huge}${i}`, 0.01, 'success');
    am.authorization.evaluation('checkout', 0.02, 'success');
    const server = await serve({ source: am });
    const started = performance.now();
    const scrape = await rawRequest(`${server.url}/monitoring/prometheus/am`);
    const scrapeMs = performance.now() - started;
    expect(scrape.status).toBe(200);
    const text = scrape.body.toString();
    expect(text.length).toBeLessThan(1024 * KIB);
    expect(text).toContain('policy_set="checkout"');
    expect(text).toContain('policy_set="__overflow__"');
    expect(text).toMatch(/^am_metrics_overflow_total\{kubernetes_pod_name="am-0",metric="am_authorization_policy_set_evaluate",\} 2000\.0$/m);
    // Generous bound for a shared 2-core machine; the unbounded exposition did not render at all.
    expect(scrapeMs).toBeLessThan(2_000);
    expect((await rawRequest(`${server.url}/health`)).status).toBe(200);
  });

  it.each([
    ['exactly at the cap', 'a'.repeat(10), false],
    ['one byte over', 'a'.repeat(11), true],
    ['over in UTF-8 though not in characters', 'é'.repeat(6), true],
  ])('with maxLabelValueBytes: 10, a value %s (%j) folds into the overflow series: %s', async (_case, value, isFolded) => {
    const registry = new Registry({ maxLabelValueBytes: 10 });
    registry.summary({ name: 'am_x', help: 'X.', labelNames: ['v'] }).record({ v: value });
    const text = await registry.metrics();
    expect(text.includes('v="__overflow__"')).toBe(isFolded);
    expect(text.includes('am_metrics_overflow_total{metric="am_x",} 1.0')).toBe(isFolded);
  });
});

describe('the registry-wide series cap', () => {
  it('folds new label sets of every metric into overflow once the registry holds maxSeries series', async () => {
    const registry = new Registry({ maxSeries: 5 });
    const a = registry.summary({ name: 'am_a', help: 'A.', labelNames: ['k'] });
    const b = registry.gauge({ name: 'am_b', help: 'B.', labelNames: ['k'] });
    for (let i = 0; i < 3; i += 1) a.record({ k: `a${i}` });
    for (let i = 0; i < 4; i += 1) b.set({ k: `b${i}` }, i);
    const text = await registry.metrics();
    expect(text.match(/^am_a_count\{k="a\d",\}/gm)).toHaveLength(3);
    expect(text.match(/^am_b\{k="b\d",\}/gm)).toHaveLength(2);
    expect(text).toContain('am_b{k="__overflow__",}');
    expect(text).toContain('am_metrics_overflow_total{metric="am_b",} 2.0');
  });

  it('frees room when a series is removed, and starts afresh after clear()', async () => {
    const registry = new Registry({ maxSeries: 2 });
    const a = registry.summary({ name: 'am_a', help: 'A.', labelNames: ['k'] });
    a.record({ k: '1' });
    a.record({ k: '2' });
    a.remove({ k: '1' });
    a.record({ k: '3' });
    expect(await registry.metrics()).not.toContain('__overflow__');
    registry.clear();
    const c = registry.summary({ name: 'am_c', help: 'C.', labelNames: ['k'] });
    c.record({ k: '1' });
    c.record({ k: '2' });
    expect(await registry.metrics()).not.toContain('__overflow__');
  });

  it('defaults to 50,000 series across the registry', async () => {
    const registry = new Registry({ maxSeriesPerMetric: 100_000 });
    const g = registry.gauge({ name: 'am_g', help: 'G.', labelNames: ['k'] });
    for (let i = 0; i < 50_001; i += 1) g.set({ k: String(i) }, 1);
    expect(await registry.metrics()).toContain('am_metrics_overflow_total{metric="am_g",} 1.0');
  });
});

describe('a family that cannot be rendered', () => {
  it('is left out of the scrape and counted, while every other family is served', async () => {
    const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } });
    registry.gauge({ name: 'am_small', help: 'Small.' }).set({}, 1);
    const wide = registry.gauge({ name: 'am_wide', help: 'Wide.', labelNames: ['k'] });
    for (let i = 0; i < 500; i += 1) wide.set({ k: `value-${i}` }, i);
    registry.summary({ name: 'am_after', help: 'After.' }).record({});
    const lines: string[] = [];
    const server = await serve({ source: registry, maxExpositionBytes: 4 * KIB, logger: (line) => lines.push(line) });
    for (let scrape = 1; scrape <= 2; scrape += 1) {
      const res = await rawRequest(`${server.url}/metrics/prometheus/0.0.4`);
      expect(res.status).toBe(200);
      const text = res.body.toString();
      expect(text).toContain('am_small{kubernetes_pod_name="am-0",} 1.0');
      expect(text).toContain('am_after_count{kubernetes_pod_name="am-0",} 1.0');
      expect(text).not.toMatch(/^(# (HELP|TYPE) )?am_wide/m);
      expect(text).toContain(`am_metrics_render_errors_total{kubernetes_pod_name="am-0",metric="am_wide",} ${scrape}.0`);
    }
    expect(lines[0]).toMatch(/^am-metrics: exposition left out am_wide: .*past 4096 bytes/);
  });

  it('is left out when another process sent a malformed series, and the rest is served', async () => {
    const good = await new Registry().collect();
    const registry = new Registry();
    registry.gauge({ name: 'am_ok', help: 'OK.' }).set({}, 7);
    const collection = await registry.collect();
    const broken: Collection = {
      ...good,
      families: [
        { kind: 'gauge', descriptor: { kind: 'gauge', name: 'am_broken', help: 'Broken.', labelNames: [], constLabels: {} }, series: null as never },
        ...collection.families,
      ],
    };
    const server = await serve({ source: { collect: async () => broken } });
    const res = await rawRequest(`${server.url}/monitoring/prometheus/am`, { headers: { accept: 'application/openmetrics-text' } });
    expect(res.status).toBe(200);
    const text = res.body.toString();
    expect(text).toContain('am_ok 7.0');
    expect(text).not.toContain('am_broken ');
    expect(text).toContain('am_metrics_render_errors_total{metric="am_broken"} 1.0');
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it("cannot be registered under the render-error counter's names", () => {
    expect(() => new Registry().gauge({ name: 'am_metrics_render_errors_total', help: 'Mine.' })).toThrow(/am_metrics_render_errors/);
  });
});
