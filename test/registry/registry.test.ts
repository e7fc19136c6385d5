import { describe, expect, it } from 'vitest';
import { Registry, InvalidNameError, InvalidLabelError, MetricConflictError, OVERFLOW_LABEL_VALUE } from '../../src/index.js';
import { ManualClock } from '../support/manual-clock.js';

describe('Registry', () => {
  it('returns the same metric when asked twice for the same name and shape', () => {
    const registry = new Registry();
    const a = registry.summary({ name: 'am_x', help: 'X', labelNames: ['outcome', 'operation'] });
    const b = registry.summary({ name: 'am_x', help: 'X', labelNames: ['operation', 'outcome'] });
    expect(b).toBe(a);
  });

  it.each([
    ['another type', () => ({ kind: 'gauge', labelNames: ['outcome'], help: 'X' })],
    ['another help text', () => ({ kind: 'summary', labelNames: ['outcome'], help: 'Y' })],
    ['another label set', () => ({ kind: 'summary', labelNames: ['outcome', 'realm'], help: 'X' })],
  ])('refuses the same name with %s, naming both shapes', (_case, shape) => {
    const registry = new Registry();
    registry.summary({ name: 'am_x', help: 'X', labelNames: ['outcome'] });
    const { kind, labelNames, help } = shape();
    const again = () => (kind === 'gauge' ? registry.gauge({ name: 'am_x', help, labelNames }) : registry.summary({ name: 'am_x', help, labelNames }));
    expect(again).toThrow(MetricConflictError);
    expect(again).toThrow(/am_x: already registered as summary\(labels: \[outcome\].*cannot register as/);
  });

  it("lets a timer and a summary share a base name with different labels, as AM's am_session does", async () => {
    const registry = new Registry();
    const timer = registry.timer({ name: 'am_session', help: 'Session operations', labelNames: ['operation', 'outcome', 'session_type'] });
    const summary = registry.summary({ name: 'am_session', help: 'Session timeouts', labelNames: ['operation', 'session_type'] });
    timer.observe({ operation: 'create', outcome: 'success', session_type: 'cts-based' }, 0.01);
    summary.record({ operation: 'max-timeout', session_type: 'cts-based' });
    const text = await registry.metrics();
    expect(text.match(/^# TYPE am_session summary$/gm)).toHaveLength(1);
    expect(text).toContain('am_session_count{operation="create",outcome="success",session_type="cts-based",} 1.0');
    expect(text).toContain('am_session_count{operation="max-timeout",session_type="cts-based",} 1.0');
  });

  it('refuses a timer and a summary sharing a base name with the same labels', () => {
    const registry = new Registry();
    registry.timer({ name: 'am_s', help: 'S', labelNames: ['operation'] });
    expect(() => registry.summary({ name: 'am_s', help: 'S', labelNames: ['operation'] })).toThrow(MetricConflictError);
  });

  it.each([
    ['a gauge named like a timer sample', 'timer', 'am_cts_task', 'am_cts_task_seconds'],
    ['a gauge named like a summary count', 'summary', 'am_authentication', 'am_authentication_count'],
    ['a gauge named like a legacy total', 'summary', 'am_authentication', 'am_authentication_total'],
    ["a gauge named like the registry's own counter", 'summary', 'am_y', 'am_metrics_overflow_total'],
  ])('refuses %s', (_case, firstKind, first, second) => {
    const registry = new Registry();
    if (firstKind === 'timer') registry.timer({ name: first, help: 'T' });
    else registry.summary({ name: first, help: 'S' });
    expect(() => registry.gauge({ name: second, help: 'G' })).toThrow(MetricConflictError);
  });

  it.each([
    ['an empty name', { name: '', help: 'h' }],
    ['a name with a dash', { name: 'am-x', help: 'h' }],
    ['a name starting with a digit', { name: '1am', help: 'h' }],
    ['a reserved name', { name: '__am', help: 'h' }],
    ['a label with a dash', { name: 'am_x', help: 'h', labelNames: ['advice-type'] }],
    ['the quantile label', { name: 'am_x', help: 'h', labelNames: ['quantile'] }],
    ['the le label', { name: 'am_x', help: 'h', labelNames: ['le'] }],
    ['a reserved label', { name: 'am_x', help: 'h', labelNames: ['__name__'] }],
    ['a duplicate label', { name: 'am_x', help: 'h', labelNames: ['a', 'a'] }],
    ['a default label as a label name', { name: 'am_x', help: 'h', labelNames: ['kubernetes_pod_name'] }],
    ['an empty help text', { name: 'am_x', help: '' }],
    // From JavaScript or a merged state: a string was taken letter by letter (labels o and p), a
    // number threw a TypeError.
    ['label names given as a string', { name: 'am_x', help: 'h', labelNames: 'op' as never }],
    ['label names given as a number', { name: 'am_x', help: 'h', labelNames: 5 as never }],
  ])('refuses %s and registers nothing', async (_case, options) => {
    const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } });
    expect(() => registry.summary(options)).toThrow(InvalidNameError);
    expect(await registry.metrics()).toBe('');
  });

  it('refuses the quantile label on a timer too, since the timer writes it', () => {
    expect(() => new Registry().timer({ name: 'am_t', help: 'T', labelNames: ['quantile'] })).toThrow(/"quantile" is reserved/);
  });

  it('refuses invalid default labels', () => {
    expect(() => new Registry({ defaultLabels: { 'pod-name': 'x' } })).toThrow(InvalidNameError);
    expect(() => new Registry({ defaultLabels: { pod: 1 as never } })).toThrow(InvalidLabelError);
  });

  it('puts the default labels on every series', async () => {
    const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } });
    registry.summary({ name: 'am_x', help: 'X', labelNames: ['outcome'] }).record({ outcome: 'success' });
    registry.gauge({ name: 'am_g', help: 'G' }).set({}, 3);
    const text = await registry.metrics();
    expect(text).toContain('am_x_count{kubernetes_pod_name="am-0",outcome="success",} 1.0');
    expect(text).toContain('am_g{kubernetes_pod_name="am-0",} 3.0');
  });

  describe('cardinality cap', () => {
    it('folds label sets beyond the cap into one overflow series and counts what it folded', async () => {
      const registry = new Registry({ maxSeriesPerMetric: 3 });
      const summary = registry.summary({ name: 'am_x', help: 'X', labelNames: ['user'] });
      for (let i = 0; i < 1_000; i += 1) summary.record({ user: `u${i}` });
      summary.record({ user: 'u0' });
      const text = await registry.metrics();
      expect(text.match(/^am_x_count/gm)).toHaveLength(4);
      expect(text).toContain(`am_x_count{user="${OVERFLOW_LABEL_VALUE}",} 997.0`);
      expect(text).toContain('am_x_count{user="u0",} 2.0');
      expect(text).toContain('am_metrics_overflow_total{metric="am_x",} 997.0');
    });

    // A label set of the overflow value in every label used to become a series of its own beside the
    // overflow series, with the same labels: the exposition held that label set twice, which
    // OpenMetrics parsers refuse ("Invalid metric grouping").
    it('records a label set of the overflow value in every label into the overflow series, never beside it', async () => {
      const registry = new Registry({ maxSeriesPerMetric: 2 });
      const summary = registry.summary({ name: 'am_x', help: 'X', labelNames: ['user', 'op'] });
      summary.record({ user: 'a', op: 'read' });
      summary.record({ user: 'b', op: 'read' });
      summary.record({ user: 'c', op: 'read' });
      summary.remove({ user: 'a', op: 'read' });
      summary.record({ user: OVERFLOW_LABEL_VALUE, op: OVERFLOW_LABEL_VALUE });
      summary.labels({ user: OVERFLOW_LABEL_VALUE, op: OVERFLOW_LABEL_VALUE }).record();
      summary.record({ user: OVERFLOW_LABEL_VALUE, op: 'read' });
      const text = await registry.metrics();
      expect(text.match(/^am_x_count\{op="__overflow__",user="__overflow__",\}/gm)).toEqual([`am_x_count{op="__overflow__",user="__overflow__",}`]);
      // c, folded at the cap, and the two records of the overflow label set; the last one took a's room.
      expect(text).toContain(`am_x_count{op="${OVERFLOW_LABEL_VALUE}",user="${OVERFLOW_LABEL_VALUE}",} 3.0`);
      expect(text).toContain('am_x_count{op="read",user="__overflow__",} 1.0');
      expect(text).toContain('am_metrics_overflow_total{metric="am_x",} 3.0');
    });

    it('counts a bound child that landed in overflow on every record', async () => {
      const registry = new Registry({ maxSeriesPerMetric: 1 });
      const summary = registry.summary({ name: 'am_x', help: 'X', labelNames: ['user'] });
      summary.record({ user: 'a' });
      const child = summary.labels({ user: 'b' });
      child.record();
      child.record();
      expect(summary.folded).toBe(2);
    });
  });

  describe('computed gauges', () => {
    it('evaluates sync and async callbacks at each scrape', async () => {
      const registry = new Registry();
      let size = 1;
      registry.gauge({ name: 'am_cache_size', help: 'Size', collect: () => size });
      registry.gauge({
        name: 'am_store_size',
        help: 'Store',
        labelNames: ['session_type'],
        collect: async (g) => g.set({ session_type: 'authentication-in-memory' }, size * 10),
      });
      expect(await registry.metrics()).toContain('am_cache_size 1.0');
      size = 2;
      const text = await registry.metrics();
      expect(text).toContain('am_cache_size 2.0');
      expect(text).toContain('am_store_size{session_type="authentication-in-memory",} 20.0');
    });

    it('leaves out a family whose callback throws, reports it, and serves the rest', async () => {
      const registry = new Registry();
      registry.gauge({
        name: 'am_broken',
        help: 'B',
        collect: () => {
          throw new Error('store offline');
        },
      });
      registry.gauge({ name: 'am_ok', help: 'OK' }).set({}, 1);
      const { families, failures } = await registry.collect();
      expect(failures).toEqual([{ metric: 'am_broken', error: new Error('store offline') }]);
      expect(families.map((f) => f.descriptor.name)).toEqual(['am_ok', 'am_metrics_collect_errors']);
      const text = await registry.metrics();
      expect(text).not.toContain('am_broken ');
      expect(text).toContain('am_metrics_collect_errors_total{metric="am_broken",} 2.0');
    });

    it('gives up on a callback that never settles after the collect timeout', async () => {
      const registry = new Registry({ collectTimeoutMs: 20 });
      registry.gauge({ name: 'am_hung', help: 'H', collect: () => new Promise<number>(() => undefined) });
      const { failures } = await registry.collect();
      expect(String((failures[0]?.error as Error).message)).toMatch(/longer than 20 ms/);
    });
  });

  it('times an operation with startTimer on the registry clock', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const timer = registry.timer({ name: 'am_op', help: 'Op', labelNames: ['outcome'] });
    const stop = timer.startTimer({ outcome: 'success' });
    clock.advance({ ms: 250 });
    expect(stop()).toBe(0.25);
    expect(await registry.metrics()).toContain('am_op_seconds_sum{outcome="success",} 0.25');
  });
});

