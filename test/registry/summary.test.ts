import { describe, expect, it } from 'vitest';
import { Registry, InvalidLabelError, InvalidValueError, MetricsError } from '../../src/index.js';
import { ManualClock } from '../support/manual-clock.js';
import type { CountSum } from '../../src/index.js';

function setup() {
  const clock = new ManualClock();
  const registry = new Registry({ now: () => clock.now() });
  const summary = registry.summary({ name: 'am_authentication', help: 'Logins', labelNames: ['outcome'] });
  return { clock, registry, summary };
}

async function seriesOf(registry: Registry): Promise<CountSum[]> {
  const { families } = await registry.collect();
  const family = families.find((f) => f.kind === 'summary');
  return family?.kind === 'summary' ? [...family.series] : [];
}

describe('Summary', () => {
  it('adds one to the count and the amount to the sum per record', async () => {
    const { registry, summary } = setup();
    summary.record({ outcome: 'success' });
    summary.record({ outcome: 'success' }, 3);
    summary.record({ outcome: 'failure' });
    const series = await seriesOf(registry);
    expect(series.map((s) => [s.labels.outcome, s.count, s.sum])).toEqual([
      ['success', 2, 4],
      ['failure', 1, 1],
    ]);
  });

  it('records through a bound child exactly as through labels', async () => {
    const { registry, summary } = setup();
    const success = summary.labels({ outcome: 'success' });
    success.record();
    success.record(2);
    summary.record({ outcome: 'success' });
    const [series] = await seriesOf(registry);
    expect([series?.count, series?.sum]).toEqual([3, 4]);
  });

  it("reports AM's moving rates from the registry clock", async () => {
    const { clock, registry, summary } = setup();
    for (let i = 0; i < 600; i += 1) {
      summary.record({ outcome: 'success' });
      clock.advance({ ms: 500 });
    }
    const [series] = await seriesOf(registry);
    // 2 events per second for 5 minutes: the 1-minute average has converged to within 1%.
    expect(series?.rates.m1).toBeGreaterThan(1.98);
    expect(series?.rates.m1).toBeLessThan(2.02);
    expect(series?.rates.mean).toBeCloseTo(2, 6);
  });

  it.each([
    ['a negative amount', { outcome: 'success' }, -1, InvalidValueError],
    ['NaN', { outcome: 'success' }, Number.NaN, InvalidValueError],
    ['Infinity', { outcome: 'success' }, Number.POSITIVE_INFINITY, InvalidValueError],
    ['-Infinity', { outcome: 'success' }, Number.NEGATIVE_INFINITY, InvalidValueError],
    ['an amount past 1e100', { outcome: 'success' }, 2e100, InvalidValueError],
    ['the largest double', { outcome: 'success' }, Number.MAX_VALUE, InvalidValueError],
    ['a null amount', { outcome: 'success' }, null, InvalidValueError],
    ['a string amount', { outcome: 'success' }, '1', InvalidValueError],
    ['a missing label', {}, 1, InvalidLabelError],
    ['an unknown label', { outcome: 'success', realm: 'alpha' }, 1, InvalidLabelError],
    ['a number label value', { outcome: 7 }, 1, InvalidLabelError],
    ['labels that are not an object', 'success', 1, MetricsError],
  ])('refuses %s and records nothing', async (_case, labels, amount, errorClass) => {
    const { registry, summary } = setup();
    summary.record({ outcome: 'success' });
    const before = await seriesOf(registry);
    expect(() => summary.record(labels as never, amount as never)).toThrow(errorClass);
    expect(await seriesOf(registry)).toEqual(before);
  });

  it('counts many events at once as as many records would, rates and all', async () => {
    const [one, many] = [setup(), setup()];
    for (const { clock } of [one, many]) clock.advance({ ms: 1_000 });
    for (let i = 0; i < 3_000; i += 1) one.summary.record({ outcome: 'success' });
    many.summary.recordEvents({ outcome: 'success' }, 3_000);
    for (const { clock } of [one, many]) clock.advance({ ms: 65_000 });
    const [[a], [b]] = [await seriesOf(one.registry), await seriesOf(many.registry)];
    expect(b).toEqual(a);
    expect([b?.count, b?.sum]).toEqual([3_000, 3_000]);
    expect(b?.rates.m1).toBeGreaterThan(0);
  });

  it('counts 2^32 events in one step, and refuses what is not a whole number of events from 0 to 2^32', async () => {
    const { registry, summary } = setup();
    summary.recordEvents({ outcome: 'success' }, 2 ** 32); // a loop of records would take minutes
    const before = await seriesOf(registry);
    expect([before[0]?.count, before[0]?.sum]).toEqual([2 ** 32, 2 ** 32]);
    for (const events of [-1, 1.5, 2 ** 32 + 1, Number.NaN, Number.POSITIVE_INFINITY, '3']) {
      expect(() => summary.recordEvents({ outcome: 'success' }, events as never)).toThrow(InvalidValueError);
    }
    expect(() => summary.recordEvents({ outcome: 'success' }, -1)).toThrow(
      'am_authentication: value -1 is not a valid number of events (a whole number from 0 to 4294967296)',
    );
    expect(() => summary.recordEvents({ outcome: 7 } as never, 1)).toThrow(InvalidLabelError);
    expect(await seriesOf(registry)).toEqual(before);
  });

  it('checks labels as a record would, recording nothing', async () => {
    const { registry, summary } = setup();
    summary.checkLabels({ outcome: 'success' });
    expect(() => summary.checkLabels({ outcome: 7 } as never)).toThrow(/label "outcome" needs a string value, got number 7/);
    expect(() => summary.checkLabels({ outcome: 'success', realm: 'x' } as never)).toThrow(/"realm" is not a label of this metric/);
    expect(() => summary.checkLabels({ outcome: '\ud800' })).toThrow(/lone UTF-16 surrogate/);
    expect(await seriesOf(registry)).toEqual([]);
  });

  it('takes an amount of -0 as 0', async () => {
    const { registry, summary } = setup();
    summary.record({ outcome: 'success' }, -0);
    const [series] = await seriesOf(registry);
    expect([series?.count, series?.sum]).toEqual([1, 0]);
  });

  it('names the metric, the label and the value in its errors', () => {
    const { summary } = setup();
    expect(() => summary.record({ outcome: 7 } as never)).toThrow(/am_authentication: label "outcome" needs a string value, got number 7/);
    expect(() => summary.record({ outcome: 'success', realm: 'x' } as never)).toThrow(
      'am_authentication: label "realm" is not a label of this metric (allowed: outcome)',
    );
    expect(() => summary.record({ outcome: 'success' }, -2)).toThrow('am_authentication: value -2 is not a valid amount');
    expect(() => summary.labels({ outcome: 'success' }).record(1e200)).toThrow('am_authentication: value 1e+200 is not a valid amount (a number from 0 to 1e+100)');
    try {
      summary.record({ outcome: 'success', realm: 'x' } as never);
    } catch (error) {
      expect(error).toMatchObject({ metric: 'am_authentication', label: 'realm', value: 'x', allowed: ['outcome'] });
    }
  });

  it('keeps label sets apart even when values contain separators', async () => {
    const registry = new Registry();
    const s = registry.summary({ name: 'x', help: 'x', labelNames: ['a', 'b'] });
    s.record({ a: '1:2', b: '' });
    s.record({ a: '1', b: ':2' });
    s.record({ a: '1:2', b: '' });
    const series = await seriesOf(registry);
    expect(series.map((x) => x.count)).toEqual([2, 1]);
  });
});

describe('Summary labels named like Object properties', () => {
  it('treats a missing "constructor" label as missing, not as the inherited function', () => {
    const registry = new Registry();
    const summary = registry.summary({ name: 'am_x', help: 'X', labelNames: ['constructor'] });
    expect(() => summary.record({} as never)).toThrow('am_x: label "constructor" is missing (allowed: constructor)');
    summary.record({ constructor: 'ok' });
    expect(summary.labels({ constructor: 'ok' })).toBeDefined();
  });
});
