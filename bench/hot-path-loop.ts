// On demand, not part of `npm run bench`: the record paths in a plain loop, for a CPU profile and for
// comparing builds one process each. Usage:
//   npx tsx bench/hot-path-loop.ts [all|summary|timer|child|floor] [operations]
//   node --cpu-prof --no-turbo-inlining --import tsx bench/hot-path-loop.ts timer 10000000
// Prints CPU nanoseconds per operation (process.cpuUsage, so time spent waiting for a core on a shared
// machine is not counted); `floor` is a Map.get plus an increment. Ratios across processes still drift
// by ±20% on a loaded machine: compare builds over several alternating runs.
// `--no-turbo-inlining` keeps each function its own frame in the profile (shares move by a few points).
import { Registry } from '../src/index.js';
import { BATCH, ctsLabelColumns, ctsLabelSets, latencies } from './support.js';

const CASES = ['summary', 'timer', 'child', 'floor'] as const;
const only = process.argv[2] ?? 'all';
const OPERATIONS = Number(process.argv[3] ?? 10_000_000);
/** Batches between yields to the event loop, so the system clock's cached time moves as in a service. */
const BATCHES_PER_TURN = 100;

const LABEL_SETS = ctsLabelSets();
const { operations, outcomes, tokenTypes } = ctsLabelColumns(1);
const values = latencies(BATCH, 3);

const registry = new Registry();
const labelNames = ['operation', 'outcome', 'token_type'] as const;
const summary = registry.summary({ name: 'am_cts_task_events', help: 'h', labelNames });
const timer = registry.timer({ name: 'am_cts_task', help: 'h', labelNames });
const child = timer.labels(LABEL_SETS[0]!);
const floor = new Map(LABEL_SETS.map((s) => [`${s.operation}|${s.outcome}|${s.token_type}`, { count: 0 }]));
const floorKey = `${LABEL_SETS[0]!.operation}|${LABEL_SETS[0]!.outcome}|${LABEL_SETS[0]!.token_type}`;

const batches: Record<(typeof CASES)[number], () => void> = {
  summary: () => {
    for (let i = 0; i < BATCH; i += 1) summary.record({ operation: operations[i]!, outcome: outcomes[i]!, token_type: tokenTypes[i]! });
  },
  timer: () => {
    for (let i = 0; i < BATCH; i += 1) timer.observe({ operation: operations[i]!, outcome: outcomes[i]!, token_type: tokenTypes[i]! }, values[i]!);
  },
  child: () => {
    for (let i = 0; i < BATCH; i += 1) child.observe(values[i]!);
  },
  floor: () => {
    for (let i = 0; i < BATCH; i += 1) floor.get(floorKey)!.count += 1;
  },
};

/** Operations run before measuring, so the measured loop runs optimised code. */
const WARM_UP_OPERATIONS = 1_000_000;

/** CPU nanoseconds per operation over `count` operations, after a warm-up. */
async function cpuNanosPerOperation(run: () => void, count: number): Promise<number> {
  for (let batch = 0; batch < WARM_UP_OPERATIONS / BATCH; batch += 1) run();
  const start = process.cpuUsage();
  for (let batch = 0; batch < count / BATCH; batch += 1) {
    run();
    if (batch % BATCHES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1_000) / count;
}

for (const name of CASES.filter((c) => only === 'all' || c === only)) {
  console.log(`${name}: ${(await cpuNanosPerOperation(batches[name], OPERATIONS)).toFixed(1)} ns/op (CPU)`);
}
