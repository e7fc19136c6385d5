// timer.observe(labels, v) against prom-client's Summary configured like AM's timer.
import client from 'prom-client';
import { Registry } from '../src/index.js';
import { BATCH, compareSpeed, ctsLabelSets, latencies, seededRandom } from './support.js';

const LABEL_SETS = ctsLabelSets();
const random = seededRandom(2);
const order = Array.from({ length: BATCH }, () => LABEL_SETS[Math.floor(random() * LABEL_SETS.length)]!);
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

await compareSpeed({
  title: 'timer.observe(labels, seconds), 3 labels',
  ours: () => {
    for (let i = 0; i < BATCH; i += 1) ours.observe(order[i]!, values[i]!);
  },
  theirs: () => {
    for (let i = 0; i < BATCH; i += 1) theirs.observe(order[i]!, values[i]!);
  },
  theirName: 'prom-client Summary.observe (AM-like: 6 percentiles, 300 s, 5 age buckets)',
  goal: 10,
});
