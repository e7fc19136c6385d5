// Runs a simulator on a manual clock and reads what it recorded through the registry's snapshots.
import { createAmMetrics, type AmMetrics, type FamilySnapshot, type Labels } from '../../src/index.js';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/simulator.js';
import { ManualClock } from '../support/manual-clock.js';

/** A simulator on a fresh registry whose clock moves only with `advance`. */
export interface SimulatedRun {
  readonly am: AmMetrics;
  readonly simulator: Simulator;
  readonly clock: ManualClock;
  /** Moves the clock and the simulation on together, one `step` per `stepSeconds`. */
  advance(seconds: number, stepSeconds?: number): void;
}

export function simulatedRun(options: SimulatorOptions): SimulatedRun {
  const clock = new ManualClock();
  const am = createAmMetrics({ podName: 'am-0', now: () => clock.now() });
  const simulator = createSimulator(am, options);
  return {
    am,
    simulator,
    clock,
    advance(seconds, stepSeconds = 1) {
      for (let left = seconds; left > 0; left -= stepSeconds) {
        const step = Math.min(stepSeconds, left);
        clock.advance({ seconds: step });
        simulator.step(step);
      }
    },
  };
}

/** Every sample name of a Prometheus text exposition. */
export function sampleNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line)?.[1];
    if (name !== undefined) names.add(name);
  }
  return names;
}

type Kind = FamilySnapshot['kind'];

/** The series of metric `name` of `kind` whose labels include `labels`. */
async function series(am: AmMetrics, kind: Kind, name: string, labels: Labels) {
  const { families } = await am.registry.collect();
  const family = families.find((f) => f.kind === kind && 'descriptor' in f && f.descriptor.name === name);
  if (family === undefined || family.kind === 'counter') throw new Error(`no ${kind} ${name}`);
  return family.series.filter((s) => Object.entries(labels).every(([label, value]) => s.labels[label] === value));
}

/** Events counted by summary or timer `name` over every series matching `labels`. */
export async function countOf(am: AmMetrics, kind: 'summary' | 'timer', name: string, labels: Labels = {}): Promise<number> {
  return (await series(am, kind, name, labels)).reduce((total, s) => total + ('count' in s ? s.count : 0), 0);
}

/** The value of the gauge or distinct counter series `name` with `labels`. */
export async function valueOf(am: AmMetrics, kind: 'gauge' | 'distinct', name: string, labels: Labels = {}): Promise<number> {
  const [found] = await series(am, kind, name, labels);
  if (found === undefined || !('value' in found)) throw new Error(`no ${kind} ${name} ${JSON.stringify(labels)}`);
  return found.value;
}

/** The median of timer `name`'s series with exactly `labels` (plus the pod label). */
export async function medianOf(am: AmMetrics, name: string, labels: Labels): Promise<number> {
  const [found] = await series(am, 'timer', name, labels);
  if (found === undefined || !('quantiles' in found)) throw new Error(`no timer ${name} ${JSON.stringify(labels)}`);
  return found.quantiles.find((q) => q.quantile === 0.5)?.value ?? NaN;
}
