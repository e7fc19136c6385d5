// `am-metrics serve --workers <n>`: the primary forks n copies of this command as cluster workers,
// each recording its share of the simulated traffic and answering the primary's state requests.
// The primary's HTTP side and its signals stay in cli.ts; merging is am-metrics/cluster's job.
import cluster, { type Worker } from 'node:cluster';
import { clusterMetrics } from '../cluster.js';
import { createAmMetrics, POD_LABEL } from '../metrics/am-metrics.js';
import { Registry } from '../exposition/prometheus/registry.js';
import { createSimulator, type Simulator, type SimulatorOptions } from '../simulator/simulator.js';
import { READY } from '../cluster/protocol.js';
import type { ServeSettings } from './options.js';

/**
 * Tells a forked copy of the command its share of the work, as JSON (WorkerShare): the primary
 * decides it once, so a random seed is drawn once for the whole host.
 */
const WORKER_VARIABLE = 'AM_METRICS_WORKER';
/** How long the primary waits for its workers to answer before it serves anyway. */
const WORKER_START_MS = 10_000;
/** How long stopping waits for workers to report and exit after SIGTERM before it kills them. */
const WORKER_STOP_MS = 5_000;
const SEED_MODULUS = 2 ** 32;

/** The workers a primary forked: their process ids, and how to stop them all. */
export interface WorkerPool {
  readonly pids: readonly number[];
  /**
   * SIGTERM to every worker, SIGKILL to those still running after WORKER_STOP_MS; resolves once all
   * exited and their IPC channels closed, so the final states they sent (runServeWorker) have been
   * read by the primary.
   */
  stop(): Promise<void>;
}

/** What one worker does: its share of `--simulate`, if any. */
interface WorkerShare {
  readonly simulator?: Required<SimulatorOptions>;
}

/** Whether this process is a worker forked by `serve --workers`. */
export function isServeWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_VARIABLE] !== undefined;
}

/** Worker `index`'s share of `--simulate`: the rate divided by `workers`, the seed plus `index` (mod 2^32). */
export function workerSimulator(simulator: { readonly rate: number; readonly seed: number }, index: number, workers: number): Required<SimulatorOptions> {
  return { rate: simulator.rate / workers, seed: (simulator.seed + index) % SEED_MODULUS };
}

/**
 * Runs this process as the worker AM_METRICS_WORKER describes: the AM catalogue, its share of the
 * simulator, answers to the primary. It leaves when the primary disconnects, or on SIGTERM after it
 * stopped its simulator and sent the primary its final state (ClusterWorker.reportFinal), so the
 * primary's last stream flush carries every count it recorded (see exitOnTerm). SIGINT
 * (a Ctrl-C reaching the whole process group) and SIGHUP (a reload sent to every process of the
 * command, `pkill -HUP -f am-metrics`) are left to the primary, which stops the workers itself and
 * reloads what it reads; a worker reads no files, and would otherwise die of SIGHUP.
 */
export function runServeWorker(settings: ServeSettings): void {
  const share = JSON.parse(process.env[WORKER_VARIABLE] ?? '{}') as WorkerShare;
  const am = createAmMetrics({ registry: serveRegistry(settings), podName: settings.podName });
  const simulator: Simulator | undefined = share.simulator === undefined ? undefined : createSimulator(am, share.simulator);
  // Before announcing itself: once it has, the primary may print its start line, and a signal sent
  // then must find the handlers in place (without one, the kernel ends the process at once).
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  process.on('disconnect', () => process.exit(0));
  // Handlers run on a later turn of the event loop, once `reporter` below exists.
  exitOnTerm(() => {
    simulator?.stop();
    return reporter.reportFinal();
  });
  const reporter = clusterMetrics.worker(am.registry);
  simulator?.start();
}

/**
 * A worker's SIGTERM: `report` (stop recording, send the final state), then exit 0. A SIGTERM that
 * comes while it reports is ignored. Why: `pkill -f am-metrics`, or systemd stopping the unit's whole
 * control group, sends SIGTERM to the primary and to every worker (they are copies of the command),
 * and the primary sends its own to each worker a few ms later as it stops them; ending on that second
 * signal lost the counts recorded since the primary last asked. A report that hangs is bounded by the
 * primary's SIGKILL after WORKER_STOP_MS, and a worker whose primary is gone leaves on `disconnect`.
 */
export function exitOnTerm(report: () => Promise<void>): void {
  let isReporting = false;
  process.on('SIGTERM', () => {
    if (isReporting) return;
    isReporting = true;
    void report().finally(() => process.exit(0));
  });
}

/**
 * The registry a `serve` process records into, the primary's and every worker's alike: the pod label
 * and, with `--timer-buckets`, timer buckets, which must be on in the workers for merged histograms.
 */
export function serveRegistry(settings: ServeSettings): Registry {
  const defaultLabels: Record<string, string> = settings.podName === null ? {} : { [POD_LABEL]: settings.podName };
  return new Registry({ defaultLabels, timerBuckets: settings.timerBuckets === true });
}

/**
 * Forks `settings.workers` copies of this command, each with its share of the simulator, and resolves
 * once each answers the primary (or after WORKER_START_MS).
 */
export async function forkServeWorkers(settings: ServeSettings): Promise<WorkerPool> {
  const count = settings.workers ?? 1;
  const workers = Array.from({ length: count }, (_, index) => {
    const share: WorkerShare = { ...(settings.simulator === undefined ? {} : { simulator: workerSimulator(settings.simulator, index, count) }) };
    return cluster.fork({ [WORKER_VARIABLE]: JSON.stringify(share) });
  });
  let isStopping = false;
  for (const worker of workers) worker.once('exit', (code, signal) => isStopping || reportExit(worker, workers, code, signal));
  await Promise.race([Promise.all(workers.map(announced)), delay(WORKER_START_MS)]);
  return {
    pids: workers.map((w) => w.process.pid ?? 0),
    stop: () => {
      isStopping = true;
      return stopAll(workers);
    },
  };
}

/**
 * One stderr line for a worker that exited while the primary runs (a crash, the OOM killer, a stray
 * kill): it is not restarted, and without the line only `am_metrics_cluster_workers` would tell.
 */
function reportExit(worker: Worker, workers: readonly Worker[], code: number | null, signal: string | null): void {
  const left = workers.filter((w) => w.process.exitCode === null && w.process.signalCode === null).length;
  const how = signal ?? `code ${code ?? 'unknown'}`;
  process.stderr.write(`am-metrics: worker ${worker.process.pid} exited (${how}); ${left} of ${workers.length} workers left, the counts it reported stay in the merge\n`);
}

function announced(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      if ((message as { type?: unknown } | null)?.type !== READY) return;
      worker.off('message', onMessage);
      resolve();
    };
    worker.on('message', onMessage);
    worker.once('exit', () => resolve());
  });
}

async function stopAll(workers: readonly Worker[]): Promise<void> {
  const running = workers.filter((w) => w.process.exitCode === null && w.process.signalCode === null);
  // The channel's end comes after every message the worker wrote; its exit may be seen before them.
  const closed = (w: Worker) => (w.isConnected() ? new Promise<void>((resolve) => w.once('disconnect', () => resolve())) : Promise.resolve());
  const gone = (w: Worker) => new Promise<void>((resolve) => w.process.once('exit', () => resolve()));
  const exited = Promise.all(running.map((w) => Promise.all([gone(w), closed(w)])));
  for (const worker of running) worker.process.kill('SIGTERM');
  const timer = setTimeout(() => running.forEach((w) => w.process.kill('SIGKILL')), WORKER_STOP_MS);
  await exited;
  clearTimeout(timer);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
