// What the workers reported last: stand-ins for a worker that misses a round, and the totals of
// workers that have exited, so the host's counts never go down when one worker is slow or dies.
import type { Registry } from '../exposition/prometheus/registry.js';
import type { RegistryState } from '../registry/registry.js';
import { mergedRegistry, mergeEachFamily, type MergeStatesOptions } from './merge.js';

/**
 * The last state each live worker sent that merged cleanly, and one registry holding what exited
 * workers had reported. Why keep them: Prometheus reads a count that goes down as a counter reset,
 * so leaving a worker's counts out of one scrape would show up as a burst in `rate()`. Gauges of an
 * exited worker are dropped (nothing of it is in flight any more); its counts, sums, timer
 * distributions (which go on decaying) and distinct values stay.
 */
export class ReportedStates {
  private readonly last = new Map<number, unknown>();
  /** The round each state in `last` answered. */
  private readonly lastRound = new Map<number, number>();
  /** Workers seen to exit whose last state has not moved into `retired` yet. */
  private readonly exited = new Set<number>();
  /** How many collections in flight asked each worker (see startAsking). */
  private readonly asking = new Map<number, number>();
  /** Workers whose last state has moved into `retired` (cluster never reuses a worker id). */
  private readonly retiredIds = new Set<number>();
  private readonly retired: Registry;
  private hasRetired = false;

  constructor(options: MergeStatesOptions) {
    this.retired = mergedRegistry(options);
  }

  /**
   * Keeps `state` as what `workerId` last reported (it has merged cleanly), unless the worker is
   * retired or a later round's answer is already kept. Rounds overlap when a scrape and the metric
   * streams collect at once, and may finish out of order; keeping the older answer would let a later
   * stand-in report less than a collection already sent, which a delta push takes for a reset.
   * @param round increases with each collection's requests (the order the worker answers them in);
   *   Number.POSITIVE_INFINITY for a worker's final state, which no answer replaces.
   */
  remember(workerId: number, state: unknown, round: number): void {
    if (this.retiredIds.has(workerId) || round < (this.lastRound.get(workerId) ?? Number.NEGATIVE_INFINITY)) return;
    this.last.set(workerId, state);
    this.lastRound.set(workerId, round);
  }

  lastOf(workerId: number): unknown {
    return this.last.get(workerId);
  }

  /** The last states of every remembered worker except `answered`, by worker id. */
  standIns(answered: ReadonlySet<number>): [number, unknown][] {
    return [...this.last].filter(([workerId]) => !answered.has(workerId));
  }

  /**
   * Notes that a collection asks `workerIds`; call `doneAsking` with the same ids once it has merged
   * and remembered their answers. Why: a worker may answer one collection and exit before that
   * collection is done, while another starts; retiring its older state then would merge it beside the
   * fresh answer (counted twice), and later collections would report the older, smaller one.
   */
  startAsking(workerIds: readonly number[]): void {
    for (const workerId of workerIds) this.asking.set(workerId, (this.asking.get(workerId) ?? 0) + 1);
  }

  doneAsking(workerIds: readonly number[]): void {
    for (const workerId of workerIds) {
      const left = (this.asking.get(workerId) ?? 0) - 1;
      if (left > 0) this.asking.set(workerId, left);
      else this.asking.delete(workerId);
    }
  }

  /**
   * Notes that a worker exited. Its last state keeps standing in until `retireExited()`, which a
   * scrape calls before it gathers states, so a state is never retired while a scrape may still
   * replace it with a fresher one.
   */
  markExited(workerId: number): void {
    this.exited.add(workerId);
  }

  /**
   * Moves the last states (gauges apart) of the workers that exited into the retired totals, once
   * each; a worker that a collection in flight asked waits until a later call.
   */
  retireExited(): void {
    for (const workerId of this.exited) {
      if (this.asking.has(workerId)) continue;
      this.exited.delete(workerId);
      const state = this.last.get(workerId) as RegistryState | undefined;
      this.last.delete(workerId);
      this.lastRound.delete(workerId);
      this.retiredIds.add(workerId);
      if (state !== undefined) this.retire(state);
    }
  }

  /** What exited workers reported, read now (rates and distributions decay), or undefined if none. */
  async retiredState(): Promise<RegistryState | undefined> {
    return this.hasRetired ? this.retired.state() : undefined;
  }

  /** Clashes between exited workers (their code changed a metric's shape) cost only the clashing family. */
  private retire(state: RegistryState): void {
    const families = state.families.filter((family) => family.kind !== 'gauge');
    if (mergeEachFamily(this.retired, { ...state, families }) < families.length) this.hasRetired = true;
  }
}
