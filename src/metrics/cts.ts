// CTS family: token store operations, operations pending, and the AM-only connection, reaper and
// task-queue metrics.
import { METRICS, type CtsConnectionState, type CtsOperation, type CtsTokenType, type Outcome, type ReaperTokenType, type ReaperType } from './catalog.js';
import type { GaugeChild } from '../registry/gauge.js';
import type { InstalledCatalog, SpecLabels, StateGauge } from './install.js';
import { timeOutcome } from './timing.js';

/** Which CTS operation on which kind of token. */
export interface CtsTask {
  readonly operation: CtsOperation;
  readonly tokenType: CtsTokenType;
}

/** Which reaper deleted which kind of token. */
export interface ReaperDeletion {
  readonly reaperType: ReaperType;
  readonly tokenType: ReaperTokenType;
}

/** Records what AM's Core Token Service does. */
export interface CtsMetrics {
  /** A CTS operation took `seconds` and ended with `outcome`. */
  task(task: CtsTask, seconds: number, outcome: Outcome): void;
  /** Runs and times a CTS operation, counting it as pending meanwhile; success if it resolves. */
  timeTask<T>(task: CtsTask, operation: () => T | Promise<T>): Promise<T>;
  /** Operations of a kind queued or in progress: `inc()` when one starts, `dec()` when it ends. */
  pending(operation: CtsOperation): GaugeChild;
  /** An attempt to connect to the CTS store took `seconds` (AM only). */
  connection(seconds: number, outcome: Outcome): void;
  /** Connections handed out (`out`) or waiting (`pending`) (AM only). */
  readonly connectionState: StateGauge<SpecLabels<typeof METRICS.ctsConnectionState>>;
  connectionsIn(state: CtsConnectionState): GaugeChild;
  /** A reaper search for expired tokens took `seconds` (AM only). */
  reaperSearch(seconds: number, outcome: Outcome): void;
  /** The reaper deleted an expired token (AM only). */
  reaperDeletion(deletion: ReaperDeletion, outcome: Outcome): void;
  /** Tokens held in the reaper cache (AM only). */
  readonly reaperCacheSize: StateGauge<SpecLabels<typeof METRICS.ctsReaperCacheSize>>;
  /** An operation waited `seconds` in the task queue (AM 7.2 and earlier). */
  taskQueueWait(seconds: number): void;
  /** Operations waiting in the task queue (AM 7.2 and earlier). */
  readonly taskQueueSize: StateGauge<SpecLabels<typeof METRICS.ctsTaskQueueSize>>;
}

export function ctsMetrics(catalog: InstalledCatalog): CtsMetrics {
  const tasks = catalog.timer(METRICS.ctsTasks);
  const pendingGauge = catalog.gauge(METRICS.ctsPendingTasks);
  const connections = catalog.timer(METRICS.ctsConnections);
  const connectionState = catalog.gauge(METRICS.ctsConnectionState);
  const reaperSearches = catalog.timer(METRICS.ctsReaperSearches);
  const reaperDeletions = catalog.summary(METRICS.ctsReaperDeletions);
  const queueWait = catalog.timer(METRICS.ctsTaskQueueWait);
  const taskLabels = ({ operation, tokenType }: CtsTask, outcome: Outcome) => ({ operation, outcome, token_type: tokenType });
  const task = (which: CtsTask, seconds: number, outcome: Outcome): void => tasks.observe(taskLabels(which, outcome), seconds);
  const pending = (operation: CtsOperation): GaugeChild => pendingGauge.labels({ operation });
  return {
    task,
    async timeTask(which, operation) {
      const inFlight = pending(which.operation);
      inFlight.inc();
      try {
        return await timeOutcome(catalog.registry.clock, tasks, (outcome) => taskLabels(which, outcome), operation);
      } finally {
        inFlight.dec();
      }
    },
    pending,
    connection: (seconds, outcome) => connections.observe({ outcome }, seconds),
    connectionState,
    connectionsIn: (state) => connectionState.labels({ status: state }),
    reaperSearch: (seconds, outcome) => reaperSearches.observe({ outcome }, seconds),
    reaperDeletion: ({ reaperType, tokenType }, outcome) => reaperDeletions.record({ outcome, reaper_type: reaperType, token_type: tokenType }),
    reaperCacheSize: catalog.gauge(METRICS.ctsReaperCacheSize),
    taskQueueWait: (seconds) => queueWait.observe({}, seconds),
    taskQueueSize: catalog.gauge(METRICS.ctsTaskQueueSize),
  };
}
