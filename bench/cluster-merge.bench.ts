// What a cluster primary spends per scrape merging 4 workers × 2,500 series (1,250 timer series with
// 200 observations each, 1,250 summary series): our merge of the 4 registry states into a fresh
// registry + collect + render, against prom-client's AggregatorRegistry.aggregate() + metrics() on the
// same shape; both also with the JSON round trip the IPC channel adds. Also each worker's side of a
// scrape (its answer, as JSON) and the payload per worker.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import client from 'prom-client';
import { mergeStates } from '../src/cluster.js';
import { renderPrometheusText, type RegistryState } from '../src/index.js';
import { report } from './support.js';
import { RESOURCE, SERIES_PER_KIND, WORKERS, workerRegistries } from './cluster-shape.js';

const ROUNDS = 7;

const workers = Array.from({ length: WORKERS }, (_, i) => workerRegistries(i));
const ourStates: RegistryState[] = await Promise.all(workers.map((w) => w.ours.state()));
const theirJson = await Promise.all(workers.map((w) => w.theirs.getMetricsAsJSON()));
const ourPayloads = ourStates.map((s) => JSON.stringify(s));
const theirPayloads = theirJson.map((m) => JSON.stringify(m));

async function ourScrape(states: readonly unknown[]): Promise<string> {
  const merged = await mergeStates(
    states.map((state, i) => ({ source: `worker-${i + 1}`, state })),
    { defaultLabels: RESOURCE },
  );
  return renderPrometheusText(await merged.registry.collect(), {});
}

async function theirScrape(metrics: Parameters<typeof client.AggregatorRegistry.aggregate>[0]): Promise<string> {
  return client.AggregatorRegistry.aggregate(metrics).metrics();
}

/** Median wall time and median CPU time (user + system) of ROUNDS runs, in ms: on a shared machine the CPU time is the steadier one. */
async function medianMs(run: () => Promise<string>): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    await run();
    const cpu = process.cpuUsage(cpuStart);
    walls.push(performance.now() - start);
    cpus.push((cpu.user + cpu.system) / 1_000);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
  return { wall: median(walls), cpu: median(cpus) };
}

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
const oursMs = await medianMs(() => ourScrape(ourStates));
delay.disable();
const theirsMs = await medianMs(() => theirScrape(theirJson));
const oursIpcMs = await medianMs(() => ourScrape(ourPayloads.map((p) => JSON.parse(p) as unknown)));
const theirsIpcMs = await medianMs(() => theirScrape(theirPayloads.map((p) => JSON.parse(p) as Parameters<typeof client.AggregatorRegistry.aggregate>[0][number])));
const lines = (await ourScrape(ourStates)).split('\n').length;
const shape = `${WORKERS} workers x ${2 * SERIES_PER_KIND} series`;
const times = (t: { wall: number; cpu: number }) => `${t.wall.toFixed(0)} ms (CPU ${t.cpu.toFixed(0)} ms)`;
report(
  `cluster merge + collect + render, ${shape}`,
  `${times(oursMs)}, ${lines} lines, vs prom-client aggregate() ${times(theirsMs)}; ratio of CPU times`,
  theirsMs.cpu / oursMs.cpu,
  1,
);
report(
  `cluster merge incl. JSON parse of the IPC payloads, ${shape}`,
  `${times(oursIpcMs)} vs prom-client ${times(theirsIpcMs)}; ratio of CPU times`,
  theirsIpcMs.cpu / oursIpcMs.cpu,
  1,
);
const worker0 = workers[0]!;
const ourWorkerMs = await medianMs(async () => JSON.stringify(await worker0.ours.state()));
const theirWorkerMs = await medianMs(async () => JSON.stringify(await worker0.theirs.getMetricsAsJSON()));
report(
  `cluster worker's answer (state or values, as JSON), ${2 * SERIES_PER_KIND} series`,
  `${times(ourWorkerMs)} vs prom-client getMetricsAsJSON() ${times(theirWorkerMs)}; ratio of CPU times`,
  theirWorkerMs.cpu / ourWorkerMs.cpu,
  1,
);
const kib = (payloads: readonly string[]) => payloads.reduce((a, p) => a + p.length, 0) / payloads.length / 1024;
console.log(
  `cluster IPC payload per worker, ${2 * SERIES_PER_KIND} series: ours ${kib(ourPayloads).toFixed(0)} KiB (registry state) vs prom-client ${kib(theirPayloads).toFixed(0)} KiB (getMetricsAsJSON)`,
);
console.log(`cluster merge, ${shape}: longest event-loop stall during our scrapes ${(delay.max / 1e6).toFixed(1)} ms`);
