import { describe, expect, it } from 'vitest';
import {
  BUCKET_BOUNDS,
  BUCKET_RELATIVE_ERROR,
  HIGHEST_BUCKET_SECONDS,
  LogBuckets,
  LOWEST_BUCKET_SECONDS,
  type LogBucketsState,
} from '../../../src/registry/cells/log-buckets.js';
import { InvalidValueError } from '../../../src/index.js';
import { logNormal, seededRandom } from '../../support/random.js';

/** Observations ≤ le, counted by brute force: what every `le` bucket must hold. */
function exactCumulative(values: readonly number[]): number[] {
  return [...BUCKET_BOUNDS, Number.POSITIVE_INFINITY].map((le) => values.filter((v) => v <= le).length);
}

function filled(values: readonly number[]): LogBuckets {
  const cell = new LogBuckets();
  for (const v of values) cell.record(v);
  return cell;
}

describe('LogBuckets', () => {
  it('lays out 2^(k/4) s bounds from about 61 µs to 64 s, each within one double of the power of two', () => {
    expect(BUCKET_BOUNDS).toHaveLength(81);
    expect(BUCKET_BOUNDS[0]).toBeCloseTo(LOWEST_BUCKET_SECONDS, 18);
    expect(BUCKET_BOUNDS.at(-1)).toBeCloseTo(HIGHEST_BUCKET_SECONDS, 12);
    BUCKET_BOUNDS.forEach((le, i) => expect(le / 2 ** ((i - 56) / 4) - 1).toBeLessThan(1e-14));
    expect(BUCKET_RELATIVE_ERROR).toBeCloseTo(0.1892, 4);
  });

  it('counts every observation at most each bound, bounds themselves included, and all of them in +Inf', () => {
    const random = seededRandom(7);
    const values = [0, 1e-9, ...BUCKET_BOUNDS, ...BUCKET_BOUNDS.map((b) => b * (1 + 1e-12)), 100, 1e6];
    const next = logNormal(random, 0.01, 2);
    for (let i = 0; i < 5_000; i += 1) values.push(next());
    const { count, sum, buckets } = filled(values).read();
    expect(buckets.map((b) => b.count)).toEqual(exactCumulative(values));
    expect(buckets.at(-1)).toEqual({ le: Number.POSITIVE_INFINITY, count: values.length });
    expect(count).toBe(values.length);
    expect(sum).toBeCloseTo(
      values.reduce((a, b) => a + b, 0),
      6,
    );
  });

  it('reads all-zero buckets up to +Inf before any observation', () => {
    const { count, buckets } = new LogBuckets().read();
    expect(count).toBe(0);
    expect(buckets).toHaveLength(82);
    expect(buckets.every((b) => b.count === 0)).toBe(true);
  });

  it('merges two cells, also through state(), into exactly the buckets of both streams', () => {
    const random = seededRandom(8);
    const a = Array.from({ length: 2_000 }, logNormal(random, 0.005, 1));
    const b = Array.from({ length: 3_000 }, logNormal(random, 0.2, 0.5));
    const merged = filled(a);
    merged.mergeFrom(LogBuckets.fromState(JSON.parse(JSON.stringify(filled(b).state())) as LogBucketsState, 'm'));
    expect(merged.read().buckets.map((x) => x.count)).toEqual(exactCumulative([...a, ...b]));
    expect(merged.read().count).toBe(5_000);
  });

  it.each([
    ['another layout', { bucketsPerDoubling: 8, zeroCount: 0, sum: 0, bins: [] }],
    ['a fractional count', { bucketsPerDoubling: 4, zeroCount: 0, sum: 1, bins: [[3, 0.5]] }],
    ['a negative zero count', { bucketsPerDoubling: 4, zeroCount: -1, sum: 0, bins: [] }],
    ['a key no double reaches', { bucketsPerDoubling: 4, zeroCount: 0, sum: 1, bins: [[1e9, 1]] }],
    ['bins that are not pairs', { bucketsPerDoubling: 4, zeroCount: 0, sum: 1, bins: [3] }],
    ['a NaN sum', { bucketsPerDoubling: 4, zeroCount: 0, sum: Number.NaN, bins: [] }],
  ])('refuses a state with %s', (_what, state) => {
    expect(() => LogBuckets.fromState(state as unknown as LogBucketsState, 'am_cts_task')).toThrow(InvalidValueError);
  });
});
