// The simulator's one source of randomness: a seeded generator and the distributions traffic is drawn
// from. The only file that imports pure-rand, so every draw replays from the seed.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

/** Draws skipped after seeding: small seeds start xoroshiro128+ in a low-entropy state. */
const WARM_UP_DRAWS = 8;
/** Above this mean, Poisson counts come from the normal approximation (error well under 1%). */
const POISSON_NORMAL_ABOVE = 30;

/** Outcomes with relative weights, e.g. `[['success', 86], ['failure', 11], ['timeout', 3]]`. */
export type Weighted<T> = ReadonlyArray<readonly [T, number]>;

/**
 * Seeded random draws for simulated traffic. The same seed and the same sequence of calls give the
 * same values on every platform (xoroshiro128+, 53-bit floats).
 */
export class SeededRandom {
  private readonly rng: ReturnType<typeof xoroshiro128plus>;

  /** @param seed a 32-bit integer; other numbers are truncated to one, as pure-rand does. */
  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed);
    for (let i = 0; i < WARM_UP_DRAWS; i += 1) uniformFloat64(this.rng);
  }

  /** A float in [0, 1). */
  float(): number {
    return uniformFloat64(this.rng);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** One of `table`'s values, with probability proportional to its weight. */
  pick<T>(table: Weighted<T>): T {
    let total = 0;
    for (const [, weight] of table) total += weight;
    let left = this.float() * total;
    for (const [value, weight] of table) {
      left -= weight;
      if (left < 0) return value;
    }
    const last = table[table.length - 1];
    if (last === undefined) throw new RangeError('pick needs a non-empty table');
    return last[0];
  }

  /** A standard normal value (Box–Muller). */
  normal(): number {
    const u1 = Math.max(this.float(), Number.MIN_VALUE);
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * this.float());
  }

  /** A log-normal value with median `median` and shape `sigma` (latencies, lifetimes). */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /**
   * How many events of a Poisson process with mean `mean` happen: Knuth's product method for small
   * means, the rounded normal approximation above POISSON_NORMAL_ABOVE (never negative).
   */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    if (mean > POISSON_NORMAL_ABOVE) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.float();
    while (product > limit) {
      count += 1;
      product *= this.float();
    }
    return count;
  }
}
