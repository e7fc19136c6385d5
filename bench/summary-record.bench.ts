// summary.record(labels) against prom-client Counter.inc(labels) and OpenTelemetry Counter.add(1,
// attributes), 3 labels, same seeded label sets, a fresh labels object per call as a service builds it.
import client from 'prom-client';
import { Registry } from '../src/index.js';
import { otelMeter } from './otel.js';
import { BATCH, compareMany, ctsLabelColumns } from './support.js';

const { operations, outcomes, tokenTypes } = ctsLabelColumns(1);

const ours = new Registry().summary({ name: 'am_cts_task_events', help: 'h', labelNames: ['operation', 'outcome', 'token_type'] });
const promRegistry = new client.Registry();
const theirs = new client.Counter({ name: 'am_cts_task_events', help: 'h', labelNames: ['operation', 'outcome', 'token_type'], registers: [promRegistry] });
const otel = otelMeter().meter.createCounter('am_cts_task_events');

await compareMany(
  'summary.record(labels), 3 labels, fresh labels object per call',
  () => {
    for (let i = 0; i < BATCH; i += 1) ours.record({ operation: operations[i]!, outcome: outcomes[i]!, token_type: tokenTypes[i]! });
  },
  [
    {
      name: 'prom-client Counter.inc',
      goal: 12,
      run: () => {
        for (let i = 0; i < BATCH; i += 1) theirs.inc({ operation: operations[i]!, outcome: outcomes[i]!, token_type: tokenTypes[i]! });
      },
    },
    {
      name: 'OTel Counter.add',
      goal: 30,
      run: () => {
        for (let i = 0; i < BATCH; i += 1) otel.add(1, { operation: operations[i]!, outcome: outcomes[i]!, token_type: tokenTypes[i]! });
      },
    },
  ],
);
