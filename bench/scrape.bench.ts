// metrics() over 10,000 series (5,000 timer series with 200 observations each, 5,000 summary series)
// against prom-client's metrics() on the same shape; also the longest event-loop stall during ours.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import client from 'prom-client';
import { Registry } from '../src/index.js';
import { latencies, report } from './support.js';

const METRICS_PER_TYPE = 5;
const SERIES_PER_METRIC = 1_000;
const OBSERVATIONS_PER_TIMER_SERIES = 200;
const ROUNDS = 5;
const LABELS = ['operation', 'outcome', 'client'];

const values = latencies(OBSERVATIONS_PER_TIMER_SERIES, 7);
const labelsOf = (i: number) => ({ operation: ['create', 'read', 'update', 'delete'][i % 4]!, outcome: i % 10 === 0 ? 'failure' : 'success', client: `client-${i}` });

const ours = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } });
const promRegistry = new client.Registry();
promRegistry.setDefaultLabels({ kubernetes_pod_name: 'am-0' });
for (let m = 0; m < METRICS_PER_TYPE; m += 1) {
  const timer = ours.timer({ name: `am_bench_timer_${m}`, help: 'Timer', labelNames: LABELS });
  const summary = ours.summary({ name: `am_bench_summary_${m}`, help: 'Summary', labelNames: LABELS });
  const theirTimer = new client.Summary({
    name: `am_bench_timer_${m}_seconds`,
    help: 'Timer',
    labelNames: LABELS,
    percentiles: [0.5, 0.75, 0.95, 0.98, 0.99, 0.999],
    maxAgeSeconds: 300,
    ageBuckets: 5,
    registers: [promRegistry],
  });
  const theirSummary = new client.Summary({ name: `am_bench_summary_${m}`, help: 'Summary', labelNames: LABELS, percentiles: [], registers: [promRegistry] });
  for (let i = 0; i < SERIES_PER_METRIC; i += 1) {
    const labels = labelsOf(i);
    summary.record(labels);
    theirSummary.observe(labels, 1);
    for (const v of values) {
      timer.observe(labels, v);
      theirTimer.observe(labels, v);
    }
  }
}

async function medianMs(render: () => Promise<string>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const start = performance.now();
    await render();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
const oursMs = await medianMs(() => ours.metrics());
delay.disable();
const theirsMs = await medianMs(() => promRegistry.metrics());
const stallMs = delay.max / 1e6;
const lines = (await ours.metrics()).split('\n').length;
report('metrics(), 10,000 series', `${oursMs.toFixed(1)} ms (${lines} lines) vs prom-client ${theirsMs.toFixed(1)} ms`, theirsMs / oursMs, 20);
console.log(`metrics(), 10,000 series: longest event-loop stall during our scrapes ${stallMs.toFixed(1)} ms (goal <= 100 ms) -> ${stallMs <= 100 ? 'meets' : 'MISSES'}`);
