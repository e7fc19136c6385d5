// The CTS dashboard: Core Token Service operations, failures, latency, pending work, connections,
// the reaper and (AM 7.2 and earlier) the task queue.
import { METRICS } from '../../../src/metrics/catalog.js';
import type { DashboardSpec, PanelSpec, SectionSpec } from '../grafana.js';
import { SERVER_LABELS, eq, type Scope } from '../promql.js';
import {
  dashboardScope,
  fleetQuantilePanel,
  gaugePanel,
  labelVariable,
  meanPanel,
  partRatePanel,
  quantilePanel,
  ratePanel,
  ratioPanel,
  sourceVariables,
} from '../panels.js';

const FAILURE = [eq('outcome', 'failure')];

/** CTS operations per second by `by`. */
export function operationsPanel(scope: Scope, by: readonly string[]): PanelSpec {
  const description = `CTS operations (reads, writes, queries of tokens in the directory) per second, by ${by.join(' and ').replaceAll('_', ' ')}.`;
  return ratePanel({ title: `CTS operations by ${by.join(' and ').replaceAll('_', ' ')}`, description }, METRICS.ctsTasks, scope, by);
}

/** CTS latency quantiles per pod. */
export function latencyPanel(scope: Scope): PanelSpec {
  const description =
    'p50, p95 and p99 time of CTS operations, on each pod (its slowest operation and token type). Per-pod quantiles over roughly the last five minutes; they freeze at their last values when a pod has no CTS traffic.';
  return quantilePanel({ title: 'CTS latency by pod', description }, METRICS.ctsTasks, scope);
}

function operations(scope: Scope): SectionSpec {
  return {
    title: 'Operations',
    panels: [
      operationsPanel(scope, ['operation']),
      operationsPanel(scope, ['token_type']),
      partRatePanel(
        {
          title: 'CTS failures by operation',
          description: 'Failed CTS operations per second, by operation. Sustained failures break sessions, OAuth 2.0 grants and the denylist.',
        },
        METRICS.ctsTasks,
        scope,
        ['operation'],
        FAILURE,
      ),
      ratioPanel(
        { title: 'CTS failure ratio by operation', description: 'Share of CTS operations that failed, by operation.' },
        METRICS.ctsTasks,
        scope,
        ['operation'],
        [['failure', FAILURE]],
      ),
    ],
  };
}

function latency(scope: Scope): SectionSpec {
  return {
    title: 'Latency and pending work',
    panels: [
      latencyPanel(scope),
      quantilePanel(
        {
          title: 'CTS p99 latency by pod and operation',
          description: 'p99 time of each CTS operation on each pod (its slowest token type). Per-pod quantiles over roughly the last five minutes.',
        },
        METRICS.ctsTasks,
        scope,
        [...SERVER_LABELS, 'operation'],
        ['0.99'],
      ),
      meanPanel(
        {
          title: 'Mean CTS latency by operation',
          description: 'Average time of one CTS operation, by operation: total time over operations, across the selected servers.',
        },
        METRICS.ctsTasks,
        scope,
        ['operation'],
      ),
      fleetQuantilePanel(
        {
          title: 'CTS p99 latency across the selected servers, by operation',
          description:
            'p99 time of each CTS operation over the combined traffic of every selected server (and token type), from the timer buckets of am-metrics serve --timer-buckets; empty without them.',
        },
        METRICS.ctsTasks,
        scope,
        ['operation'],
        ['0.99'],
      ),
      gaugePanel(
        {
          title: 'Pending CTS operations by pod',
          description: 'CTS operations queued or in progress on each pod, by operation. A steady climb means the directory behind the CTS cannot keep up.',
        },
        METRICS.ctsPendingTasks,
        scope,
        ['operation'],
      ),
    ],
  };
}

function connections(scope: Scope): SectionSpec {
  return {
    title: 'Connections (self-hosted AM)',
    panels: [
      ratePanel(
        { title: 'CTS connection attempts by outcome', description: 'Attempts to open a connection to the CTS directory per second, by outcome.' },
        METRICS.ctsConnections,
        scope,
        ['outcome'],
      ),
      gaugePanel(
        { title: 'CTS connections by state', description: 'CTS directory connections handed out (out) or waited for (pending) on each pod.' },
        METRICS.ctsConnectionState,
        scope,
        ['status'],
      ),
      {
        ...quantilePanel(
          { title: 'CTS connection latency by pod', description: 'p50, p95 and p99 time to open a CTS connection, on each pod.' },
          METRICS.ctsConnections,
          scope,
        ),
        width: 24,
      },
    ],
  };
}

function reaper(scope: Scope): SectionSpec {
  return {
    title: 'Reaper (self-hosted AM)',
    panels: [
      ratePanel(
        { title: 'Reaper deletions', description: 'Expired tokens deleted by the CTS reaper per second, by reaper (cache or search), token type and outcome.' },
        METRICS.ctsReaperDeletions,
        scope,
        ['reaper_type', 'token_type', 'outcome'],
      ),
      ratePanel(
        { title: 'Reaper searches by outcome', description: 'Searches of the CTS for expired tokens per second, by outcome.' },
        METRICS.ctsReaperSearches,
        scope,
        ['outcome'],
      ),
      quantilePanel(
        { title: 'Reaper search latency by pod', description: "p50, p95 and p99 time of the reaper's searches for expired tokens, on each pod." },
        METRICS.ctsReaperSearches,
        scope,
      ),
      gaugePanel(
        { title: 'Reaper cache size by pod', description: 'Tokens held in the CTS reaper cache on each pod, waiting for deletion.' },
        METRICS.ctsReaperCacheSize,
        scope,
      ),
    ],
  };
}

function taskQueue(scope: Scope): SectionSpec {
  return {
    title: 'Task queue (AM 7.2 and earlier)',
    panels: [
      gaugePanel(
        { title: 'CTS task queue size by pod', description: 'CTS operations waiting in the task queue on each pod. AM 7.2 and earlier only; empty on later versions.' },
        METRICS.ctsTaskQueueSize,
        scope,
      ),
      quantilePanel(
        { title: 'CTS task queue wait by pod', description: 'p50, p95 and p99 time CTS operations waited in the task queue, on each pod. AM 7.2 and earlier only.' },
        METRICS.ctsTaskQueueWait,
        scope,
      ),
    ],
  };
}

/** The CTS dashboard. */
export function ctsDashboard(): DashboardSpec {
  const scope = dashboardScope(['operation', 'token_type']);
  return {
    uid: 'am-cts',
    title: 'AM / CTS',
    description: 'ForgeRock AM and PingOne AIC Core Token Service: operations, failures, latency, pending work, connections, the reaper and the task queue.',
    tags: ['cts'],
    variables: [
      ...sourceVariables(METRICS.ctsTasks),
      labelVariable(METRICS.ctsTasks, 'operation', 'Operation', 'CTS operations to show.'),
      labelVariable(METRICS.ctsTasks, 'token_type', 'Token type', 'CTS token types to show.'),
    ],
    sections: [operations(scope), latency(scope), connections(scope), reaper(scope), taskQueue(scope)],
  };
}
