// The primary side of a host-wide scrape: one round of state requests to the workers (requests.ts),
// then one merge (merge.ts) of the answers, the stand-ins for those that missed the round
// (reported-states.ts) and the primary's own registry. Serving it is src/server.ts's job.
import cluster, { type Worker } from 'node:cluster';
import type { CollectFailure, Collection, FamilySnapshot } from '../registry/collection.js';
import type { Descriptor } from '../registry/descriptor.js';
import type { Labels } from '../registry/labels.js';
import type { RegistryState } from '../registry/registry.js';
import { DISTINCT_KEY_ENV, distinctHashSecret } from '../registry/cells/string-hash.js';
import { describeError, loggerOption, type Logger } from '../http/logger.js';
import { ClusterConfigError } from './errors.js';
import { mergedRegistry, mergeEachFamily, mergeStates, type MergedStates, type SourcedState } from './merge.js';
import { ReportedStates } from './reported-states.js';
import { StateRequests, type Outcome } from './requests.js';
import type { WorkerSource } from './worker.js';

/**
 * How long a scrape waits for the workers' answers: half of Prometheus's default scrape timeout
 * (10 s), leaving the other half for merging, rendering and the network.
 */
export const DEFAULT_WORKER_TIMEOUT_MS = 5_000;
/** The `worker` label value of the primary's own `per-source` gauges. */
export const PRIMARY_SOURCE = 'primary';
/** The source name of what exited workers reported (it holds no gauges, so no series carries it). */
const RETIRED_SOURCE = 'exited-workers';
/** Longest deadline setTimeout can keep (2^31 − 1 ms, about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface ClusterPrimaryOptions {
  /** How long each scrape waits for the workers, in ms; default DEFAULT_WORKER_TIMEOUT_MS. */
  readonly timeoutMs?: number | undefined;
  /**
   * The primary's own metrics, merged with the workers' as source PRIMARY_SOURCE. When it keeps timer
   * buckets (`timerBuckets`), so do the merged timers, and the workers' histograms merge.
   */
  readonly registry?: WorkerSource | undefined;
  /**
   * Labels every merged series carries (e.g. `kubernetes_pod_name`); default the primary registry's
   * default labels, else none. Give the workers' registries the same ones.
   */
  readonly defaultLabels?: Labels | undefined;
  /** Wall-clock time in epoch ms of the merged registry (quantiles are read at this time); default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /**
   * Told, one line each, of what arrives outside a collection and cannot be merged: a worker's final
   * state (see ClusterWorker.reportFinal). What a collection leaves out is in its `failures`, which
   * the scrape logs. Default `console.error`.
   */
  readonly logger?: Logger | undefined;
}

const TIMEOUTS_FAMILY = ownFamily(
  'counter',
  'am_metrics_cluster_worker_timeouts',
  "Times a cluster worker did not answer a scrape within the primary's deadline; its last reported state stood in.",
);
const ERRORS_FAMILY = ownFamily(
  'counter',
  'am_metrics_cluster_worker_errors',
  'Cluster worker answers that could not be merged (malformed, conflicting, or no state); its last reported state stood in.',
);
const WORKERS_FAMILY = ownFamily('gauge', 'am_metrics_cluster_workers', 'Cluster workers whose fresh state this scrape merged.');

/**
 * One collection for a whole host: what `clusterMetrics.primary()` returns, for `createMetricsRouter`
 * or `startServer({ source })`. Each `collect()` reads `cluster.workers` afresh (new workers join,
 * dead ones are skipped), asks every live worker in parallel, and merges what arrives within the
 * deadline into a fresh Registry with source `worker-<id>` (see MetricRegistry.merge): counts and sums
 * add, timer distributions and distinct sketches take the union, gauges combine as each declares.
 * A worker forked after the primary was created is asked once it has announced itself
 * (`clusterMetrics.worker()` does), so a scrape never waits on one that is still starting. A worker
 * that has not answered an earlier request yet is not asked again: the scrape waits for that answer.
 * A worker that misses the deadline or sends what cannot be merged is counted
 * (`am_metrics_cluster_worker_timeouts_total`, `am_metrics_cluster_worker_errors_total`) and reported
 * in the collection's `failures` (the HTTP layer logs them); what it recorded since its last answer
 * is left out of that scrape, and its last answer stands in for it (see ReportedStates), as the
 * counts of exited workers do. A worker that never answered contributes nothing.
 * `am_metrics_cluster_workers` counts the fresh answers merged. `collect()` never rejects because of a worker.
 */
