// On demand, not part of `npm run bench` (minutes per seed): the distinct counter's relative error at
// 10^7 distinct values over SEEDS seeds, as a distribution. Usage: npx tsx bench/distinct-accuracy.ts [seeds] [count]
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
  errors.push(Math.abs(sketch.estimate() - COUNT) / COUNT);
  if (seed % 10 === 0 || seed === SEEDS) summarize();
}

function summarize(): void {
  const sorted = [...errors].sort((a, b) => a - b);
  const pct = (p: number) => `${(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 100).toFixed(2)}%`;
  const within = sorted.filter((e) => e <= MAX_ERROR).length;
  console.log(
    `distinct error at ${COUNT} over ${sorted.length} seeds: median ${pct(0.5)}, p90 ${pct(0.9)}, p99 ${pct(0.99)}, max ${pct(1)}; within ${MAX_ERROR * 100}%: ${within} of ${sorted.length}`,
  );
}
