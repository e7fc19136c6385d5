// summary.record(labels) against prom-client Counter.inc(labels), 3 labels, same seeded label sets.
import client from 'prom-client';
import { Registry } from '../src/index.js';
import { BATCH, compareSpeed, ctsLabelSets, seededRandom } from './support.js';

const LABEL_SETS = ctsLabelSets();
const random = seededRandom(1);
const order = Array.from({ length: BATCH }, () => LABEL_SETS[Math.floor(random() * LABEL_SETS.length)]!);

const ours = new Registry().summary({ name: 'am_cts_task_events', help: 'h', labelNames: ['operation', 'outcome', 'token_type'] });
const promRegistry = new client.Registry();
const theirs = new client.Counter({ name: 'am_cts_task_events', help: 'h', labelNames: ['operation', 'outcome', 'token_type'], registers: [promRegistry] });

await compareSpeed({
  title: 'summary.record(labels), 3 labels',
  ours: () => {
    for (let i = 0; i < BATCH; i += 1) ours.record(order[i]!);
  },
  theirs: () => {
    for (let i = 0; i < BATCH; i += 1) theirs.inc(order[i]!);
  },
  theirName: 'prom-client Counter.inc',
  goal: 5,
});