export class ClusterPrimary {
  private readonly requests: StateRequests;
  private readonly reported: ReportedStates;
  private readonly timeoutMs: number;
  private readonly defaultLabels: Labels;
  private readonly timerBuckets: boolean;
  private readonly own: { state(): Promise<RegistryState> } | undefined;
  private readonly createdMs: number;
  private readonly logger: Logger;
  private timeouts = 0;
  private errors = 0;
  /** Collections started so far: orders the answers of overlapping collections (see ReportedStates.remember). */
  private rounds = 0;

  /**
   * @throws ClusterConfigError outside the cluster primary, or for a timeout that is not a positive number of ms;
   *   ServerConfigError for an AM_METRICS_DISTINCT_KEY under MIN_SECRET_LENGTH characters (see distinctKeyFromEnvironment),
   *   or a `logger` that is not a function.
   */
  constructor(private readonly options: ClusterPrimaryOptions = {}) {
    if (!cluster.isPrimary) throw new ClusterConfigError('clusterMetrics.primary() runs in the cluster primary, not in a worker');
    this.timeoutMs = checkTimeout(options.timeoutMs);
    this.logger = loggerOption(options.logger);
    // Workers forked from now on inherit this process's distinct-hash secret, so their sketches merge.
    process.env[DISTINCT_KEY_ENV] = distinctHashSecret();
    this.own = options.registry === undefined ? undefined : 'state' in options.registry ? options.registry : options.registry.registry;
    const own = this.own as { labels?: Labels; timerBuckets?: boolean } | undefined;
    this.defaultLabels = options.defaultLabels ?? own?.labels ?? {};
    this.timerBuckets = own?.timerBuckets === true;
    this.createdMs = (options.now ?? Date.now)();
    this.reported = new ReportedStates({ defaultLabels: this.defaultLabels, now: options.now, timerBuckets: this.timerBuckets });
    this.requests = new StateRequests(
      this.timeoutMs,
      (workerId) => this.reported.markExited(workerId),
      (workerId, state) => this.acceptFinal(workerId, state),
    );
  }

  /** The merged collection of the primary's registry and every worker's answer (or stand-in). */
  async collect(): Promise<Collection> {
    this.reported.retireExited();
    const round = (this.rounds += 1);
    const workers = this.requests.liveWorkers();
    const asked = workers.map((worker) => worker.id);
    this.reported.startAsking(asked);
    try {
      return await this.collectRound(round, workers);
    } finally {
      this.reported.doneAsking(asked);
    }
  }

  /** Asks `workers`, merges their answers with the stand-ins and the primary's own state, and remembers the answers as of `round`. */
  private async collectRound(round: number, workers: readonly Worker[]): Promise<Collection> {
    const failures: CollectFailure[] = [];
    const [ownState, outcomes] = await Promise.all([this.ownState(failures), this.requests.askAll(workers)]);
    const fresh = new Map<number, unknown>();
    workers.forEach((worker, i) => {
      const state = this.answerOf(worker.id, outcomes[i] as Outcome, failures);
      if (state !== undefined) fresh.set(worker.id, state);
    });
    const states: SourcedState[] = [...fresh].map(([workerId, state]) => ({ source: sourceOf(workerId), state }));
    states.push(...this.reported.standIns(new Set(fresh.keys())).map(([workerId, state]) => ({ source: sourceOf(workerId), state })));
    const retired = await this.reported.retiredState();
    if (retired !== undefined) states.push({ source: RETIRED_SOURCE, state: retired });
    if (ownState !== undefined) states.push({ source: PRIMARY_SOURCE, state: ownState });
    const merged = await mergeStates(states, { defaultLabels: this.defaultLabels, now: this.options.now, timerBuckets: this.timerBuckets });
    this.standInForRejected(merged, fresh, retired, failures);
    let mergedWorkers = 0;
    for (const [workerId, state] of fresh) {
      if (!merged.accepted.includes(sourceOf(workerId))) continue;
      this.reported.remember(workerId, state, round);
      mergedWorkers += 1;
    }
    const collection = await merged.registry.collect();
    return { ...collection, families: [...collection.families, ...this.ownFamilies(mergedWorkers)], failures: [...collection.failures, ...failures] };
  }

  /**
   * Stops listening to the cluster: a scrape in flight treats its unanswered workers as gone, and
   * later scrapes hear from no worker (each is counted as a timeout). For shutting down.
   */
  close(): void {
    this.requests.close();
  }

