// Undecayed bucket counts for a timer's histogram family: hdr-histogram-js (log-linear, integer
// microseconds) against DDSketch's own logarithmic layout (sketches-js, γ = 2^(1/4)), on the same
// seeded latencies. Prints record cost, memory per series, and the relative error of a p99 read from
// the exposed `le` buckets (Prometheus' histogram_quantile interpolation) against the exact p99.
import * as hdr from 'hdr-histogram-js';
import { DDSketch } from '@datadog/sketches-js';
import client from 'prom-client';
import { BUCKET_BOUNDS, Registry, writePrometheusProtobuf } from '../src/index.js';
import { BATCH, compareSpeed, ctsLabelSets, latencies, seededRandom } from './support.js';

const SAMPLES = 200_000;
const SCHEMA_GAMMA = 2 ** (1 / 4);
const SEEDS = [11, 12, 13, 14, 15];
/** Exposed bounds: 2^(k/4) s from 2^-14 s (61 µs) to 2^6 s (64 s), the layout the cell exposes. */
const BOUNDS = Array.from({ length: 81 }, (_, i) => 2 ** ((i - 56) / 4));

const values = latencies(BATCH, 3);

function newHdr(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 2,
    bitBucketSize: 32,
    autoResize: true,
    useWebAssembly: false,
  });
}
function newSketch(): DDSketch {
  return new DDSketch({ relativeAccuracy: (SCHEMA_GAMMA - 1) / (SCHEMA_GAMMA + 1) });
}

const h = newHdr();
const s = newSketch();
await compareSpeed({
  title: 'bucket record: DDSketch layout (γ=2^(1/4)) vs hdr-histogram-js (2 digits, µs)',
  ours: () => {
    for (let i = 0; i < BATCH; i += 1) s.accept(values[i]!);
  },
  theirs: () => {
    for (let i = 0; i < BATCH; i += 1) h.recordValue(Math.round(values[i]! * 1e6));
  },
  theirName: 'hdr-histogram-js recordValue',
  goal: 0,
});

const LABEL_SETS = ctsLabelSets();
const random = seededRandom(2);
const order = Array.from({ length: BATCH }, () => LABEL_SETS[Math.floor(random() * LABEL_SETS.length)]!);
const timerOf = (timerBuckets: boolean) => new Registry({ timerBuckets }).timer({ name: 'am_cts_task', help: 'h', labelNames: ['operation', 'outcome', 'token_type'] });
const plain = timerOf(false);
const bucketed = timerOf(true);
await compareSpeed({
  title: 'timer.observe(labels, seconds), 3 labels: timerBuckets off vs on',
  ours: () => {
    for (let i = 0; i < BATCH; i += 1) plain.observe(order[i]!, values[i]!);
  },
  theirs: () => {
    for (let i = 0; i < BATCH; i += 1) bucketed.observe(order[i]!, values[i]!);
  },
  theirName: 'with timerBuckets',
  goal: 0,
});

/** Prometheus' histogram_quantile over cumulative (le, count) pairs: linear inside the bucket. */
function histogramQuantile(q: number, cumulative: readonly (readonly [number, number])[]): number {
  const total = cumulative[cumulative.length - 1]![1];
  const rank = q * total;
  let previous: readonly [number, number] = [0, 0];
  for (const pair of cumulative) {
    if (pair[1] >= rank) return previous[0] + ((pair[0] - previous[0]) * (rank - previous[1])) / (pair[1] - previous[1]);
    previous = pair;
  }
  return Number.NaN;
}

function sketchBuckets(sketch: DDSketch): [number, number][] {
  const counts = new Map<number, number>();
  const store = sketch.store as unknown as { bins: number[]; offset: number };
  store.bins.forEach((count, i) => count > 0 && counts.set(i + store.offset, count));
  let running = sketch.zeroCount;
  return BOUNDS.map((le) => {
    const key = Math.round(Math.log2(le) * 4);
    running += counts.get(key) ?? 0;
    return [le, running];
  });
}

function hdrBuckets(histogram: hdr.Histogram): [number, number][] {
  const js = histogram as unknown as {
    recordedValuesIterator: { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } };
  };
  const it = js.recordedValuesIterator;
  it.reset();
  const recorded: [number, number][] = [];
  while (it.hasNext()) {
    const v = it.next();
    recorded.push([v.valueIteratedTo / 1e6, v.countAtValueIteratedTo]);
  }
  let running = 0;
  let j = 0;
  return BOUNDS.map((le) => {
    while (j < recorded.length && recorded[j]![0] <= le) running += recorded[j++]![1];
    return [le, running];
  });
}

