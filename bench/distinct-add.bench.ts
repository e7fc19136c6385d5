// distinctCounter.add(labels, value) per new value with 3 labels (a fresh labels object per call),
// against hyperloglog-lite's own hash-and-add of the same seeded user ids; the estimates both give, so
// speed is not bought with accuracy; and the heap per series, all included. Run with node --expose-gc.
// The accuracy distribution over 100 seeds at 10^7 is bench/distinct-accuracy.ts (slow, on demand).
import HyperLogLog from 'hyperloglog-lite';
import { Registry, hashReady } from '../src/index.js';
import { DEFAULT_PRECISION, exactCapacity } from '../src/registry/cells/distinct-sketch.js';
import { BATCH, compareMany, heapUsed, report, seededRandom } from './support.js';

const DISTINCT = 1_000_000;
const LITE_PRECISION = 14; // hyperloglog-lite's registers: 16 KiB, the size of the sketch before ExaLogLog
const MAX_NS_PER_ADD = 120;
const MEMORY_SERIES = 2_000;
const MAX_BYTES_PER_SERIES = 16 * 1024;
const random = seededRandom(5);
const suffix = Math.floor(random() * 1e9);
const ids = Array.from({ length: DISTINCT }, (_, i) => `id=user.${i},ou=user,o=alpha,ou=services,ou=am-config-${suffix}`);

// Sketches keep raw strings until the WebAssembly hash is compiled; tinybench's loop never gives the
// event loop a turn, so without this wait the whole bench would measure that fallback.
await hashReady;

const registry = new Registry();
const ours = registry.distinctCounter({ name: 'am_authentication_unique_uuid', help: 'h', labelNames: ['operation', 'outcome', 'realm'] });
const theirs = HyperLogLog(LITE_PRECISION);
let next = 0;
let theirNext = 0;

const [oursNs] = await compareMany(
  'distinctCounter.add(labels, new value), 3 labels',
  () => {
    for (let i = 0; i < BATCH; i += 1) ours.add({ operation: 'login', outcome: 'success', realm: 'alpha' }, ids[(next + i) % DISTINCT]!);
    next += BATCH;
  },
  [
    {
      name: `hyperloglog-lite hash+add (2^${LITE_PRECISION} registers)`,
      goal: 1,
      run: () => {
        for (let i = 0; i < BATCH; i += 1) theirs.add(HyperLogLog.hash(ids[(theirNext + i) % DISTINCT]!));
        theirNext += BATCH;
      },
    },
  ],
);
// Past the exact phase a value seen before costs what a new one does (hash, register compare), so the
// ids cycling after DISTINCT does not flatter the figure.
report('distinctCounter.add per new value, 3 labels', `${oursNs!.toFixed(0)} ns (median of medians)`, oursNs!, MAX_NS_PER_ADD, ' ns', true);

const fresh = new Registry().distinctCounter({ name: 'x', help: 'h' });
const reference = HyperLogLog(LITE_PRECISION);
const COUNTED = 100_000;
for (const id of ids.slice(0, COUNTED)) {
  fresh.add({}, id);
  reference.add(HyperLogLog.hash(id));
}
const snapshot = fresh.collect();
const estimate = snapshot.kind === 'distinct' ? snapshot.series[0]!.value : Number.NaN;
const error = (value: number) => `${((Math.abs(value - COUNTED) / COUNTED) * 100).toFixed(2)}%`;
console.log(
  `distinct estimate of ${COUNTED} ids: ours ${estimate} (error ${error(estimate)}), hyperloglog-lite ${reference.count()} (error ${error(reference.count())})`,
);

// Heap per series, 3 labels, everything the registry keeps for it: with the exact table at its largest
// (exactCapacity values), and past it (registers). One function call per measurement, so nothing of one
// (an interpreter register still holding the last registry) is alive during the next.
function heapPerSeries(values: number): number {
  const before = heapUsed();
  const kept = new Registry({ maxSeriesPerMetric: MEMORY_SERIES });
  const counter = kept.distinctCounter({ name: 'am_bench_unique', help: 'h', labelNames: ['operation', 'outcome', 'client'] });
  for (let s = 0; s < MEMORY_SERIES; s += 1) {
    const labels = { operation: 'login', outcome: 'success', client: `client-${s}` };
    for (let i = 0; i < values; i += 1) counter.add(labels, ids[(s * values + i) % DISTINCT]!);
  }
  const perSeries = (heapUsed() - before) / MEMORY_SERIES;
  if (kept.getMetrics().length !== 1) throw new Error('registry lost');
  return perSeries;
}

for (const [phase, values] of [
  ['exact table full', exactCapacity(DEFAULT_PRECISION)],
  ['registers', 2 * exactCapacity(DEFAULT_PRECISION)],
] as const) {
  const perSeries = heapPerSeries(values);
  const title = `heap per distinct series (${values} values, ${phase})`;
  report(title, `${(perSeries / 1024).toFixed(1)} KiB`, perSeries / 1024, MAX_BYTES_PER_SERIES / 1024, ' KiB', true);
}
