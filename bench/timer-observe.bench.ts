// timer.observe(labels, v) against prom-client's Summary configured like AM's timer and OpenTelemetry's
// Histogram.record, a fresh labels object per call; and a bound child's observe(v) against the floor,
// a Map.get plus an increment, measured in the same run.
import client from 'prom-client';
import { Registry } from '../src/index.js';
import { otelMeter } from './otel.js';
import { BATCH, compareMany, ctsLabelColumns, ctsLabelSets, latencies } from './support.js';

const LABEL_SETS = ctsLabelSets();
const { operations, outcomes, tokenTypes } = ctsLabelColumns(2);
const values = latencies(BATCH, 3);

const ours = new Registry().timer({ name: 'am_cts_task', help: 'h', labelNames: ['operation', 'outcome', 'token_type'] });
const theirs = new client.Summary({
  name: 'am_cts_task_seconds',
  help: 'h',
  labelNames: ['operation', 'outcome', 'token_type'],
  percentiles: [0.5, 0.75, 0.95, 0.98, 0.99, 0.999],
  maxAgeSeconds: 300,
  ageBuckets: 5,
  registers: [new client.Registry()],
});
const otel = otelMeter().meter.createHistogram('am_cts_task_seconds', { unit: 's' });

await compareMany(
  'timer.observe(labels, seconds), 3 labels, fresh labels object per call',
  () => {
    for (let i = 0; i < BATCH; i += 1) ours.observe({ operation: operations[i]!, outcome: outcomes[i]!, token_type: tokenTypes[i]! }, values[i]!);
  },
  [
    {
      name: 'prom-client Summary.observe (AM-like: 6 percentiles, 300 s, 5 age buckets)',
      goal: 25,
      run: () => {
        for (let i = 0; i < BATCH; i += 1) theirs.observe({ operation: operations[i]!, outcome: outcomes[i]!, token_type: tokenTypes[i]! }, values[i]!);
      },
    },
    {
      name: 'OTel Histogram.record',
      goal: 25,
      run: () => {
        for (let i = 0; i < BATCH; i += 1) otel.record(values[i]!, { operation: operations[i]!, outcome: outcomes[i]!, token_type: tokenTypes[i]! });
      },
    },
  ],
);

// The bound child records into one series; the floor looks a counter up by a key and increments it.
const child = ours.labels(LABEL_SETS[0]!);
const floor = new Map(LABEL_SETS.map((s) => [`${s.operation}|${s.outcome}|${s.token_type}`, { count: 0 }]));
const floorKey = `${LABEL_SETS[0]!.operation}|${LABEL_SETS[0]!.outcome}|${LABEL_SETS[0]!.token_type}`;
await compareMany(
  'bound timer child observe(seconds)',
  () => {
    for (let i = 0; i < BATCH; i += 1) child.observe(values[i]!);
  },
  [
    {
      name: 'the floor (Map.get + increment)',
      goal: 4,
      isCeiling: true,
      run: () => {
        for (let i = 0; i < BATCH; i += 1) floor.get(floorKey)!.count += 1;
      },
    },
  ],
);
