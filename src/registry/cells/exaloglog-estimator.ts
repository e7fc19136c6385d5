// The distinct count from ExaLogLog registers (see exaloglog.ts), by maximum likelihood.

const T = 2;
const D = 20;

/**
 * The maximum-likelihood distinct count of 2^precision ExaLogLog registers (t = 2, d = 20), read through
 * `registerAt`; 0 when every register is empty.
 *
 * Why this estimator (Ertl 2024, arXiv:2402.13726, section on estimation; Ertl 2017, arXiv:1702.01284,
 * for the same method on HyperLogLog): under the Poisson model, with λ = n / m values per register,
 * update value k is seen in a register with probability 1 − e^(−λ·ρ(k)), ρ(k) = 2^−(t+1+⌊(k−1)/2^t⌋)
 * (the last level, whose hash bits are all zero, has the previous level's ρ). A register tells for
 * each k whether it was seen (u, and the history bits set), not seen (every k above u, and the history
 * bits clear) or nothing (below the history). The log-likelihood −λ·A + Σ_seen ln(1 − e^(−λ·ρ(k))),
 * with A the summed ρ of the values known unseen, is concave in λ; its maximum solves
 * Σ_seen ρ(k) / (e^(λ·ρ(k)) − 1) = A, whose left side falls strictly with λ, so bisection on log λ
 * finds the one root. Seen values are grouped by level, so each step sums at most 62 − p terms.
 * The estimator depends on the registers only, never on insertion order or merges, so a merged sketch
 * reports exactly what the sketch of the union does. Measured bias and spread: see notes/distinct-storage.md.
 */
export function maximumLikelihoodEstimate(precision: number, registerAt: (index: number) => number): number {
  const levels = 62 - precision; // levels of update values: nlz from 0 to 62 − p, the last two share ρ
  const maxK = (levels + 1) * 2 ** T;
  const rho = Float64Array.from({ length: levels }, (_, level) => 2 ** -(T + 1 + level));
  const levelOf = (k: number) => Math.min((k - 1) >>> T, levels - 1);
  // One pass over the registers counts them by u and counts the history bits set, by update value;
  // everything else follows from those two tables (why: a loop over 20 history bits per register made
  // an estimate about 20x slower than reading the same registers once).
  const registersAtU = new Float64Array(maxK + 1);
  const historySeen = new Float64Array(maxK + 1);
  for (let i = 0; i < 2 ** precision; i += 1) {
    const r = registerAt(i);
    const u = r >>> D;
    registersAtU[u]! += 1;
    for (let bits = r & (2 ** D - 1); bits !== 0; bits &= bits - 1) {
      historySeen[u - D + 31 - Math.clz32(bits & -bits)]! += 1; // bit 20 − j stands for u − j
    }
  }
  const seen = new Float64Array(levels);
  let unseen = registersAtU[0]!; // an empty register has seen no value: probability 1 in all unseen
  for (let k = 1; k <= maxK; k += 1) {
    // Registers whose history window (u − 20 … u − 1) holds k, and of those, how many saw it.
    let windows = 0;
    for (let u = k + 1; u <= Math.min(k + D, maxK); u += 1) windows += registersAtU[u]!;
    seen[levelOf(k)]! += registersAtU[k]! + historySeen[k]!;
    unseen += (windows - historySeen[k]!) * rho[levelOf(k)]! + registersAtU[k]! * tailAbove(k, levels, rho);
  }
  if (unseen === 0) return Infinity; // every register saturated: past 2^64 values
  if (seen.every((count) => count === 0)) return 0;
  const excess = (lambda: number) => {
    let sum = -unseen;
    for (let level = 0; level < levels; level += 1) {
      if (seen[level] !== 0) sum += (seen[level]! * rho[level]!) / Math.expm1(lambda * rho[level]!);
    }
    return sum;
  };
  return 2 ** precision * rootOfFalling(excess);
}

/** Summed ρ of every update value above u: the rest of u's level, then every higher level. */
function tailAbove(u: number, levels: number, rho: Float64Array): number {
  const level = (u - 1) >>> T;
  const restOfLevel = (2 ** T - 1 - ((u - 1) & (2 ** T - 1))) * rho[Math.min(level, levels - 1)]!;
  return level < levels ? restOfLevel + 2 ** -(level + 1) : restOfLevel;
}

/** The positive root of a strictly falling function that is positive near 0 and negative for large x. */
function rootOfFalling(f: (x: number) => number): number {
  let low = 1;
  let high = 1;
  while (f(high) > 0) high *= 2;
  while (f(low) < 0) low /= 2;
  for (let step = 0; step < 200 && high / low > 1 + 1e-13; step += 1) {
    const middle = Math.sqrt(low * high);
    if (f(middle) > 0) low = middle;
    else high = middle;
  }
  return Math.sqrt(low * high);
}
