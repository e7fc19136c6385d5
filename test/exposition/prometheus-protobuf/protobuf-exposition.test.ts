import { describe, expect, it } from 'vitest';
import { Registry, writePrometheusText, type Collection, type NamingProfile } from '../../../src/index.js';
import { metricFamilies, nativeFields, renderPrometheusProtobuf, writePrometheusProtobuf } from '../../../src/exposition/prometheus-protobuf/protobuf-exposition.js';
import { ManualClock } from '../../support/manual-clock.js';
import { expectToMatchFixture } from '../../support/fixtures.js';
import { decodeRawDelimited } from '../../support/protoc.js';

/** One of each kind with fixed observations, timer buckets on, on a fixed clock. */
async function scenario(): Promise<Collection> {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 12));
  const registry = new Registry({ now: () => clock.now(), defaultLabels: { kubernetes_pod_name: 'am-0' }, timerBuckets: true });
  const cts = registry.timer({ name: 'am_cts_task', help: 'CTS operations.', labelNames: ['outcome'] });
  for (const seconds of [0, 0.004, 0.005, 0.25, 100]) cts.observe({ outcome: 'success' }, seconds);
  registry.summary({ name: 'am_authentication', help: 'Logins.', labelNames: ['outcome'] }).record({ outcome: 'success' });
  registry.gauge({ name: 'am_session_cts_based_cache_size', help: 'Cache.' }).set({}, 42);
  clock.advance({ seconds: 30 });
  return registry.collect();
}

describe('writePrometheusProtobuf', () => {
  it('writes delimited MetricFamily messages that protoc decodes to the golden fields', async () => {
    expectToMatchFixture(await decodeRawDelimited(writePrometheusProtobuf(await scenario())), 'exposition/timer-buckets.protobuf-decode-raw.txt');
  });

  it('renders the same bytes family by family, yielding in between', async () => {
    const collection = await scenario();
    expect(Buffer.from(await renderPrometheusProtobuf(collection, { profile: 'legacy' }))).toEqual(
      Buffer.from(writePrometheusProtobuf(collection, { profile: 'legacy' })),
    );
  });

  it.each(['aic', 'legacy'] as const)('names every non-histogram sample exactly as the text format does (%s)', async (profile: NamingProfile) => {
    const collection = await scenario();
    const text = writePrometheusText(collection, { profile });
    const textSamples = new Set([...text.matchAll(/^(\w+)\{/gm)].map((m) => m[1]).filter((name) => !name?.startsWith('am_cts_task_duration_seconds')));
    const families = metricFamilies(collection, profile);
    expect(new Set(families.filter((f) => f.type !== 'HISTOGRAM').map((f) => f.name))).toEqual(textSamples);
    expect(families.find((f) => f.type === 'HISTOGRAM')?.name).toBe('am_cts_task_duration_seconds');
  });

  it.each([
    ['no buckets', [], [], []],
    ['one bucket', [[-31, 2]], [{ offset: -31, length: 1 }], [2]],
    [
      'adjacent buckets share a span',
      [
        [-31, 1],
        [-30, 3],
        [-29, 2],
      ],
      [{ offset: -31, length: 3 }],
      [1, 2, -1],
    ],
    [
      'a gap starts a new span, offset from the last bucket',
      [
        [-31, 1],
        [-30, 1],
        [-8, 4],
        [27, 1],
      ],
      [
        { offset: -31, length: 2 },
        { offset: 21, length: 1 },
        { offset: 34, length: 1 },
      ],
      [1, 0, 3, -3],
    ],
  ])('encodes %s as spans and count deltas', (_case, positive, spans, deltas) => {
    const fields = nativeFields({ schema: 2, zeroThreshold: 1e-300, zeroCount: 0, positive: positive as [number, number][] });
    expect(fields).toMatchObject({ schema: 2, positive_span: spans, positive_delta: deltas });
  });
});

describe('writePrometheusProtobuf with counts a host collector got wrong', () => {
  it('writes fractional, NaN and negative histogram counts as whole counts instead of failing the scrape', async () => {
    const descriptor = { kind: 'histogram', name: 'host_h', help: 'H.', labelNames: ['c'], constLabels: {} } as const;
    const series = [1.5, Number.NaN, -3, 2].map((count, i) => ({
      labels: { c: String(i) },
      startMs: 0,
      count,
      sum: 1,
      buckets: [
        { le: 1, count },
        { le: Number.POSITIVE_INFINITY, count },
      ],
    }));
    const collection = { timeMs: 0, resource: {}, failures: [], families: [{ kind: 'histogram', descriptor, series }] } as unknown as Collection;
    const decoded = await decodeRawDelimited(writePrometheusProtobuf(collection));
    // Each Metric's Histogram (field 7): sample_count (1) and the one finite bucket's cumulative_count.
    const counts = [...decoded.matchAll(/^ {2}7 \{\n {4}1: (\d+)/gm)].map((m) => Number(m[1]));
    expect(counts).toEqual([1, 0, 0, 2]);
  });
});
