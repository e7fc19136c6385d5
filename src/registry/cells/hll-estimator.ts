// Cardinality from HyperLogLog registers, for the distinct counter's sketch (see hyperloglog.ts).

/**
 * Ertl's improved raw estimator (Ertl 2017, "New cardinality estimation algorithms for HyperLogLog
 * sketches", arXiv:1702.01284) for registers of a hash with q = 64 − p rank bits.
 * Why not hyperloglog-lite's count(): its raw estimate switches to linear counting at 2.5 m and is
 * biased upward between about 2.5 m and 5 m (the bias HLL++ corrects with empirical tables); Ertl's
 * estimator uses the whole register histogram and is nearly unbiased over the entire range.
 */
export function improvedRawEstimate(registers: Uint8Array, q: number): number {
  const m = registers.length;
  const histogram = new Float64Array(q + 2);
  for (const value of registers) histogram[value] = (histogram[value] ?? 0) + 1;
  let z = m * tau(1 - (histogram[q + 1] ?? 0) / m);
  for (let k = q; k >= 1; k -= 1) z = 0.5 * (z + (histogram[k] ?? 0));
  z += m * sigma((histogram[0] ?? 0) / m);
  return (m * m) / (2 * Math.LN2 * z); // α∞ = 1 / (2 ln 2)
}

/** σ(x) = x + Σ_{k≥1} x^(2^k) 2^(k−1) (Ertl 2017); infinite at x = 1, when no register is set. */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (let previous = NaN; z !== previous; y += y) {
    x *= x;
    previous = z;
    z += x * y;
  }
  return z;
}

/** τ(x) = (1 − x − Σ_{k≥1} (1 − x^(2^−k))² 2^−k) / 3 (Ertl 2017). */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (let previous = NaN; z !== previous;) {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
  }
  return z / 3;
}
