// Heap per active timer series (200 observations each) against one prom-client Summary series
// configured like AM's timer. Run with node --expose-gc.
import client from 'prom-client';
import { Registry } from '../src/index.js';
import { heapUsed, latencies, report } from './support.js';

const SERIES = 2_000;
const OBSERVATIONS = 200;
const values = latencies(OBSERVATIONS, 11);

function bytesPerSeries(fill: () => unknown): number {
  const before = heapUsed();
  const keep = fill();
  const after = heapUsed();
  if (keep === undefined) throw new Error('nothing kept');
  return (after - before) / SERIES;
}

const ours = bytesPerSeries(() => {
  const registry = new Registry({ maxSeriesPerMetric: SERIES });
  const timer = registry.timer({ name: 'am_bench', help: 'h', labelNames: ['client'] });
  for (let i = 0; i < SERIES; i += 1) for (const v of values) timer.observe({ client: `c${i}` }, v);
  return registry;
});

const theirs = bytesPerSeries(() => {
  const registry = new client.Registry();
  const summary = new client.Summary({
    name: 'am_bench_seconds',
    help: 'h',
    labelNames: ['client'],
    percentiles: [0.5, 0.75, 0.95, 0.98, 0.99, 0.999],
    maxAgeSeconds: 300,
    ageBuckets: 5,
    registers: [registry],
  });
  for (let i = 0; i < SERIES; i += 1) for (const v of values) summary.observe({ client: `c${i}` }, v);
  return registry;
});

report(
  'heap per timer series (200 observations)',
  `${(ours / 1024).toFixed(1)} KiB vs prom-client Summary ${(theirs / 1024).toFixed(1)} KiB`,
  theirs / ours,
  2,
  'x smaller',
);
