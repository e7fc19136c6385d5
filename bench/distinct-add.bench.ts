// distinctCounter.add(labels, value) against hyperloglog-lite's own hash-and-add, same seeded user
// ids; also the estimates both give, so speed is not bought with accuracy.
import HyperLogLog from 'hyperloglog-lite';
import { Registry } from '../src/index.js';
import { BATCH, compareSpeed, seededRandom } from './support.js';

const DISTINCT = 100_000;
const PRECISION = 14;
const random = seededRandom(5);
const ids = Array.from({ length: DISTINCT }, (_, i) => `id=user.${i},ou=user,o=alpha,ou=services,ou=am-config-${Math.floor(random() * 1e9)}`);

const registry = new Registry();
const ours = registry.distinctCounter({ name: 'am_authentication_unique_uuid', help: 'h', labelNames: ['outcome'] });
const theirs = HyperLogLog(PRECISION);
const labels = { outcome: 'success' };
let next = 0;

await compareSpeed({
  title: 'distinctCounter.add(labels, value)',
  ours: () => {
    for (let i = 0; i < BATCH; i += 1) ours.add(labels, ids[(next + i) % DISTINCT]!);
    next += BATCH;
  },
  theirs: () => {
    for (let i = 0; i < BATCH; i += 1) theirs.add(HyperLogLog.hash(ids[(next + i) % DISTINCT]!));
    next += BATCH;
  },
  theirName: `hyperloglog-lite hash+add (2^${PRECISION} registers)`,
  goal: 3,
});

const fresh = new Registry().distinctCounter({ name: 'x', help: 'h' });
const reference = HyperLogLog(PRECISION);
for (const id of ids) {
  fresh.add({}, id);
  reference.add(HyperLogLog.hash(id));
}
const snapshot = fresh.collect();
const estimate = snapshot.kind === 'distinct' ? snapshot.series[0]!.value : Number.NaN;
const error = (value: number) => `${((Math.abs(value - DISTINCT) / DISTINCT) * 100).toFixed(2)}%`;
console.log(`distinct estimate of ${DISTINCT} ids: ours ${estimate} (error ${error(estimate)}), hyperloglog-lite ${reference.count()} (error ${error(reference.count())})`);