describe('Registry.collectEach (issue 13)', () => {
  it('hands out the families collect() returns, in the same order, and resolves to the failures', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    registry.timer({ name: 'am_op', help: 'Op', labelNames: ['outcome'] }).observe({ outcome: 'success' }, 0.2);
    registry.summary({ name: 'am_events', help: 'E', labelNames: ['outcome'] }).record({ outcome: 'failure' });
    registry.gauge({
      name: 'am_broken',
      help: 'B',
      collect: () => {
        throw new Error('down');
      },
    });
    const handed: unknown[] = [];
    const failures = await registry.collectEach((family) => handed.push(family));
    const collection = await registry.collect();
    expect(failures.map((f) => f.metric)).toEqual(['am_broken']);
    expect(JSON.stringify(handed.slice(0, 2))).toEqual(JSON.stringify(collection.families.slice(0, 2)));
    expect(collection.families.map((f) => f.descriptor.name)).toEqual(['am_op', 'am_events', 'am_metrics_collect_errors']);
  });

  it('lets the event loop run while it reads one large family, and reads every series once', async () => {
    // The monotonic clock moves 1 ms per reading, so the pace sees its 5 ms slice pass every few checks.
    let readings = 0;
    const startMs = Date.UTC(2026, 0, 1);
    const registry = new Registry({ now: () => startMs + (readings += 1) });
    const timer = registry.timer({ name: 'am_op', help: 'Op', labelNames: ['client'] });
    for (let i = 0; i < 1_000; i += 1) timer.observe({ client: `c${i}` }, i / 1_000);
    let turns = 0;
    let isCollecting = true;
    const countTurns = (): void => {
      turns += 1;
      if (isCollecting) setImmediate(countTurns);
    };
    setImmediate(countTurns);
    const collection = await registry.collect();
    isCollecting = false;
    const series = collection.families[0]!.series;
    expect(series.map((s) => s.labels.client)).toEqual(Array.from({ length: 1_000 }, (_, i) => `c${i}`));
    expect(turns).toBeGreaterThanOrEqual(5);
  });

  it('lists a series added or removed since the last collect', async () => {
    const registry = new Registry();
    const summary = registry.summary({ name: 'am_events', help: 'E', labelNames: ['outcome'] });
    summary.record({ outcome: 'success' });
    await registry.collect();
    summary.record({ outcome: 'failure' });
    const labelsOf = async () => (await registry.collect()).families[0]!.series.map((s) => s.labels.outcome);
    expect(await labelsOf()).toEqual(['success', 'failure']);
    summary.remove({ outcome: 'success' });
    expect(await labelsOf()).toEqual(['failure']);
  });
});
