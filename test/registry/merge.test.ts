import { describe, expect, it } from 'vitest';
import {
  DistinctSketch,
  InvalidLabelError,
  InvalidValueError,
  MetricConflictError,
  Registry,
  TIMER_QUANTILES,
  type Collection,
  type CountSum,
  type Point,
  type RegistryState,
  type TimerSeries,
} from '../../src/index.js';
import { MAX_RECORDED } from '../../src/registry/cells/state-check.js';
import { ManualClock } from '../support/manual-clock.js';
import { logNormal, seededRandom } from '../support/random.js';
import { exactDecayedQuantile, relativeError, type Observation } from '../support/decayed-reference.js';

/** The timer's promise, which a merge must keep: every quantile within 1% of the exact decayed quantile. */
const PROMISED_RELATIVE_ERROR = 0.01;

interface Event {
  readonly atMs: number;
  readonly op: 'read' | 'write';
  readonly seconds: number;
  readonly user: string;
}

/**
 * One stream of observations over 20 minutes. Durations are whole multiples of 2^-20 s, so any order
 * of addition gives the same double and sums can be compared exactly.
 */
function stream(seed: number, count: number, startMs: number): Event[] {
  const random = seededRandom(seed);
  const latency = logNormal(random, 0.02, 0.8);
  const events: Event[] = [];
  for (let i = 0; i < count; i += 1) {
    const atMs = startMs + Math.floor((i * 20 * 60_000) / count);
    const seconds = Math.round(latency() * 2 ** 20) / 2 ** 20;
    events.push({ atMs, op: random() < 0.7 ? 'read' : 'write', seconds, user: `user-${Math.floor(random() * 3_000)}` });
  }
  return events;
}

function instrument(registry: Registry) {
  return {
    timer: registry.timer({ name: 'am_op', help: 'Ops.', labelNames: ['op'] as const }),
    summary: registry.summary({ name: 'am_login', help: 'Logins.', labelNames: ['op'] as const }),
    users: registry.distinctCounter({ name: 'am_users', help: 'Users.' }),
  };
}

/** Records `events` into registries chosen by `pick`, each on the shared clock. */
function record(events: readonly Event[], registries: readonly Registry[], pick: (i: number) => number, clock: ManualClock): void {
  const metrics = registries.map(instrument);
  events.forEach((event, i) => {
    clock.advance({ ms: event.atMs - clock.now() });
    const m = metrics[pick(i)]!;
    m.timer.observe({ op: event.op }, event.seconds);
    m.summary.record({ op: event.op });
    m.users.add({}, event.user);
  });
}

