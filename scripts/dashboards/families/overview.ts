// The overview dashboard: headline numbers coloured by the alert thresholds, then two panels per family
// taken from the family dashboards, all filtered by job, instance and pod only.
import { METRICS } from '../../../src/metrics/catalog.js';
import type { DashboardSpec, PanelSpec } from '../grafana.js';
import { eq, quantile, rateRatio, sumRate, type Scope } from '../promql.js';
import { dashboardScope, fleetQuantilePanel, sourceVariables, statPanel } from '../panels.js';
import { THRESHOLDS } from '../rules.js';
import { loginsPanel, uniqueUsersPanel } from './authentication.js';
import { evaluationLatencyPanel, evaluationsPanel } from './authorization.js';
import { cacheHitRatioPanel, checksPanel } from './denylist.js';
import { latencyPanel, operationsPanel } from './cts.js';
import { grantsPanel, tokensIssuedPanel } from './oauth2.js';
import { sessionCacheHitRatioPanel, sessionOperationsPanel } from './session.js';
import { runtimeSection } from './runtime.js';

/** Latency of the selected servers' combined traffic, from the timer buckets `--timer-buckets` adds. */
function fleetLatency(scope: Scope): PanelSpec[] {
  const needs =
    'From the timer buckets (am-metrics serve --timer-buckets); empty without them. The job, instance and pod variables choose the fleet: All of each is every server.';
  return [
    fleetQuantilePanel(
      {
        title: 'CTS latency across the selected servers',
        description: `p50, p95 and p99 time of CTS operations over the combined traffic of every selected server, not the slowest server's. ${needs}`,
      },
      METRICS.ctsTasks,
      scope,
    ),
    fleetQuantilePanel(
      {
        title: 'Policy evaluation latency across the selected servers',
        description: `p50, p95 and p99 time of policy evaluations over the combined traffic of every selected server. ${needs}`,
      },
      METRICS.policyEvaluations,
      scope,
    ),
  ];
}

const FAILURE = [eq('outcome', 'failure')];
const pair = (t: { warning: number; critical: number }): [number, number] => [t.warning, t.critical];

function headlines(scope: Scope): PanelSpec[] {
  return [
    statPanel(
      { title: 'Logins', description: 'Authentication journeys completed per second, all outcomes, across the selected servers.' },
      'ops',
      sumRate(METRICS.authentication, scope, []),
    ),
    statPanel(
      {
        title: 'Login failure ratio',
        description: 'Share of authentication journeys that failed. Orange and red at the warning and critical thresholds of the AMAuthenticationFailureRatioHigh alert.',
      },
      'percentunit',
      rateRatio(METRICS.authentication, scope, [], FAILURE),
      pair(THRESHOLDS.loginFailureRatio),
    ),
    statPanel(
      { title: 'Policy evaluations', description: 'Policy evaluations per second across the selected servers.' },
      'ops',
      sumRate(METRICS.policyEvaluations, scope, []),
    ),
    statPanel(
      {
        title: 'Policy failure ratio',
        description: 'Share of policy evaluations that failed (errors, not denials). Coloured at the AMPolicyEvaluationFailureRatioHigh thresholds.',
      },
      'percentunit',
      rateRatio(METRICS.policyEvaluations, scope, [], FAILURE),
      pair(THRESHOLDS.policyFailureRatio),
    ),
    statPanel(
      { title: 'CTS operations', description: 'Core Token Service operations per second across the selected servers.' },
      'ops',
      sumRate(METRICS.ctsTasks, scope, []),
    ),
    statPanel(
      { title: 'CTS failure ratio', description: 'Share of CTS operations that failed. Coloured at the AMCtsTaskFailureRatioHigh thresholds.' },
      'percentunit',
      rateRatio(METRICS.ctsTasks, scope, [], FAILURE),
      pair(THRESHOLDS.ctsFailureRatio),
    ),
    statPanel(
      {
        title: 'CTS p99, slowest pod',
        description:
          'The highest p99 CTS latency of any selected server (quantiles are per server, so this is a maximum, not a combined p99). Coloured at the AMCtsTaskLatencyHigh thresholds.',
      },
      's',
      quantile(METRICS.ctsTasks, '0.99', scope, []),
      pair(THRESHOLDS.ctsP99Seconds),
    ),
    statPanel(
      { title: 'Tokens issued', description: 'OAuth 2.0 and OpenID Connect tokens issued per second across the selected servers.' },
      'ops',
      sumRate(METRICS.oauth2TokensIssued, scope, []),
    ),
  ];
}

/** The overview dashboard. */
export function overviewDashboard(): DashboardSpec {
  const scope = dashboardScope();
  return {
    uid: 'am-overview',
    title: 'AM / Overview',
    description:
      'ForgeRock AM and PingOne AIC at a glance: logins, authorization, denylist, CTS, OAuth 2.0 and sessions. Each section links to its family dashboard through the AM dashboards menu.',
    tags: ['overview'],
    variables: sourceVariables(METRICS.authentication),
    sections: [
      { title: 'At a glance', panels: headlines(scope) },
      { title: 'Authentication', panels: [loginsPanel(scope), uniqueUsersPanel(scope)] },
      { title: 'Authorization', panels: [evaluationsPanel(scope), evaluationLatencyPanel(scope)] },
      { title: 'Denylist', panels: [checksPanel(scope), cacheHitRatioPanel(scope)] },
      { title: 'CTS', panels: [operationsPanel(scope, ['outcome']), latencyPanel(scope)] },
      { title: 'OAuth 2.0', panels: [grantsPanel(scope), tokensIssuedPanel(scope)] },
      { title: 'Sessions', panels: [sessionOperationsPanel(scope, ['outcome']), sessionCacheHitRatioPanel(scope)] },
      { title: 'Fleet-wide latency (timer buckets)', panels: fleetLatency(scope) },
      runtimeSection(scope),
    ],
  };
}
