// The session dashboard: session operations, failures and latency, timeouts, lifetimes, the CTS-based
// session cache and the in-memory journey session store.
import { METRICS } from '../../../src/metrics/catalog.js';
import type { DashboardSpec, PanelSpec, SectionSpec } from '../grafana.js';
import { SERVER_LABELS, eq, type Scope } from '../promql.js';
import { dashboardScope, gaugePanel, labelVariable, meanPanel, partRatePanel, quantilePanel, ratePanel, ratioPanel, sourceVariables } from '../panels.js';

/** Session operations per second by `by`. */
export function sessionOperationsPanel(scope: Scope, by: readonly string[]): PanelSpec {
  const description = `Session operations (create, validate, refresh, logout, …) per second, by ${by.join(' and ').replaceAll('_', ' ')}. Idle and max timeouts are in their own panel.`;
  return ratePanel({ title: `Session operations by ${by.join(' and ').replaceAll('_', ' ')}`, description }, METRICS.sessionOperations, scope, by);
}

/** Share of CTS-based session lookups answered by the cache. */
export function sessionCacheHitRatioPanel(scope: Scope): PanelSpec {
  const description = 'Share of CTS-based session lookups answered from the in-memory session cache. Misses read the session from the CTS.';
  return ratioPanel({ title: 'CTS-based session cache hit ratio', description }, METRICS.sessionCache, scope, [], [['hit', [eq('outcome', 'hit')]]]);
}

function operations(scope: Scope): SectionSpec {
  return {
    title: 'Operations',
    panels: [
      sessionOperationsPanel(scope, ['operation']),
      partRatePanel(
        { title: 'Session operation failures by operation', description: 'Failed session operations per second, by operation.' },
        METRICS.sessionOperations,
        scope,
        ['operation'],
        [eq('outcome', 'failure')],
      ),
      quantilePanel(
        {
          title: 'Session operation latency by pod',
          description:
            'p50, p95 and p99 time of session operations, on each pod (its slowest operation and session type). Per-pod quantiles over roughly the last five minutes.',
        },
        METRICS.sessionOperations,
        scope,
      ),
      meanPanel(
        { title: 'Mean session operation latency by operation', description: 'Average time of one session operation, by operation, across the selected servers.' },
        METRICS.sessionOperations,
        scope,
        ['operation'],
      ),
    ],
  };
}

function lifetimes(scope: Scope): SectionSpec {
  return {
    title: 'Timeouts and lifetimes',
    panels: [
      ratePanel(
        {
          title: 'Session timeouts',
          description: 'Sessions ended per second because they were idle too long (idle-timeout) or reached their maximum time (max-timeout), by session type.',
        },
        METRICS.sessionTimeouts,
        scope,
        ['operation', 'session_type'],
      ),
      ratePanel(
        { title: 'Sessions ended by type', description: 'Sessions that ended per second (logout, timeout, destroy), by session type.' },
        METRICS.sessionLifetimes,
        scope,
        ['session_type'],
      ),
      quantilePanel(
        {
          title: 'Session lifetime by pod',
          description:
            'Median and p95 time sessions lived before they ended, on each pod (its longest-lived session type). Per-pod quantiles over roughly the last five minutes.',
        },
        METRICS.sessionLifetimes,
        scope,
        SERVER_LABELS,
        ['0.5', '0.95'],
      ),
      meanPanel(
        { title: 'Mean session lifetime by type', description: 'Average time a session lived before it ended, by session type, across the selected servers.' },
        METRICS.sessionLifetimes,
        scope,
        ['session_type'],
      ),
    ],
  };
}

function stores(scope: Scope): SectionSpec {
  return {
    title: 'Caches and stores',
    panels: [
      sessionCacheHitRatioPanel(scope),
      ratePanel(
        {
          title: 'CTS-based session cache evictions',
          description: 'Sessions evicted from the CTS-based session cache per second. Many evictions with a low hit ratio suggest the cache is too small.',
        },
        METRICS.sessionCacheEvictions,
        scope,
        [],
      ),
      gaugePanel(
        { title: 'CTS-based session cache size by pod', description: 'Sessions held in the CTS-based session cache on each pod.' },
        METRICS.sessionCacheSize,
        scope,
      ),
      gaugePanel(
        {
          title: 'In-memory journey session store size by pod',
          description: "Authentication journey sessions held in each pod's in-memory store. These live on one pod only: a pod restart loses them.",
        },
        METRICS.sessionStoreSize,
        scope,
        ['session_type'],
      ),
    ],
  };
}

/** The session dashboard. */
export function sessionDashboard(): DashboardSpec {
  const scope = dashboardScope(['session_type']);
  return {
    uid: 'am-session',
    title: 'AM / Sessions',
    description:
      'ForgeRock AM and PingOne AIC sessions: operations, failures and latency, timeouts, lifetimes, the CTS-based session cache and the in-memory journey session store.',
    tags: ['session'],
    variables: [...sourceVariables(METRICS.sessionOperations), labelVariable(METRICS.sessionOperations, 'session_type', 'Session type', 'Session types to show.')],
    sections: [operations(scope), lifetimes(scope), stores(scope)],
  };
}
