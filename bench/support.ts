// Shared bench helpers: seeded inputs, batched tinybench runs, and one line of output per comparison.
import { Bench } from 'tinybench';
import { heapAfterGc } from '../test/support/heap.js';
import { logNormal, seededRandom } from '../test/support/random.js';

export { seededRandom };

/** Operations per measured call, so timer overhead does not swamp sub-microsecond operations. */
export const BATCH = 1_000;

/** CTS-like label sets: 8 operations × 2 outcomes × 5 token types. */
export function ctsLabelSets(): Array<Record<'operation' | 'outcome' | 'token_type', string>> {
  const sets = [];
  for (const operation of ['create', 'delete', 'partial-query', 'patch', 'query', 'read', 'update', 'upsert']) {
    for (const outcome of ['success', 'failure']) {
      for (const token_type of ['session', 'oauth2', 'rest', 'saml2', 'transaction']) sets.push({ operation, outcome, token_type });
    }
  }
  return sets;
}

/**
 * BATCH label sets drawn from ctsLabelSets() with `seed`, as three columns, so a bench can build a
 * fresh labels object per call the way a service does.
 */
export function ctsLabelColumns(seed: number): { operations: string[]; outcomes: string[]; tokenTypes: string[] } {
  const sets = ctsLabelSets();
  const random = seededRandom(seed);
  const order = Array.from({ length: BATCH }, () => sets[Math.floor(random() * sets.length)]!);
  return { operations: order.map((s) => s.operation), outcomes: order.map((s) => s.outcome), tokenTypes: order.map((s) => s.token_type) };
}

/** Log-normal latencies in seconds around 5 ms. */
export function latencies(count: number, seed: number): Float64Array {
  return Float64Array.from({ length: count }, logNormal(seededRandom(seed), 0.005, 0.8));
}

export interface Comparison {
  readonly title: string;
  /** Runs BATCH operations of ours. */
  readonly ours: () => void;
  /** Runs BATCH operations of prom-client (or the library compared against). */
  readonly theirs: () => void;
  readonly theirName: string;
  /** Minimum speed-up required (theirs / ours). */
  readonly goal: number;
}

/** Rounds of both tasks, alternating, so a noisy moment of the machine cannot decide the ratio. */
const ROUNDS = 5;

/** Nanoseconds per operation of both (median over ROUNDS of tinybench's median), and the ratio. */
export async function compareSpeed(c: Comparison): Promise<number> {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const bench = new Bench({ time: 600, warmupTime: 200 });
    bench.add('ours', c.ours).add('theirs', c.theirs);
    await bench.run();
    const [o, t] = bench.tasks.map((task) => ((task.result?.latency.p50 ?? Number.NaN) * 1e6) / BATCH) as [number, number];
    ours.push(o);
    theirs.push(t);
  }
  const [o, t] = [median(ours), median(theirs)];
  const ratios = ours.map((value, i) => (theirs[i] as number) / value);
  const spread = `ratio per round ${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}`;
  report(c.title, `${o.toFixed(1)} ns/op vs ${c.theirName} ${t.toFixed(1)} ns/op (medians of ${ROUNDS} rounds; ${spread})`, t / o, c.goal);
  return t / o;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * One result line: what was measured, the ratio, and whether it meets the goal. A goal is a minimum
 * unless `isCeiling` says the ratio may be at most `goal` (e.g. "within 4x of the floor").
 */
export function report(title: string, detail: string, ratio: number, goal: number, unit = 'x faster', isCeiling = false): void {
  const verdict = (isCeiling ? ratio <= goal : ratio >= goal) ? 'meets' : 'MISSES';
  console.log(`${title}: ${detail} -> ${ratio.toFixed(2)}${unit} (${verdict} goal ${isCeiling ? '<=' : '>='} ${goal}${unit})`);
}

/** One library (or baseline) run against ours in `compareMany`. */
export interface Competitor {
  readonly name: string;
  /** Runs BATCH operations. */
  readonly run: () => void;
  /** Minimum speed-up (theirs / ours); or, with `isCeiling`, the most ours may cost (ours / theirs). */
  readonly goal: number;
  readonly isCeiling?: boolean;
}

/**
 * Ours against several competitors, all tasks in the same tinybench run each round, ROUNDS rounds;
 * one line per competitor with medians of tinybench's medians and the ratio per round. Returns the
 * medians in ns per operation, ours first.
 */
export async function compareMany(title: string, ours: () => void, competitors: readonly Competitor[]): Promise<number[]> {
  const times: number[][] = [[], ...competitors.map(() => [])];
  for (let round = 0; round < ROUNDS; round += 1) {
    const bench = new Bench({ time: 400, warmupTime: 150 });
    bench.add('ours', ours);
    competitors.forEach((c, i) => bench.add(`theirs${i}`, c.run));
    await bench.run();
    bench.tasks.forEach((task, i) => times[i]!.push(((task.result?.latency.p50 ?? Number.NaN) * 1e6) / BATCH));
  }
  const o = median(times[0]!);
  competitors.forEach((c, i) => {
    const t = median(times[i + 1]!);
    const ratios = times[0]!.map((value, r) => (c.isCeiling ? value / times[i + 1]![r]! : times[i + 1]![r]! / value));
    const spread = `ratio per round ${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}`;
    const detail = `${o.toFixed(1)} ns/op vs ${c.name} ${t.toFixed(1)} ns/op (medians of ${ROUNDS} rounds; ${spread})`;
    if (c.isCeiling) report(title, detail, o / t, c.goal, 'x the cost', true);
    else report(title, detail, t / o, c.goal);
  });
  return times.map(median);
}

/** Heap in use after a full GC (needs node --expose-gc). */
export const heapUsed = heapAfterGc;
