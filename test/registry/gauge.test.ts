import { describe, expect, it } from 'vitest';
import { InvalidNameError, InvalidValueError, Registry, type Point } from '../../src/index.js';

async function values(registry: Registry, name: string): Promise<[Record<string, string>, number][]> {
  const family = (await registry.collect()).families.find((f) => f.descriptor.name === name);
  return (family?.series as readonly Point[]).map((p) => [{ ...p.labels }, p.value]);
}

describe('Gauge', () => {
  // Set refuses ±Infinity, but inc and dec used to reach it from finite values: the gauge then read
  // +Inf, and `state()` held a value `merge` refuses, so the process's whole state was refused.
  it.each([
    ['inc', 'increment', 1.5e308, (g: ReturnType<Registry['gauge']>) => g.inc({}, 1e308)],
    ['dec', 'decrement', -1.5e308, (g: ReturnType<Registry['gauge']>) => g.dec({}, 1e308)],
    ['inc on a bound child', 'increment', 1.5e308, (g: ReturnType<Registry['gauge']>) => g.labels({}).inc(1e308)],
    ['dec on a bound child', 'decrement', -1.5e308, (g: ReturnType<Registry['gauge']>) => g.labels({}).dec(1e308)],
  ])('refuses %s past the largest double and keeps the value, so its state still merges', async (_what, word, start, change) => {
    const registry = new Registry();
    const gauge = registry.gauge({ name: 'am_g', help: 'G.' });
    gauge.set({}, start);
    expect(() => change(gauge)).toThrow(InvalidValueError);
    expect(() => change(gauge)).toThrow(new RegExp(`am_g: value 1e\\+308 is not a valid ${word}`));
    expect(await values(registry, 'am_g')).toEqual([[{}, start]]);
    const merged = new Registry();
    merged.merge(JSON.parse(JSON.stringify(await registry.state())));
    expect(await values(merged, 'am_g')).toEqual([[{}, start]]);
  });

  it('still steps through large finite values', async () => {
    const registry = new Registry();
    const gauge = registry.gauge({ name: 'am_g', help: 'G.' });
    gauge.set({}, 1e308);
    gauge.inc({}, 7e307);
    gauge.dec({}, 1.7e308);
    expect(await values(registry, 'am_g')).toEqual([[{}, 1e308 + 7e307 - 1.7e308]]);
  });

  // A per-source gauge adds `worker` when it merges; a label of its own by that name was overwritten,
  // so its series of one process collapsed into one (the last value won) and the rest were lost.
  it.each([
    ['a label', { labelNames: ['worker'] }],
    ['a constant label', { constLabels: { worker: 'w' } }],
  ])('refuses a per-source gauge with %s named worker, which merging would overwrite', (_what, shape) => {
    const registry = new Registry();
    expect(() => registry.gauge({ name: 'am_g', help: 'G.', combine: 'per-source', ...shape })).toThrow(InvalidNameError);
    expect(() => registry.gauge({ name: 'am_g', help: 'G.', combine: 'per-source', ...shape })).toThrow(/am_g: name "worker" is the label a per-source gauge/);
    expect(registry.getSingleMetric('am_g')).toBeUndefined();
    expect(() => registry.gauge({ name: 'am_g', help: 'G.', ...shape })).not.toThrow();
  });
});
