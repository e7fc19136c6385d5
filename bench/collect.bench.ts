// registry.collect() of 10,000 series (half timers with 200 observations) against OpenTelemetry's
// MetricReader.collect() on the same shape, rounds alternating in one process: once with every series
// idle between collects, once with one new observation in every timer series before each collect
// (recorded outside the timing), since a timer's reading may be reused while it sees no observation.
import { busyBetweenCollects, otelShape, ourShape } from './shape.js';
import { report } from './support.js';

const SERIES = 10_000;
const ROUNDS = 7;

const ours = ourShape(SERIES);
const { meter, reader } = otelShape(SERIES);
const touch = busyBetweenCollects(ours, meter, SERIES);
// Untimed rounds first, so both sides' collect paths run optimised code when the timing starts.
const WARM_UP_ROUNDS = 5;
for (let r = 0; r < WARM_UP_ROUNDS; r += 1) {
  await ours.collect();
  await reader.collect();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const isBusy of [false, true]) {
  const oursMs: number[] = [];
  const theirsMs: number[] = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    if (isBusy) touch();
    let start = performance.now();
    await ours.collect();
    oursMs.push(performance.now() - start);
    start = performance.now();
    await reader.collect();
    theirsMs.push(performance.now() - start);
  }
  const [o, t] = [median(oursMs), median(theirsMs)];
  const title = `collect(), 10,000 series, ${isBusy ? 'every timer series observed since the last collect' : 'idle between collects'}`;
  report(title, `${o.toFixed(1)} ms vs OTel MetricReader.collect() ${t.toFixed(1)} ms (medians of ${ROUNDS} alternating rounds)`, o / t, 2, 'x the cost', true);
}
