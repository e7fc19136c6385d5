import { describe, expect, it } from 'vitest';
import { CountSum } from '../../../src/registry/cells/count-sum.js';
import { logNormal, seededRandom } from '../../support/random.js';

/** 2^80: every double from 2^-28 up is a whole number of 2^-80ths, so sums of them are exact in BigInt. */
const SCALE = 2 ** 80;

/** The exact sum of `values` (each ≥ 2^-28), rounded once to the nearest double. */
function exactSum(values: readonly number[]): number {
  return Number(values.reduce((total, value) => total + BigInt(value * SCALE), 0n)) / SCALE;
}

function summed(values: readonly number[]): number {
  const cell = new CountSum(0);
  for (const value of values) cell.record(value, 0);
  return cell.read(0).sum;
}

describe('CountSum', () => {
  it('sums 10,000 × 0.1 to 1000.0, where plain addition drifts', () => {
    const values = Array.from({ length: 10_000 }, () => 0.1);
    expect(values.reduce((a, b) => a + b, 0)).not.toBe(1000);
    expect(summed(values)).toBe(1000);
  });

  it.each([1, 2, 3])('sums 100,000 seeded latencies to the correctly rounded exact sum (seed %i)', (seed) => {
    const next = logNormal(seededRandom(seed), 0.002, 1.5);
    const values = Array.from({ length: 100_000 }, () => Math.max(next(), 1e-8));
    expect(summed(values)).toBe(exactSum(values));
  });

  it('keeps the compensation across a merge', () => {
    const a = new CountSum(0);
    const b = new CountSum(0);
    for (let i = 0; i < 5_000; i += 1) {
      a.record(0.1, 0);
      b.record(0.1, 0);
    }
    a.mergeFrom(b);
    expect(a.read(0)).toMatchObject({ count: 10_000, sum: 1000 });
    expect(CountSum.fromState(a.state(0), 'm').read(0).sum).toBe(1000);
  });
});
