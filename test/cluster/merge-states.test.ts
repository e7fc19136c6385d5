import { describe, expect, it } from 'vitest';
import { mergeStates } from '../../src/cluster.js';
import { InvalidValueError, MetricConflictError, Registry, STATE_VERSION, type Collection } from '../../src/index.js';
import { ManualClock } from '../support/manual-clock.js';

async function loginState(clock: ManualClock, logins: number) {
  const registry = new Registry({ now: () => clock.now() });
  const summary = registry.summary({ name: 'am_test_login', help: 'Logins', labelNames: ['outcome'] });
  for (let i = 0; i < logins; i += 1) summary.record({ outcome: 'success' });
  return registry.state();
}

function loginCount(collection: Collection): number | undefined {
  return (collection.families.find((f) => f.descriptor.name === 'am_test_login')?.series[0] as { count?: number } | undefined)?.count;
}

describe('mergeStates', () => {
  it('merges the states it can and lists the others with the error each raised', async () => {
    const clock = new ManualClock();
    const other = new Registry({ now: () => clock.now() });
    other.gauge({ name: 'am_test_login', help: 'Not a summary' }).set({}, 1);
    const merged = await mergeStates(
      [
        { source: 'worker-1', state: await loginState(clock, 3) },
        {
          source: 'worker-2',
          state: {
            version: STATE_VERSION,
            timeMs: 0,
            families: [
              {
                kind: 'summary',
                name: 'am_test_login',
                help: 'Logins',
                labelNames: ['outcome'],
                constLabels: {},
                folded: 0,
                series: [{ labels: { outcome: 'success' }, startMs: 0, state: 'garbage' }],
              },
            ],
          },
        },
        { source: 'worker-3', state: await other.state() },
        { source: 'worker-4', state: null },
        { source: 'worker-5', state: await loginState(clock, 4) },
      ],
      { now: () => clock.now() },
    );
    expect(merged.accepted).toEqual(['worker-1', 'worker-5']);
    expect(merged.rejected.map(({ source, error }) => [source, (error as Error).constructor])).toEqual([
      ['worker-2', InvalidValueError],
      ['worker-3', MetricConflictError],
      ['worker-4', InvalidValueError],
    ]);
    expect(loginCount(await merged.registry.collect())).toBe(7);
  });

  it("leaves out a worker whose clock runs a year ahead, so the other workers' rates still move", async () => {
    const clock = new ManualClock();
    const ahead = new ManualClock(clock.now() + 365 * 24 * 3_600_000);
    const worker = async (at: ManualClock) => {
      const registry = new Registry({ now: () => at.now() });
      const summary = registry.summary({ name: 'am_test_login', help: 'Logins', labelNames: ['outcome'] });
      for (let i = 0; i < 600; i += 1) {
        at.advance({ ms: 100 });
        summary.record({ outcome: 'success' });
      }
      return registry.state();
    };
    const skewed = await worker(ahead);
    const merged = await mergeStates(
      [
        { source: 'worker-1', state: skewed },
        { source: 'worker-2', state: await worker(clock) },
      ],
      { now: () => clock.now() },
    );
    expect(merged.accepted).toEqual(['worker-2']);
    expect(merged.rejected.map(({ source, error }) => [source, (error as Error).message])).toEqual([
      ['worker-1', expect.stringMatching(/^registry: value \d+ is a time 31536\d\d\d s ahead of this registry's clock/)],
    ]);
    const series = (await merged.registry.collect()).families[0]?.series[0] as { rates: { m1: number } };
    expect(series.rates.m1).toBeGreaterThan(1);
  });

  it("keeps the workers' timer buckets with timerBuckets, so their histograms merge; without it, none", async () => {
    const clock = new ManualClock();
    const worker = async (seconds: number) => {
      const registry = new Registry({ now: () => clock.now(), timerBuckets: true });
      registry.timer({ name: 'am_test_latency', help: 'Latency' }).observe({}, seconds);
      return registry.state();
    };
    const states = [
      { source: 'worker-1', state: await worker(0.01) },
      { source: 'worker-2', state: await worker(0.02) },
    ];
    const histogram = async (timerBuckets: boolean) =>
      (await (await mergeStates(states, { now: () => clock.now(), timerBuckets })).registry.collect()).families.find((f) => f.kind === 'histogram');
    expect(await histogram(false)).toBeUndefined();
    const merged = await histogram(true);
    expect(merged?.descriptor.name).toBe('am_test_latency_duration_seconds');
    expect(merged?.series[0]).toMatchObject({ count: 2 });
    expect((merged?.series[0] as { sum: number }).sum).toBeCloseTo(0.03, 12);
  });

  it('refuses a timer state whose sketch keys span more than any values can, without allocating them', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    registry.timer({ name: 'am_test_latency', help: 'Latency' }).observe({}, 0.01);
    const state = JSON.parse(JSON.stringify(await registry.state()));
    state.families[0].series[0].state.sample.bins = [
      [0, 1],
      [1e12, 1],
    ];
    const merged = await mergeStates([{ source: 'worker-1', state }], { now: () => clock.now() });
    expect(merged.accepted).toEqual([]);
    expect(String(merged.rejected[0]?.error)).toMatch(/InvalidValueError: am_test_latency: value 1000000000000 is not a span of sketch keys/);
  });

  it('refuses a gauge that another source combines another way, whichever merges first', async () => {
    const clock = new ManualClock();
    const stateOf = async (combine: 'sum' | 'max', value: number) => {
      const registry = new Registry({ now: () => clock.now() });
      registry.gauge({ name: 'am_test_in_flight', help: 'In flight', combine }).set({}, value);
      return registry.state();
    };
    const [sum, max] = [await stateOf('sum', 1), await stateOf('max', 2)];
    for (const [first, second] of [
      [sum, max],
      [max, sum],
    ]) {
      const merged = await mergeStates(
        [
          { source: 'worker-1', state: first },
          { source: 'worker-2', state: second },
        ],
        { now: () => clock.now() },
      );
      expect(merged.accepted).toEqual(['worker-1']);
      expect(merged.rejected[0]?.error).toBeInstanceOf(MetricConflictError);
      expect(String(merged.rejected[0]?.error)).toMatch(/am_test_in_flight: already registered as gauge\(combine: (sum|max)/);
    }
  });
});
