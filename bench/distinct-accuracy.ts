// On demand, not part of `npm run bench` (minutes per seed): the distinct counter's relative error at
// 10^7 distinct values over SEEDS seeds, as a distribution. Usage: npx tsx bench/distinct-accuracy.ts [seeds] [count]
// The hash key is random per process (so each run is a fresh sample); AM_METRICS_DISTINCT_KEY fixes it.
import { DistinctSketch } from '../src/registry/cells/distinct-sketch.js';
import { hashReady } from '../src/registry/cells/string-hash.js';
import { seededRandom } from './support.js';

const SEEDS = Number(process.argv[2] ?? 100);
const COUNT = Number(process.argv[3] ?? 10_000_000);
const MAX_ERROR = 0.02;

await hashReady;
const errors: number[] = [];
for (let seed = 1; seed <= SEEDS; seed += 1) {
  const prefix = `seed${Math.floor(seededRandom(seed)() * 2 ** 32).toString(36)}-user.`;
  const sketch = new DistinctSketch();
  for (let i = 0; i < COUNT; i += 1) sketch.add(prefix + i);
  errors.push((sketch.estimate() - COUNT) / COUNT);
  if (seed % 10 === 0 || seed === SEEDS) summarize();
}

/** |error| percentiles, how many seeds stay within MAX_ERROR, the signed mean (bias) and the RMS. */
function summarize(): void {
  const sorted = errors.map(Math.abs).sort((a, b) => a - b);
  const percent = (e: number) => `${(e * 100).toFixed(2)}%`;
  const pct = (p: number) => percent(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
  const within = sorted.filter((e) => e <= MAX_ERROR).length;
  const mean = errors.reduce((sum, e) => sum + e, 0) / errors.length;
  const rms = Math.sqrt(errors.reduce((sum, e) => sum + e * e, 0) / errors.length);
  console.log(
    `distinct error at ${COUNT} over ${sorted.length} seeds: median ${pct(0.5)}, p90 ${pct(0.9)}, p99 ${pct(0.99)}, max ${pct(1)}; within ${MAX_ERROR * 100}%: ${within} of ${sorted.length}; mean ${percent(mean)}, RMS ${percent(rms)}`,
  );
}
