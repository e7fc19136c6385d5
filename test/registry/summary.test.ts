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
