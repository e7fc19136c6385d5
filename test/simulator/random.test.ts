import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/simulator/random.js';

const DRAWS = 20_000;

describe('SeededRandom', () => {
  it('replays the same values from the same seed', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    expect(Array.from({ length: 5 }, () => a.float())).toEqual(Array.from({ length: 5 }, () => b.float()));
    expect(new SeededRandom(43).float()).not.toBe(new SeededRandom(42).float());
  });

  it.each([0.3, 4, 25, 400])('draws Poisson counts with mean and variance %d', (mean) => {
    const random = new SeededRandom(7);
    const counts = Array.from({ length: DRAWS }, () => random.poisson(mean));
    const average = counts.reduce((a, b) => a + b, 0) / DRAWS;
    const variance = counts.reduce((a, b) => a + (b - average) ** 2, 0) / DRAWS;
    // The sample mean's standard error is sqrt(mean / DRAWS): 5 of them bound it. The variance is
    // checked loosely (±10%), enough to tell Poisson noise from none.
    expect(Math.abs(average - mean)).toBeLessThan(5 * Math.sqrt(mean / DRAWS));
    expect(variance / mean).toBeGreaterThan(0.9);
    expect(variance / mean).toBeLessThan(1.1);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(0);
  });

  it('draws log-normal values around their median', () => {
    const random = new SeededRandom(8);
    const values = Array.from({ length: DRAWS }, () => random.logNormal(0.004, 0.5)).sort((a, b) => a - b);
    // The sample median of 20,000 draws is within ~1.5% of the true median (4 standard errors).
    expect((values[DRAWS / 2] as number) / 0.004).toBeCloseTo(1, 1);
  });

  it('picks from a weighted table in proportion to the weights', () => {
    const random = new SeededRandom(9);
    const table = [
      ['a', 1],
      ['b', 3],
    ] as const;
    const bs = Array.from({ length: DRAWS }, () => random.pick(table)).filter((v) => v === 'b').length;
    // Expected 15,000 (sd ≈ 61): ±300 is about five standard deviations.
    expect(Math.abs(bs - 15_000)).toBeLessThan(300);
  });
});
