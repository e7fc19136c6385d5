import { describe, expect, it } from 'vitest';
import { DeltaBaseline } from '../../../src/exposition/push/delta.js';
import type { Collection, FamilySnapshot, Point } from '../../../src/index.js';

const T0 = Date.UTC(2026, 10, 26, 12);

function counterFamily(series: Point[]): FamilySnapshot {
  return { kind: 'counter', descriptor: { kind: 'counter', name: 'am_metrics_overflow', help: 'Overflowed series.', labelNames: ['metric'], constLabels: {} }, series };
}

function collection(timeMs: number, families: FamilySnapshot[]): Collection {
  return { timeMs, resource: {}, families, failures: [] };
}

const point = (value: number, startMs = T0, metric = 'am_cts_task'): Point => ({ labels: { metric }, startMs, value });

describe('DeltaBaseline', () => {
  it.each([
    ['the same series counted further', point(7), { startMs: T0 + 10_000, already: 4 }],
    ['a series that restarted (new start)', point(2, T0 + 15_000), { startMs: T0 + 15_000, already: 0 }],
    ['a series whose count went down (a new process with the same start)', point(3), { startMs: T0, already: 0 }],
    ['a series the previous collection lacked', point(5, T0, 'am_session'), { startMs: T0, already: 0 }],
    ['a merged series an older part joined late (earlier start, count up)', point(9, T0 - 5_000), { startMs: T0 + 10_000, already: 4 }],
  ])('counts %s from the right start', (_case, current, expected) => {
    const previous = collection(T0 + 10_000, [counterFamily([point(4)])]);
    const family = counterFamily([current]);
    const window = new DeltaBaseline(previous).window(family, current);
    expect({ startMs: window.startMs, already: window.already.value }).toEqual(expected);
  });

  it('counts everything from each series start without a previous collection', () => {
    const current = point(9);
    expect(new DeltaBaseline(undefined).window(counterFamily([current]), current)).toMatchObject({ startMs: T0, already: { value: 0 } });
  });

  it('matches a series by its label values, whatever the key order or object identity', () => {
    const labels = { outcome: 'success', operation: 'create' };
    const previous = collection(T0 + 10_000, [counterFamily([{ labels, startMs: T0, value: 4 }])]);
    const current: Point = { labels: { operation: 'create', outcome: 'success' }, startMs: T0, value: 6 };
    expect(new DeltaBaseline(previous).window(counterFamily([current]), current).already.value).toBe(4);
  });
});