function family<K extends string>(collection: Collection, kind: K, name: string) {
  const found = collection.families.find((f) => f.kind === kind && f.descriptor.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found.series as readonly (K extends 'timer' ? TimerSeries : K extends 'summary' ? CountSum : Point)[];
}

describe('Registry.merge', () => {
  it.each([
    [1, 2],
    [2, 3],
    [3, 5],
    [4, 8],
  ])('gives the counts, sums, distinct estimate and quantiles of one registry that saw all (seed %i, %i registries)', async (seed, parts) => {
    const clock = new ManualClock();
    const events = stream(seed, 6_000, clock.now() + 1_000);
    const split = seededRandom(seed + 100);
    const registries = Array.from({ length: parts }, () => new Registry({ now: () => clock.now() }));
    record(events, registries, () => Math.floor(split() * parts), clock);
    const merged = new Registry({ now: () => clock.now() });
    // States cross a process boundary as JSON.
    for (const [i, r] of registries.entries()) merged.merge(JSON.parse(JSON.stringify(await r.state())) as RegistryState, { source: String(i) });

    const wholeClock = new ManualClock();
    const single = new Registry({ now: () => wholeClock.now() });
    record(events, [single], () => 0, wholeClock);
    const got = await merged.collect();
    const want = await single.collect();

    for (const op of ['read', 'write']) {
      const g = family(got, 'timer', 'am_op').find((s) => s.labels.op === op)!;
      const w = family(want, 'timer', 'am_op').find((s) => s.labels.op === op)!;
      expect(g.count).toBe(w.count);
      expect(g.sum).toBe(w.sum);
      const log: Observation[] = events.filter((e) => e.op === op).map((e) => ({ value: e.seconds, atMs: e.atMs }));
      for (const { quantile, value } of g.quantiles) {
        const exact = exactDecayedQuantile(log, quantile, clock.now());
        // The merged sketch keeps the single sketch's bound: within 1% of the exact decayed quantile.
        expect(relativeError(value, exact), `op=${op} q=${quantile}`).toBeLessThanOrEqual(PROMISED_RELATIVE_ERROR);
      }
      const gs = family(got, 'summary', 'am_login').find((s) => s.labels.op === op)!;
      expect(gs.count).toBe(family(want, 'summary', 'am_login').find((s) => s.labels.op === op)!.count);
    }
    // A union of sketches is the sketch of the union: the estimates are identical, not just close.
    expect(family(got, 'distinct', 'am_users')[0]!.value).toBe(family(want, 'distinct', 'am_users')[0]!.value);
  });

  it('adds moving rates, so the merged one-minute rate is the sum of the parts', async () => {
    const clock = new ManualClock();
    const [a, b] = [new Registry({ now: () => clock.now() }), new Registry({ now: () => clock.now() })];
    const sa = a.summary({ name: 'am_x', help: 'X.' });
    clock.advance({ seconds: 2 });
    const sb = b.summary({ name: 'am_x', help: 'X.' });
    for (let i = 0; i < 600; i += 1) {
      clock.advance({ ms: 100 });
      sa.record({});
      if (i % 2 === 0) sb.record({});
    }
    const merged = new Registry({ now: () => clock.now() });
    merged.merge(await a.state());
    merged.merge(await b.state());
    const rate = (c: Collection): number => family(c, 'summary', 'am_x')[0]!.rates.m1;
    const [ra, rb, rm] = [rate(await a.collect()), rate(await b.collect()), rate(await merged.collect())];
    // EWMAs are linear and tick on the same epoch-aligned boundaries, so they add up to rounding.
    expect(rm).toBeCloseTo(ra + rb, 9);
    expect(rm).toBeGreaterThan(ra);
    // The merged series starts when the earlier part did.
    expect(family(await merged.collect(), 'summary', 'am_x')[0]!.startMs).toBe(family(await a.collect(), 'summary', 'am_x')[0]!.startMs);
  });

  it.each([
    ['sum', [3, 4, 5], [12]],
    ['max', [3, 9, 5], [9]],
    ['min', [3, 9, 5], [3]],
  ] as const)('combines gauges by %s', async (combine, values, expected) => {
    const merged = new Registry();
    for (const value of values) {
      const r = new Registry();
      r.gauge({ name: 'am_g', help: 'G.', combine }).set({}, value);
      merged.merge(await r.state());
    }
    expect(family(await merged.collect(), 'gauge', 'am_g').map((p) => p.value)).toEqual(expected);
  });

  it('keeps one series per source for per-source gauges, under a worker label', async () => {
    const merged = new Registry();
    for (const [source, value] of [
      ['1', 10],
      ['2', 20],
    ] as const) {
      const r = new Registry();
      r.gauge({ name: 'am_heap', help: 'Heap.', combine: 'per-source' }).set({}, value);
      merged.merge(await r.state(), { source });
    }
    const series = family(await merged.collect(), 'gauge', 'am_heap');
    expect(series.map((p) => [p.labels, p.value])).toEqual([
      [{ worker: '1' }, 10],
      [{ worker: '2' }, 20],
    ]);
  });

  it('reads computed gauges into the state it saves', async () => {
    const r = new Registry();
    r.gauge({ name: 'am_pool', help: 'Pool.', collect: () => 7 });
    const merged = new Registry();
    merged.merge(await r.state());
    expect(family(await merged.collect(), 'gauge', 'am_pool')[0]!.value).toBe(7);
  });

  // Two amounts of 1e308 used to add up to Infinity, and the compensated sum to NaN: the exposition read
  // `am_big_sum NaN` and the state was refused, with every other metric of its process, by `merge`.
  it('keeps sums, quantiles and the state usable at the largest amounts and durations accepted', async () => {
    const clock = new ManualClock();
    const source = new Registry({ now: () => clock.now() });
    const summary = source.summary({ name: 'am_big', help: 'B.' });
    const timer = source.timer({ name: 'am_slow', help: 'S.' });
    for (let i = 0; i < 1_000; i += 1) {
      summary.record({}, MAX_RECORDED);
      timer.observe({}, i % 2 === 0 ? MAX_RECORDED : MAX_RECORDED / 10);
      clock.advance({ ms: 100 });
    }
    const merged = new Registry({ now: () => clock.now() });
    merged.merge(JSON.parse(JSON.stringify(await source.state())) as RegistryState);
    for (const collection of [await source.collect(), await merged.collect()]) {
      const [sums] = family(collection, 'summary', 'am_big');
      expect(relativeError(sums!.sum, 1_000 * MAX_RECORDED)).toBeLessThan(1e-12);
      const [timed] = family(collection, 'timer', 'am_slow');
      expect(timed!.count).toBe(1_000);
      expect(relativeError(timed!.sum, 550 * MAX_RECORDED)).toBeLessThan(1e-12);
      for (const value of [timed!.mean, timed!.stddev, ...timed!.quantiles.map((q) => q.value)]) expect(Number.isFinite(value)).toBe(true);
      expect(relativeError(timed!.quantiles.at(-1)!.value, MAX_RECORDED)).toBeLessThan(PROMISED_RELATIVE_ERROR);
    }
    expect(await merged.metrics()).not.toMatch(/NaN|Inf/);
  });

  it.each([
    ['a wrong version', (s: RegistryState) => ({ ...s, version: 1 })],
    ['a negative count', (s: RegistryState) => withSeries(s, (state) => ({ ...state, counts: { ...state.counts, count: -1 } }))],
    ['a NaN sum', (s: RegistryState) => withSeries(s, (state) => ({ ...state, counts: { ...state.counts, sum: Number.NaN } }))],
    ['a sketch bin that is not a pair', (s: RegistryState) => withSeries(s, (state) => ({ ...state, sample: { ...state.sample, bins: [[1]] } }))],
    ['a relative accuracy of 0', (s: RegistryState) => withSeries(s, (state) => ({ ...state, sample: { ...state.sample, relativeAccuracy: 0 } }))],
    ['a relative accuracy of 1', (s: RegistryState) => withSeries(s, (state) => ({ ...state, sample: { ...state.sample, relativeAccuracy: 1 } }))],
    ['an unknown kind', (s: RegistryState) => ({ ...s, families: [...s.families, { ...s.families[0]!, kind: 'histogram' }] })],
    // Each of these was taken in, and merging it twice (or into a series holding as much) made a
    // count, sum or weight Infinity: the exposition read NaN or +Inf (_count +Inf and quantiles -Inf,
    // which OpenMetrics parsers refuse), and this registry's own state was refused from then on.
    ['a count that is not a whole number', (s: RegistryState) => withSeries(s, (state) => ({ ...state, counts: { ...state.counts, count: 0.5 } }))],
    ['a sum no process reaches', (s: RegistryState) => withSeries(s, (state) => ({ ...state, counts: { ...state.counts, sum: 1e300 } }))],
    [
      'an uncounted number of events that is not whole',
      (s: RegistryState) => withSeries(s, (state) => ({ ...state, counts: { ...state.counts, rates: { ...state.counts.rates, uncounted: 1.5 } } })),
    ],
    [
      'a moving rate no process reaches',
      (s: RegistryState) => withSeries(s, (state) => ({ ...state, counts: { ...state.counts, rates: { ...state.counts.rates, averages: [1e300, 0, 0] } } })),
    ],
    ['a sketch weight no process reaches', (s: RegistryState) => withSeries(s, (state) => ({ ...state, sample: { ...state.sample, totalWeight: 1e300 } }))],
    ['a zero weight no process reaches', (s: RegistryState) => withSeries(s, (state) => ({ ...state, sample: { ...state.sample, zeroWeight: 1e300 } }))],
    ['a bin weight no process reaches', (s: RegistryState) => withSeries(s, (state) => ({ ...state, sample: { ...state.sample, bins: [[0, 1e300]] } }))],
    ['a weighted sum no process reaches', (s: RegistryState) => withSeries(s, (state) => ({ ...state, sample: { ...state.sample, weightedSum: 1e300 } }))],
    ['a largest duration above MAX_RECORDED', (s: RegistryState) => withSeries(s, (state) => ({ ...state, sample: { ...state.sample, max: 1e101 } }))],
    [
      'a minute extreme above MAX_RECORDED',
      (s: RegistryState) => withSeries(s, (state) => ({ ...state, sample: { ...state.sample, extremes: [[state.sample.extremes[0][0], 0.5, 1e101]] } })),
    ],
    ['no weight in a sketch that saw observations', (s: RegistryState) => withSeries(s, (state) => ({ ...state, sample: { ...state.sample, totalWeight: 0 } }))],
    // Used to be taken for {} by a metric without labels, and to throw a TypeError in one with labels.
    ['series labels of null', (s: RegistryState) => ({ ...s, families: s.families.map((f) => ({ ...f, series: f.series.map((x) => ({ ...x, labels: null })) })) })],
  ])('refuses %s with InvalidValueError and changes nothing', async (_what, corrupt) => {
    const clock = new ManualClock();
    const source = new Registry({ now: () => clock.now() });
    source.timer({ name: 'am_t', help: 'T.' }).observe({}, 0.5);
    source.summary({ name: 'am_other', help: 'O.' }).record({});
    const target = new Registry({ now: () => clock.now() });
    target.timer({ name: 'am_t', help: 'T.' }).observe({}, 0.25);
    const before = await target.metrics();
    const state = JSON.parse(JSON.stringify(await source.state())) as RegistryState;
    expect(() => target.merge(corrupt(state) as RegistryState)).toThrow(InvalidValueError);
    expect(await target.metrics()).toBe(before);
  });

  it("refuses a timer's bucket sum no process reaches", async () => {
    const source = new Registry({ timerBuckets: true });
    source.timer({ name: 'am_t', help: 'T.' }).observe({}, 0.5);
    const state = withSeries(await source.state(), (cell) => ({ ...cell, buckets: { ...cell.buckets, sum: 1e300 } }));
    const target = new Registry({ timerBuckets: true });
    expect(() => target.merge(state)).toThrow(InvalidValueError);
    expect(() => target.merge(state)).toThrow(/am_t: value 1e\+300 is not a valid bucket sum/);
    expect(target.getSingleMetric('am_t')).toBeUndefined();
  });

  // A worker with a clock a year ahead (or a hand-made state) ticked this registry's rates to its
  // time: they read 0 for every event recorded here until the year had passed.
  it.each([
    ['state time', { years: 1 }, 0],
    ['series start time', { years: 0 }, 1],
  ])('refuses a state whose %s is ahead of this clock by more than the skew allowed, and keeps its own rates', async (_what, ahead, byStart) => {
    const clock = new ManualClock();
    const target = new Registry({ now: () => clock.now() });
    const own = target.summary({ name: 'am_x', help: 'X.' });
    const yearMs = 365 * 24 * 3_600_000;
    const skewed = new ManualClock(clock.now() + ahead.years * yearMs);
    const source = new Registry({ now: () => skewed.now() });
    source.summary({ name: 'am_x', help: 'X.' }).record({});
    const state = await source.state();
    const hostile = byStart === 0 ? state : withSeriesStart(state, clock.now() + yearMs);
    expect(() => target.merge(hostile)).toThrow(InvalidValueError);
    expect(() => target.merge(hostile)).toThrow(/ahead of this registry's clock/);
    for (let i = 0; i < 600; i += 1) {
      clock.advance({ ms: 100 });
      own.record({});
    }
    expect(family(await target.collect(), 'summary', 'am_x')[0]!.rates.m1).toBeGreaterThan(1);
  });

  it('accepts a state from a clock a few seconds ahead, as NTP leaves hosts', async () => {
    const clock = new ManualClock();
    const source = new Registry({ now: () => clock.now() + 5_000 });
    source.summary({ name: 'am_x', help: 'X.' }).record({});
    const target = new Registry({ now: () => clock.now() });
    target.merge(await source.state());
    expect(family(await target.collect(), 'summary', 'am_x')[0]!.count).toBe(1);
  });

  // Two hand-made states of 1.5e308 summed to Infinity: the scrape read +Inf and this registry's own
  // state was refused by every merge after.
  it('refuses a gauge state whose sum with this value would overflow, and keeps the value', async () => {
    const target = new Registry();
    target.gauge({ name: 'am_g', help: 'G.', labelNames: ['pool'], combine: 'sum' }).set({ pool: 'a' }, 1.5e308);
    const source = new Registry();
    source.gauge({ name: 'am_g', help: 'G.', labelNames: ['pool'], combine: 'sum' }).set({ pool: 'a' }, 1.5e308);
    const state = await source.state();
    expect(() => target.merge(state)).toThrow(InvalidValueError);
    expect(() => target.merge(state)).toThrow('am_g: value 1.5e+308 would make the merged sum of {pool="a"} overflow to Infinity');
    expect(family(await target.collect(), 'gauge', 'am_g').map((p) => p.value)).toEqual([1.5e308]);
    // Its own state still saves a finite value, so another registry can merge it.
    const saved = JSON.parse(JSON.stringify(await target.state())) as RegistryState;
    expect(() => new Registry().merge(saved)).not.toThrow();
  });

  // A state's overflow series became a series of its own here, beside this registry's overflow series
  // with the same labels: the label set was exposed twice.
  it("merges a state's overflow series into this registry's overflow series", async () => {
    const source = new Registry({ maxSeriesPerMetric: 1 });
    // Room for more series here, and an overflow series of its own (from a value over 16 bytes).
    const target = new Registry({ maxLabelValueBytes: 16 });
    for (const [registry, users] of [
      [source, ['a', 'b', 'c']],
      [target, ['d', 'e'.repeat(17)]],
    ] as const) {
      const summary = registry.summary({ name: 'am_x', help: 'X.', labelNames: ['user'] });
      for (const user of users) summary.record({ user });
    }
    target.merge(await source.state());
    const series = family(await target.collect(), 'summary', 'am_x');
    expect(series.map((s) => [s.labels.user, s.count])).toEqual([
      ['d', 1],
      ['a', 1],
      ['__overflow__', 3],
    ]);
    expect(await target.metrics()).toContain('am_metrics_overflow_total{metric="am_x",} 3.0');
  });

  it('refuses a metric whose shape clashes with one registered here, before merging anything', async () => {
    const source = new Registry();
    source.summary({ name: 'am_a', help: 'A.' }).record({});
    source.summary({ name: 'am_b', help: 'B.', labelNames: ['x'] }).record({ x: '1' });
    const target = new Registry();
    target.summary({ name: 'am_b', help: 'B.' });
    const state = await source.state();
    expect(() => target.merge(state)).toThrow(MetricConflictError);
    expect(target.getSingleMetric('am_a')).toBeUndefined();
  });
  // The check ran when the series was absorbed, after the families before it in the state had been
  // merged: the merge threw with part of the state in.
  it.each([
    ['the summary', 'am_x', { op: '' }],
    ['the timer', 'am_x', { user: '' }],
  ])('refuses a series of %s with an empty value where a summary and a timer share its name here, before merging anything', async (_what, name, labels) => {
    const source = new Registry();
    source.summary({ name: 'am_a', help: 'A.' }).record({});
    if ('op' in labels) source.summary({ name, help: 'X.', labelNames: ['op'] }).record(labels);
    else source.timer({ name, help: 'X.', labelNames: ['user'] }).observe(labels, 0.5);
    const target = new Registry();
    target.summary({ name, help: 'X.', labelNames: ['op'] });
    target.timer({ name, help: 'X.', labelNames: ['user'] });
    const before = await target.metrics();
    const state = await source.state();
    expect(() => target.merge(state)).toThrow(InvalidLabelError);
    expect(() => target.merge(state)).toThrow(/am_x: label "(op|user)" may not be empty/);
    expect(target.getSingleMetric('am_a')).toBeUndefined();
    expect(await target.metrics()).toBe(before);
  });

  it('refuses an empty value for a label the timer it would share a name with lacks, before registering anything', async () => {
    const source = new Registry();
    source.summary({ name: 'am_a', help: 'A.' }).record({});
    source.timer({ name: 'am_x', help: 'X.', labelNames: ['user'] }).observe({ user: '' }, 0.5);
    const target = new Registry();
    target.summary({ name: 'am_x', help: 'X.', labelNames: ['op'] });
    const state = await source.state();
    expect(() => target.merge(state)).toThrow(InvalidLabelError);
    expect(target.getMetrics().map((m) => m.descriptor.kind)).toEqual(['summary']);
  });
});

describe('remove and reset', () => {
  it('drops one series; a bound child that records again starts it afresh', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const summary = registry.summary({ name: 'am_s', help: 'S.', labelNames: ['outcome'] });
    const child = summary.labels({ outcome: 'success' });
    child.record();
    summary.record({ outcome: 'failure' });
    expect(summary.remove({ outcome: 'success' })).toBe(true);
    expect(summary.remove({ outcome: 'success' })).toBe(false);
    expect(family(await registry.collect(), 'summary', 'am_s').map((s) => s.labels.outcome)).toEqual(['failure']);
    clock.advance({ minutes: 1 });
    child.record();
    const revived = family(await registry.collect(), 'summary', 'am_s').find((s) => s.labels.outcome === 'success')!;
    expect(revived.count).toBe(1);
    expect(revived.startMs).toBe(clock.now());
  });

  it('reset zeroes every series and moves its start time, keeping label sets and bound children', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const timer = registry.timer({ name: 'am_t', help: 'T.', labelNames: ['op'] });
    const child = timer.labels({ op: 'read' });
    child.observe(0.1);
    clock.advance({ seconds: 30 });
    registry.reset();
    let [series] = family(await registry.collect(), 'timer', 'am_t');
    expect(series).toMatchObject({ count: 0, sum: 0, startMs: clock.now() });
    child.observe(0.2);
    [series] = family(await registry.collect(), 'timer', 'am_t');
    expect(series).toMatchObject({ count: 1, sum: 0.2 });
  });

  it('clear unregisters every metric', async () => {
    const registry = new Registry();
    registry.summary({ name: 'am_s', help: 'S.' }).record({});
    registry.clear();
    expect(registry.getSingleMetric('am_s')).toBeUndefined();
    expect((await registry.collect()).families).toEqual([]);
    registry.gauge({ name: 'am_s', help: 'now a gauge' });
  });
});