const errors = { sketch: [] as number[], hdr: [] as number[] };
for (const seed of SEEDS) {
  const data = latencies(SAMPLES, seed);
  const sketch = newSketch();
  const histogram = newHdr();
  for (const v of data) {
    sketch.accept(v);
    histogram.recordValue(Math.round(v * 1e6));
  }
  const exact = Float64Array.from(data).sort()[Math.ceil(0.99 * SAMPLES) - 1]!;
  errors.sketch.push(Math.abs(histogramQuantile(0.99, sketchBuckets(sketch)) / exact - 1));
  errors.hdr.push(Math.abs(histogramQuantile(0.99, hdrBuckets(histogram)) / exact - 1));
  if (seed === SEEDS[0]) {
    const store = sketch.store as unknown as { bins: number[] };
    console.log(
      `memory per series: hdr ~${histogram.estimatedFootprintInBytes} B (estimatedFootprintInBytes); DDSketch layout ${store.bins.length} bins (~${store.bins.length * 8} B)`,
    );
  }
}
const pct = (xs: number[]): string => xs.map((x) => `${(x * 100).toFixed(2)}%`).join(' ');
console.log(`p99 from 81 le buckets vs exact, ${SAMPLES} log-normal samples per seed: DDSketch layout ${pct(errors.sketch)}; hdr ${pct(errors.hdr)}`);

// Scrape cost of the histogram family: 2,500 timer series × 200 observations, rendered with and
// without buckets, against prom-client's Histogram with the same 81 bounds on the same observations.
const SCRAPE_SERIES = 2_500;
const SCRAPE_ROUNDS = 5;
const scrapeValues = latencies(200, 7);
const scrapeLabels = (i: number) => ({ operation: ['create', 'read', 'update', 'delete'][i % 4]!, outcome: i % 10 === 0 ? 'failure' : 'success', client: `client-${i}` });
const withBuckets = new Registry({ timerBuckets: true, defaultLabels: { kubernetes_pod_name: 'am-0' } });
const withoutBuckets = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } });
const promRegistry = new client.Registry();
promRegistry.setDefaultLabels({ kubernetes_pod_name: 'am-0' });
const promHistogram = new client.Histogram({
  name: 'am_bench_timer_duration_seconds',
  help: 'Timer',
  labelNames: ['operation', 'outcome', 'client'],
  buckets: [...BUCKET_BOUNDS],
  registers: [promRegistry],
});
for (const registry of [withBuckets, withoutBuckets]) {
  const timer = registry.timer({ name: 'am_bench_timer', help: 'Timer', labelNames: ['operation', 'outcome', 'client'] });
  for (let i = 0; i < SCRAPE_SERIES; i += 1) for (const v of scrapeValues) timer.observe(scrapeLabels(i), v);
}
for (let i = 0; i < SCRAPE_SERIES; i += 1) for (const v of scrapeValues) promHistogram.observe(scrapeLabels(i), v);

async function medianMs(render: () => Promise<string>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < SCRAPE_ROUNDS; r += 1) {
    const start = performance.now();
    await render();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(SCRAPE_ROUNDS / 2)]!;
}
const offMs = await medianMs(() => withoutBuckets.metrics());
const onMs = await medianMs(() => withBuckets.metrics());
const promMs = await medianMs(() => promRegistry.metrics());
console.log(
  `metrics(), ${SCRAPE_SERIES} timer series: ${offMs.toFixed(1)} ms without buckets, ${onMs.toFixed(1)} ms with (${(await withBuckets.metrics()).split('\n').length} lines); prom-client Histogram, same bounds: ${promMs.toFixed(1)} ms`,
);
const collection = await withBuckets.collect();
const protobufMs = await medianMs(async () => {
  writePrometheusProtobuf(collection);
  return '';
});
const textBytes = Buffer.byteLength(await withBuckets.metrics());
console.log(
  `same registry as protobuf with native histograms (collection given): ${protobufMs.toFixed(1)} ms, ${writePrometheusProtobuf(collection).length} bytes vs text ${textBytes} bytes`,
);
