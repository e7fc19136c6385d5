import { describe, expect, it } from 'vitest';
import { Registry, InvalidValueError } from '../../src/index.js';
import { ManualClock } from '../support/manual-clock.js';
import type { TimerSeries } from '../../src/index.js';

function setup() {
  const clock = new ManualClock();
  const registry = new Registry({ now: () => clock.now() });
  const timer = registry.timer({ name: 'am_cts_task', help: 'CTS tasks', labelNames: ['outcome'] });
  return { clock, registry, timer };
}

async function seriesOf(registry: Registry): Promise<TimerSeries[]> {
  const { families } = await registry.collect();
  const family = families.find((f) => f.kind === 'timer');
  return family?.kind === 'timer' ? [...family.series] : [];
}

describe('Timer', () => {
  it('counts and sums durations through labels and through a bound child alike', async () => {
    const { registry, timer } = setup();
    timer.observe({ outcome: 'success' }, 0.25);
    timer.labels({ outcome: 'success' }).observe(0.5);
    const [series] = await seriesOf(registry);
    expect([series?.count, series?.sum, series?.min, series?.max]).toEqual([2, 0.75, 0.25, 0.5]);
  });

  // The duration check is one comparison chain (Metric.checkNonNegative); these are the values it
  // must still refuse, through either entry point, with the metric and the value in the message.
  it.each([
    ['a negative duration', -0.001],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a duration past 1e100', 2e100],
    ['the largest double', Number.MAX_VALUE],
    ['a string', '0.1'],
    ['undefined', undefined],
    ['null', null],
  ])('refuses %s and records nothing', async (_case, seconds) => {
    const { registry, timer } = setup();
    const child = timer.labels({ outcome: 'success' });
    timer.observe({ outcome: 'success' }, 0.1);
    const before = await seriesOf(registry);
    expect(() => timer.observe({ outcome: 'success' }, seconds as never)).toThrow(InvalidValueError);
    expect(() => child.observe(seconds as never)).toThrow(InvalidValueError);
    expect(await seriesOf(registry)).toEqual(before);
  });

  it('names the metric and the duration in its error', () => {
    const { timer } = setup();
    expect(() => timer.observe({ outcome: 'success' }, -2)).toThrow('am_cts_task: value -2 is not a valid duration in seconds (a number from 0 to 1e+100)');
    expect(() => timer.labels({ outcome: 'success' }).observe(Number.NaN)).toThrow(/^am_cts_task: value NaN is not a valid duration in seconds/);
  });

  it('takes 0 and -0 as durations of zero', async () => {
    const { registry, timer } = setup();
    timer.observe({ outcome: 'success' }, 0);
    timer.observe({ outcome: 'success' }, -0);
    const [series] = await seriesOf(registry);
    expect([series?.count, series?.sum, series?.max]).toEqual([2, 0, 0]);
  });
});
