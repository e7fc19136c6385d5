// The shape both cluster benchmarks measure: one worker's registry and prom-client's, fed the same
// seeded latencies (1,250 timer series with 200 observations each, 1,250 summary series).
import client from 'prom-client';
import { Registry } from '../src/index.js';
import { latencies } from './support.js';

export const WORKERS = 4;
export const SERIES_PER_KIND = 1_250;
const OBSERVATIONS_PER_TIMER_SERIES = 200;
const LABELS = ['operation', 'outcome', 'client'];
export const RESOURCE = { kubernetes_pod_name: 'am-0' };

const labelsOf = (i: number) => ({ operation: ['create', 'read', 'update', 'delete'][i % 4]!, outcome: i % 10 === 0 ? 'failure' : 'success', client: `client-${i}` });

/** One worker's registry and prom-client's, fed the same seeded latencies. */
export function workerRegistries(index: number): { ours: Registry; theirs: client.Registry } {
  const values = latencies(OBSERVATIONS_PER_TIMER_SERIES, 7 + index);
  const ours = new Registry({ defaultLabels: RESOURCE });
  const theirs = new client.Registry();
  theirs.setDefaultLabels(RESOURCE);
  const timer = ours.timer({ name: 'am_bench_timer', help: 'Timer', labelNames: LABELS });
  const summary = ours.summary({ name: 'am_bench_summary', help: 'Summary', labelNames: LABELS });
  const theirTimer = new client.Summary({
    name: 'am_bench_timer_seconds',
    help: 'Timer',
    labelNames: LABELS,
    percentiles: [0.5, 0.75, 0.95, 0.98, 0.99, 0.999],
    maxAgeSeconds: 300,
    ageBuckets: 5,
    registers: [theirs],
  });
  const theirSummary = new client.Summary({ name: 'am_bench_summary', help: 'Summary', labelNames: LABELS, percentiles: [], registers: [theirs] });
  for (let i = 0; i < SERIES_PER_KIND; i += 1) {
    const labels = labelsOf(i);
    summary.record(labels);
    theirSummary.observe(labels, 1);
    for (const v of values) {
      timer.observe(labels, v);
      theirTimer.observe(labels, v);
    }
  }
  return { ours, theirs };
}