describe('Registry.collect', () => {
  it('gives the resource once, series without it, start times and quantile pairs', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now(), defaultLabels: { kubernetes_pod_name: 'am-0' } });
    const createdMs = clock.now();
    clock.advance({ seconds: 5 });
    registry.timer({ name: 'am_t', help: 'T.', labelNames: ['op'] }).observe({ op: 'read' }, 0.5);
    const collection = await registry.collect();
    expect(collection.timeMs).toBe(clock.now());
    expect(collection.resource).toEqual({ kubernetes_pod_name: 'am-0' });
    const [series] = family(collection, 'timer', 'am_t');
    expect(series!.labels).toEqual({ op: 'read' });
    expect(series!.startMs).toBe(createdMs + 5_000);
    expect(series!.quantiles.map((q) => q.quantile)).toEqual([...TIMER_QUANTILES]);
    expect(series!.quantiles.every((q) => q.value === 0.5)).toBe(true);
    expect(JSON.parse(JSON.stringify(collection)).families[0].series[0].labels).toEqual({ op: 'read' });
  });

  it('keeps sketches usable across processes through DistinctSketch too', () => {
    const sketch = new DistinctSketch();
    sketch.add('a');
    expect(DistinctSketch.fromJSON(sketch.toJSON()).estimate()).toBe(1);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table corrupts cell states of every kind
function withSeries(state: RegistryState, change: (cell: any) => unknown): RegistryState {
  const [first, ...rest] = state.families;
  const series = first!.series.map((s) => ({ ...s, state: change(s.state) }));
  return { ...state, families: [{ ...first!, series }, ...rest] };
}

/** `state` with every series starting at `startMs`. */
function withSeriesStart(state: RegistryState, startMs: number): RegistryState {
  return { ...state, families: state.families.map((f) => ({ ...f, series: f.series.map((series) => ({ ...series, startMs })) })) };
}