  /**
   * A worker's final state (ClusterWorker.reportFinal) stands in for it from now on, ahead of any
   * older answer still on its way, and goes into the exited workers' totals once it exits; so a
   * shutdown that waits for the workers to exit before its last collection (`am-metrics serve
   * --workers`) sends what they recorded up to their end. One that does not merge is counted
   * (`am_metrics_cluster_worker_errors_total`) and logged, and the worker's last answer stays. Why
   * logged here: it comes with no collection whose `failures` could carry it, and at shutdown no
   * scrape follows to log them.
   */
  private acceptFinal(workerId: number, state: unknown): void {
    try {
      const check = mergedRegistry({ defaultLabels: this.defaultLabels, now: this.options.now, timerBuckets: this.timerBuckets });
      check.merge(state as RegistryState, { source: sourceOf(workerId) });
    } catch (error) {
      this.errors += 1;
      this.logger(`am-metrics: cluster ${sourceOf(workerId)}: final state not merged, its last answer stands in: ${describeError(error)}`);
      return;
    }
    this.reported.remember(workerId, state, Number.POSITIVE_INFINITY);
  }

  /** The primary's own state; one that cannot be read is left out, and counted, like a worker's. */
  private async ownState(failures: CollectFailure[]): Promise<RegistryState | undefined> {
    try {
      return await this.own?.state();
    } catch (error) {
      this.errors += 1;
      failures.push({ metric: PRIMARY_SOURCE, error });
      return undefined;
    }
  }

  /** The state a worker sent, or undefined after recording why there is none. */
  private answerOf(workerId: number, outcome: Outcome, failures: CollectFailure[]): unknown {
    const source = sourceOf(workerId);
    switch (outcome.kind) {
      case 'timeout':
        this.timeouts += 1;
        failures.push({ metric: source, error: new Error(`did not answer within ${this.timeoutMs} ms`) });
        return undefined;
      case 'gone':
        return undefined;
      case 'answered': {
        const { state, error } = outcome.message as { state?: unknown; error?: unknown };
        if (state !== undefined) return state;
        this.errors += 1;
        failures.push({ metric: source, error: new Error(typeof error === 'string' ? `could not read its state: ${error}` : 'answered without a state') });
        return undefined;
      }
    }
  }

  /**
   * Counts each rejected state; a worker whose fresh answer was rejected gets its last one merged
   * instead, and the exited workers' totals merge family by family, so that a metric the live workers
   * now register in another shape costs only that family.
   */
  private standInForRejected(merged: MergedStates, fresh: ReadonlyMap<number, unknown>, retired: RegistryState | undefined, failures: CollectFailure[]): void {
    for (const { source, error } of merged.rejected) {
      this.errors += 1;
      failures.push({ metric: source, error });
      if (source === RETIRED_SOURCE && retired !== undefined) mergeEachFamily(merged.registry, retired, { source });
      const workerId = [...fresh.keys()].find((id) => sourceOf(id) === source);
      const last = workerId === undefined ? undefined : this.reported.lastOf(workerId);
      try {
        if (last !== undefined) merged.registry.merge(last as RegistryState, { source });
      } catch {
        // It clashes with what merged this time; the worker is left out of this scrape.
      }
    }
  }

  private ownFamilies(mergedWorkers: number): FamilySnapshot[] {
    const point = (value: number) => [{ labels: {}, startMs: this.createdMs, value }];
    return [
      { kind: 'counter', descriptor: TIMEOUTS_FAMILY, series: point(this.timeouts) },
      { kind: 'counter', descriptor: ERRORS_FAMILY, series: point(this.errors) },
      { kind: 'gauge', descriptor: WORKERS_FAMILY, series: point(mergedWorkers) },
    ];
  }
}

function sourceOf(workerId: number): string {
  return `worker-${workerId}`;
}

function ownFamily(kind: 'counter' | 'gauge', name: string, help: string): Descriptor {
  return Object.freeze({ kind, name, help, labelNames: Object.freeze([]), constLabels: Object.freeze({}) });
}

function checkTimeout(timeoutMs: unknown): number {
  if (timeoutMs === undefined) return DEFAULT_WORKER_TIMEOUT_MS;
  if (typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS) return timeoutMs;
  throw new ClusterConfigError(
    `clusterMetrics.primary(): timeoutMs must be a number of ms above 0 and at most ${MAX_TIMEOUT_MS}, got ${JSON.stringify(timeoutMs) ?? typeof timeoutMs}`,
  );
}
