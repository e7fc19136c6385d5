// registry.collect() of 10,000 series (half timers with 200 observations) against OpenTelemetry's
// MetricReader.collect() on the same shape, rounds alternating in one process.
import { otelShape, ourShape } from './shape.js';
import { report } from './support.js';

const SERIES = 10_000;
const ROUNDS = 7;

const ours = ourShape(SERIES);
const reader = otelShape(SERIES);
const oursMs: number[] = [];
const theirsMs: number[] = [];
for (let r = 0; r < ROUNDS; r += 1) {
  let start = performance.now();
  await ours.collect();
  oursMs.push(performance.now() - start);
  start = performance.now();
  await reader.collect();
  theirsMs.push(performance.now() - start);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const [o, t] = [median(oursMs), median(theirsMs)];
report(
  'collect(), 10,000 series',
  `${o.toFixed(1)} ms vs OTel MetricReader.collect() ${t.toFixed(1)} ms (medians of ${ROUNDS} alternating rounds)`,
  o / t,
  2,
  'x the cost',
  true,
);
