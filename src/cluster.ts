// Public surface of `am-metrics/cluster`: one scrape for every process of a host (node:cluster, PM2
// in cluster mode). Re-exports only, plus the `clusterMetrics` pair the issue names as a contract.
import { ClusterPrimary, type ClusterPrimaryOptions } from './cluster/primary.js';
import { reportToPrimary, type ClusterWorker, type WorkerSource } from './cluster/worker.js';

export { ClusterPrimary, DEFAULT_WORKER_TIMEOUT_MS, PRIMARY_SOURCE, type ClusterPrimaryOptions } from './cluster/primary.js';
export { reportToPrimary, type ClusterWorker, type WorkerSource } from './cluster/worker.js';
export { mergeStates, type SourcedState, type MergedStates, type MergeStatesOptions } from './cluster/merge.js';
export { ClusterConfigError } from './cluster/errors.js';
export { MESSAGE_PREFIX } from './cluster/protocol.js';

/**
 * Host-wide metrics for `node:cluster`: `worker(registry)` in every worker answers the primary with
 * the registry's state; `primary(options)` in the primary returns a source for `createMetricsRouter`
 * or `startServer({ source })` whose every scrape merges all live workers (see ClusterPrimary).
 */
export const clusterMetrics = {
  /** @throws ClusterConfigError when this process has no IPC channel to a primary. */
  worker: (registry: WorkerSource): ClusterWorker => reportToPrimary(registry),
  /** @throws ClusterConfigError in a worker, or for a bad `timeoutMs`. */
  primary: (options: ClusterPrimaryOptions = {}): ClusterPrimary => new ClusterPrimary(options),
} as const;
