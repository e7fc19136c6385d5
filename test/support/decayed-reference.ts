// Brute-force references for recent-weighted timers: every observation with its exact decayed weight.

/** AM's alpha, written out so that a wrong constant in the module cannot hide in the reference. */
export const AM_DECAY_PER_SECOND = 0.015;
/** The tie slack of the documented convention: C(x) > (q − 1e−9)·W. */
const RANK_TIE_SLACK = 1e-9;

export interface Observation {
  readonly value: number;
  readonly atMs: number;
}

export function decayedWeights(log: readonly Observation[], nowMs: number): { value: number; weight: number }[] {
  return log.map(({ value, atMs }) => {
    const ageSeconds = (nowMs - atMs) / 1_000;
    return { value, weight: Math.exp(-AM_DECAY_PER_SECOND * ageSeconds) };
  });
}

/** Brute force: sort all observations with their exact weights; the first whose running weight passes q·W. */
export function exactDecayedQuantile(log: readonly Observation[], q: number, nowMs: number): number {
  const weighted = decayedWeights(log, nowMs).sort((a, b) => a.value - b.value);
  const total = weighted.reduce((sum, { weight }) => sum + weight, 0);
  let running = 0;
  for (const { value, weight } of weighted) {
    running += weight;
    if (running > (q - RANK_TIE_SLACK) * total) return value;
  }
  return weighted[weighted.length - 1]?.value ?? Number.NaN;
}

export function exactDecayedMean(log: readonly Observation[], nowMs: number): number {
  const weighted = decayedWeights(log, nowMs);
  const total = weighted.reduce((sum, { weight }) => sum + weight, 0);
  return weighted.reduce((sum, { value, weight }) => sum + value * weight, 0) / total;
}

/** Brute force: √(Σw·(x − mean)² / Σw) with the exact decayed weights (Dropwizard's WeightedSnapshot), and √(Σw·x² / Σw). */
export function exactDecayedStddev(log: readonly Observation[], nowMs: number): { stddev: number; rms: number } {
  const weighted = decayedWeights(log, nowMs);
  const total = weighted.reduce((sum, { weight }) => sum + weight, 0);
  const mean = exactDecayedMean(log, nowMs);
  const variance = weighted.reduce((sum, { value, weight }) => sum + weight * (value - mean) ** 2, 0) / total;
  const meanSquare = weighted.reduce((sum, { value, weight }) => sum + weight * value ** 2, 0) / total;
  return { stddev: Math.sqrt(variance), rms: Math.sqrt(meanSquare) };
}

export function relativeError(actual: number, exact: number): number {
  return exact === 0 ? Math.abs(actual) : Math.abs(actual - exact) / exact;
}
