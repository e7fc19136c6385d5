// Seeded random data for tests, so a failing test replays exactly (pure-rand does the generating).
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

/** A seeded source of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  const rng = xoroshiro128plus(seed);
  // Small seeds start xoroshiro in a low-entropy state; its first outputs are skipped.
  for (let i = 0; i < 8; i += 1) uniformFloat64(rng);
  return () => uniformFloat64(rng);
}

/** Log-normally distributed values (e.g. latencies in seconds) around `median`. */
export function logNormal(random: () => number, median: number, sigma: number): () => number {
  return () => {
    const u1 = Math.max(random(), Number.MIN_VALUE);
    const u2 = random();
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return median * Math.exp(sigma * normal);
  };
}
