// metrics() of 100,000 series (same mix as shape.ts) against 10,000: cost per series, the longest
// event-loop stall while it runs, and the memory it adds (peak minus before) against the body's size.
// Run with node --expose-gc.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ourShape, medianMs } from './shape.js';
import { heapUsed, report } from './support.js';

const SMALL = 10_000;
const LARGE = 100_000;
const ROUNDS = 5;
const MAX_STALL_MS = 50;

// Both registries stay alive and their scrapes alternate, so a change in the machine's load between
// the two cannot decide the ratio; each after one warm-up scrape.
const smallRegistry = ourShape(SMALL);
const largeRegistry = ourShape(LARGE);
await smallRegistry.metrics();
await largeRegistry.metrics();
const smallMs: number[] = [];
const largeMs: number[] = [];
for (let r = 0; r < ROUNDS; r += 1) {
  smallMs.push(await medianMs(1, () => smallRegistry.metrics()));
  largeMs.push(await medianMs(1, () => largeRegistry.metrics()));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const [small, large] = [median(smallMs) / SMALL, median(largeMs) / LARGE];
const detail = `${(large * 1e3).toFixed(2)} µs per series at ${LARGE} vs ${(small * 1e3).toFixed(2)} µs at ${SMALL} (medians of ${ROUNDS} alternating)`;
report(`metrics(), ${LARGE} series, cost per series`, detail, large / small, 1.5, 'x', true);

// Stall and memory over MEASURED_SCRAPES more scrapes of the large registry, each from a collected
// heap: the longest stall of all, and the median memory. Why several: what a scrape adds includes the
// garbage not yet collected when the peak is sampled (up to a young generation, 16 MiB), so one scrape
// reads 1.34x or 1.73x by the timing of one collection (notes/perf-round-two.md).
const MEASURED_SCRAPES = 5;
const registry = largeRegistry;
const added: number[] = [];
let stallMs = 0;
let bodyBytes = 0;
for (let r = 0; r < MEASURED_SCRAPES; r += 1) {
  const before = heapUsed();
  let peak = before;
  const sample = () => {
    const usage = process.memoryUsage();
    peak = Math.max(peak, usage.heapUsed + usage.arrayBuffers);
  };
  const sampler = setInterval(sample, 1);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const body = await registry.metrics();
  sample();
  delay.disable();
  clearInterval(sampler);
  added.push(peak - before);
  stallMs = Math.max(stallMs, delay.max / 1e6);
  bodyBytes = Buffer.byteLength(body);
}
report(`metrics(), ${LARGE} series, longest event-loop stall`, `${stallMs.toFixed(1)} ms (longest of ${MEASURED_SCRAPES} scrapes)`, stallMs, MAX_STALL_MS, ' ms', true);
const ratios = added.map((a) => a / bodyBytes).sort((a, b) => a - b);
const memory = `${(median(added) / 2 ** 20).toFixed(1)} MiB added (peak minus before; median of ${MEASURED_SCRAPES} scrapes, ${ratios[0]!.toFixed(2)}–${ratios[ratios.length - 1]!.toFixed(2)}x) for a ${(bodyBytes / 2 ** 20).toFixed(1)} MiB body`;
report(`metrics(), ${LARGE} series, memory`, memory, median(added) / bodyBytes, 1.5, 'x the body', true);
