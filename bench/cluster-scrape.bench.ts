// One host-wide scrape end to end with 4 real node:cluster workers × 2,500 series (bench/cluster-shape.ts):
// our primary (state requests over IPC, merge, collect, render) against prom-client's
// AggregatorRegistry.clusterMetrics() asking the same workers in the same run.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import client from 'prom-client';
import { clusterMetrics } from '../src/cluster.js';
import { renderPrometheusText } from '../src/index.js';
import { report } from './support.js';
import { RESOURCE, SERIES_PER_KIND, WORKERS } from './cluster-shape.js';

const ROUNDS = 7;
/** Workers load tsx and build 2,500 series each before they answer. */
const START_MS = 120_000;

cluster.setupPrimary({ exec: fileURLToPath(new URL('./cluster-worker.ts', import.meta.url)), execArgv: ['--import', 'tsx'] });
const primary = clusterMetrics.primary({ defaultLabels: RESOURCE });
const aggregator = new client.AggregatorRegistry();
const workers: Worker[] = Array.from({ length: WORKERS }, (_, i) => cluster.fork({ BENCH_WORKER_INDEX: String(i) }));
const ready = Promise.all(workers.map((w) => new Promise<void>((resolve) => w.on('message', (m: { type?: string }) => m?.type === 'bench:ready' && resolve()))));
const startTimer = setTimeout(() => {
  console.error(`cluster scrape: workers not ready after ${START_MS} ms`);
  process.exit(1);
}, START_MS);
await ready;
clearTimeout(startTimer);

async function medianMs(run: () => Promise<string>): Promise<{ ms: number; failures: number }> {
  const times: number[] = [];
  let failures = 0;
  for (let r = 0; r < ROUNDS; r += 1) {
    const start = performance.now();
    await run().catch(() => (failures += 1));
    times.push(performance.now() - start);
  }
  return { ms: times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!, failures };
}

let timeouts = 0;
const ours = await medianMs(async () => {
  const collection = await primary.collect();
  timeouts += collection.failures.length;
  return renderPrometheusText(collection, {});
});
const theirs = await medianMs(() => aggregator.clusterMetrics());
const shape = `${WORKERS} workers x ${2 * SERIES_PER_KIND} series`;
report(
  `cluster scrape over IPC, ${shape}`,
  `${ours.ms.toFixed(0)} ms (${timeouts} workers late in ${ROUNDS} scrapes) vs prom-client clusterMetrics() ${theirs.ms.toFixed(0)} ms (${theirs.failures} of ${ROUNDS} scrapes failed)`,
  theirs.ms / ours.ms,
  1,
);
primary.close();
for (const worker of workers) worker.process.kill('SIGKILL');
process.exit(0);
