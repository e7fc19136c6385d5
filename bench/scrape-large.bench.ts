// metrics() of 100,000 series (same mix as shape.ts) against 10,000: cost per series, the longest
// event-loop stall while it runs, and the memory it adds (peak minus before) against the body's size;
// then the same for the exporter's HTTP scrape of that registry.
// Run with node --expose-gc.
import { execFile } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startServer } from '../src/server.js';
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

/**
 * Runs `scrape` from a collected heap, sampling the heap every ms; the body's size is asked of
 * `sizeOf` after the last sample (Buffer.byteLength of a string flattens it: a copy of the body).
 */
async function measured<T>(
  scrape: () => Promise<T>,
  sizeOf: (body: T) => number,
): Promise<{ readonly addedBytes: number; readonly stallMs: number; readonly bodyBytes: number }> {
  const before = heapUsed();
  let peak = before;
  const sample = () => {
    const usage = process.memoryUsage();
    peak = Math.max(peak, usage.heapUsed + usage.arrayBuffers);
  };
  const sampler = setInterval(sample, 1);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const body = await scrape();
  sample();
  delay.disable();
  clearInterval(sampler);
  return { addedBytes: peak - before, stallMs: delay.max / 1e6, bodyBytes: sizeOf(body) };
}

/** Reports the longest stall and the median memory of MEASURED_SCRAPES runs of `scrape`. */
async function reportScrapes<T>(title: string, scrape: () => Promise<T>, sizeOf: (body: T) => number): Promise<void> {
  const runs: { addedBytes: number; stallMs: number; bodyBytes: number }[] = [];
  for (let r = 0; r < MEASURED_SCRAPES; r += 1) runs.push(await measured(scrape, sizeOf));
  const stallMs = Math.max(...runs.map((run) => run.stallMs));
  const bodyBytes = runs[0]!.bodyBytes;
  const added = runs.map((run) => run.addedBytes);
  report(`${title}, longest event-loop stall`, `${stallMs.toFixed(1)} ms (longest of ${MEASURED_SCRAPES} scrapes)`, stallMs, MAX_STALL_MS, ' ms', true);
  const ratios = added.map((a) => a / bodyBytes).sort((a, b) => a - b);
  const memory = `${(median(added) / 2 ** 20).toFixed(1)} MiB added (peak minus before; median of ${MEASURED_SCRAPES} scrapes, ${ratios[0]!.toFixed(2)}–${ratios[ratios.length - 1]!.toFixed(2)}x) for a ${(bodyBytes / 2 ** 20).toFixed(1)} MiB body`;
  report(`${title}, memory`, memory, median(added) / bodyBytes, 1.5, 'x the body', true);
}

await reportScrapes(
  `metrics(), ${LARGE} series`,
  () => registry.metrics(),
  (body) => Buffer.byteLength(body),
);

// The exporter's own scrape of the same registry over loopback HTTP, uncompressed and gzipped (as
// Prometheus asks by default): the client is a separate process that reads and discards the body, so
// only the server's memory is measured, against the uncompressed body's size in both cases.
const server = await startServer({ source: registry, port: 0, host: '127.0.0.1', logger: () => {} });
const CLIENT = `require('node:http').get(process.argv[1], { headers: JSON.parse(process.argv[2]) }, (res) => { let n = 0; res.on('data', (c) => (n += c.length)); res.on('end', () => console.log(n)); });`;
const httpScrape = (headers: Record<string, string>) => () =>
  new Promise<number>((resolve, reject) => {
    execFile(process.execPath, ['-e', CLIENT, `${server.url}/monitoring/prometheus/am`, JSON.stringify(headers)], { timeout: 60_000 }, (error, stdout) =>
      error ? reject(error) : resolve(Number(stdout.trim())),
    );
  });
try {
  const plainBytes = await httpScrape({})(); // warm-up, and the uncompressed size
  await reportScrapes(`HTTP scrape of /monitoring/prometheus/am, ${LARGE} series`, httpScrape({}), (bytes) => bytes);
  await reportScrapes(`HTTP scrape of /monitoring/prometheus/am, gzip, ${LARGE} series`, httpScrape({ 'accept-encoding': 'gzip' }), () => plainBytes);
} finally {
  await server.close();
}
