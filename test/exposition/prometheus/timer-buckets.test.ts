import { describe, expect, it } from 'vitest';
import { parseJsonQuery } from '../../../src/exposition/am-json/json-query.js';
import { CATALOG, createAmMetrics, jsonView, MetricConflictError, Registry, writePrometheusText, type ExpositionFormat, type NamingProfile } from '../../../src/index.js';
import { ManualClock } from '../../support/manual-clock.js';
import { expectToMatchFixture } from '../../support/fixtures.js';
import { parseExposition, promtoolCheckMetrics } from '../../support/prometheus-tools.js';

const POD = { kubernetes_pod_name: 'am-75b55d85c8-gqw9l' };
const CREATE = { operation: 'create', outcome: 'success' };

/** A timer with two series on a fixed clock, buckets on unless `timerBuckets` says otherwise. */
function scenario(timerBuckets = true): Registry {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 12));
  const registry = new Registry({ now: () => clock.now(), defaultLabels: POD, timerBuckets });
  const cts = registry.timer({ name: 'am_cts_task', help: 'CTS operations.', labelNames: ['operation', 'outcome'] });
  for (const seconds of [0, 0.004, 0.005, 0.006, 0.25, 100]) cts.observe(CREATE, seconds);
  cts.observe({ operation: 'read', outcome: 'failure' }, 1.5);
  clock.advance({ seconds: 30 });
  return registry;
}

const VARIANTS: ReadonlyArray<[ExpositionFormat, NamingProfile, string]> = [
  ['prometheus', 'aic', 'timer-buckets.aic.prom'],
  ['prometheus', 'legacy', 'timer-buckets.legacy.prom'],
  ['openmetrics', 'aic', 'timer-buckets.aic.openmetrics.txt'],
  ['openmetrics', 'legacy', 'timer-buckets.legacy.openmetrics.txt'],
];

describe('timer buckets (Registry timerBuckets option)', () => {
  it.each(VARIANTS)('writes %s text with %s names exactly as the golden file', async (format, profile, fixture) => {
    expectToMatchFixture(await scenario().metrics({ format, profile }), `exposition/${fixture}`);
  });

  it.each(VARIANTS.filter(([format]) => format === 'prometheus'))('passes promtool check metrics with no warnings (%s, %s)', async (format, profile) => {
    const result = await promtoolCheckMetrics(await scenario().metrics({ format, profile }));
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.each(VARIANTS)('is read back as a histogram family by the official %s parser (%s names)', async (format, profile) => {
    const families = await parseExposition(await scenario().metrics({ format, profile }), format);
    const histogram = families.find((f) => f.name === 'am_cts_task_duration_seconds');
    expect(histogram?.type).toBe('histogram');
    const samples = histogram?.samples ?? [];
    const labels = { ...POD, ...CREATE };
    expect(samples).toContainEqual({ name: 'am_cts_task_duration_seconds_bucket', labels: { ...labels, le: '0.25' }, value: 5 });
    expect(samples).toContainEqual({ name: 'am_cts_task_duration_seconds_bucket', labels: { ...labels, le: '+Inf' }, value: 6 });
    expect(samples).toContainEqual({ name: 'am_cts_task_duration_seconds_count', labels, value: 6 });
    expect(samples).toContainEqual({ name: 'am_cts_task_duration_seconds_sum', labels, value: 100.265 });
    // AM's own samples of the timer are still there, unchanged.
    expect(families.map((f) => f.name)).toEqual(expect.arrayContaining(['am_cts_task_seconds', 'am_cts_task']));
  });

  it('renders a family of hundreds of series in pieces that join into one family, as the one-pass writer does', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12));
    const registry = new Registry({ now: () => clock.now(), timerBuckets: true });
    const timer = registry.timer({ name: 'am_t', help: 'Tasks.', labelNames: ['client'] });
    for (let i = 0; i < 250; i += 1) timer.observe({ client: `c${i}` }, i / 1_000);
    const rendered = await registry.metrics();
    expect(rendered).toBe(writePrometheusText(await registry.collect()));
    expect(rendered.match(/^# TYPE am_t_duration_seconds histogram$/gm)).toHaveLength(1);
    expect(rendered.match(/^am_t_duration_seconds_count\{/gm)).toHaveLength(250);
  });

  it('restarts buckets at zero on reset(), as every other count', async () => {
    const registry = scenario();
    registry.reset();
    const family = (await registry.collect()).families.find((f) => f.kind === 'histogram');
    expect(family?.kind === 'histogram' && family.series.every((s) => s.count === 0 && s.buckets.every((b) => b.count === 0))).toBe(true);
  });

  it('leaves the output exactly as AM writes it when the option is off', async () => {
    const off = await scenario(false).metrics();
    expect(off).not.toContain('_duration_seconds');
    expect((await scenario().metrics()).startsWith(off)).toBe(true);
  });

  it('shows each series in the JSON view as a histogram entry with millisecond bounds', async () => {
    const view = jsonView(await scenario().collect(), parseJsonQuery(new URLSearchParams()));
    const entry = view.result.find((e) => e._id === 'am_cts_task_duration_seconds.create.success');
    expect(entry).toMatchObject({ _type: 'histogram', count: 6, total: 100265, duration_units: 'milliseconds' });
    expect((entry as unknown as { buckets: { le: number; count: number }[] }).buckets).toContainEqual({ le: 250, count: 5 });
  });

  it('installs the whole AM catalogue with the option on, one histogram family per timer', async () => {
    const registry = new Registry({ timerBuckets: true });
    createAmMetrics({ registry, podName: 'am-0' });
    const histograms = (await registry.collect()).families.filter((f) => f.kind === 'histogram').map((f) => f.descriptor.name);
    expect(histograms.sort()).toEqual(
      CATALOG.filter((m) => m.kind === 'timer')
        .map((m) => `${m.name}_duration_seconds`)
        .sort(),
    );
  });

  it('refuses a metric whose names would clash with a timer histogram, only when the option is on', () => {
    const clash = (registry: Registry) => {
      registry.timer({ name: 'am_x', help: 'x' });
      registry.gauge({ name: 'am_x_duration_seconds_count', help: 'y' });
    };
    expect(() => clash(new Registry({ timerBuckets: true }))).toThrow(MetricConflictError);
    expect(() => clash(new Registry())).not.toThrow();
  });

  it('adds buckets exactly when one registry merges the state of another', async () => {
    const target = scenario();
    target.merge(JSON.parse(JSON.stringify(await scenario().state())));
    const family = (await target.collect()).families.find((f) => f.kind === 'histogram');
    const series = family?.kind === 'histogram' ? family.series.find((s) => s.labels.operation === 'create') : undefined;
    expect(series?.count).toBe(12);
    expect(series?.buckets.find((b) => b.le === 0.25)?.count).toBe(10);
    expect(series?.sum).toBeCloseTo(200.53, 9);
  });
});
