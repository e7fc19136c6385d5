// The authorization dashboard: policy evaluations, their latency, decisions and advice, policy changes.
import { METRICS } from '../../../src/metrics/catalog.js';
import type { DashboardSpec, PanelSpec } from '../grafana.js';
import { eq, type Scope } from '../promql.js';
import { dashboardScope, gaugePanel, labelVariable, meanPanel, quantilePanel, ratePanel, ratioPanel, sourceVariables } from '../panels.js';

/** Policy evaluations per second by outcome. */
export function evaluationsPanel(scope: Scope): PanelSpec {
  const description =
    'Policy evaluations per second, by outcome. A failure is an evaluation that could not complete (a script or condition error, an unreachable store), not a denial.';
  return ratePanel({ title: 'Policy evaluations by outcome', description }, METRICS.policyEvaluations, scope, ['outcome']);
}

/** Policy evaluation latency per pod. */
export function evaluationLatencyPanel(scope: Scope): PanelSpec {
  const description =
    'p50, p95 and p99 time to evaluate policies, on each pod (the slowest policy set there). Quantiles cover roughly the last five minutes and are per pod: they cannot be combined across pods.';
  return quantilePanel({ title: 'Policy evaluation latency by pod', description }, METRICS.policyEvaluations, scope);
}

/** The authorization dashboard. */
export function authorizationDashboard(): DashboardSpec {
  const scope = dashboardScope(['policy_set']);
  return {
    uid: 'am-authorization',
    title: 'AM / Authorization',
    description: 'ForgeRock AM and PingOne AIC authorization: policy evaluation rate, failures and latency, decisions and advice, policy changes and the subject cache.',
    tags: ['authorization'],
    variables: [
      ...sourceVariables(METRICS.policyEvaluations),
      labelVariable(METRICS.policyEvaluations, 'policy_set', 'Policy set', 'Policy sets (applications) to show.'),
    ],
    sections: [
      {
        title: 'Policy evaluations',
        panels: [
          evaluationsPanel(scope),
          ratioPanel(
            {
              title: 'Policy evaluation failure ratio by policy set',
              description: 'Share of policy evaluations that failed, per policy set. Denials are not failures; see the decisions below.',
            },
            METRICS.policyEvaluations,
            scope,
            ['policy_set'],
            [['failure', [eq('outcome', 'failure')]]],
          ),
          ratePanel(
            { title: 'Policy evaluations by policy set', description: 'Policy evaluations per second, per policy set: which applications drive authorization load.' },
            METRICS.policyEvaluations,
            scope,
            ['policy_set'],
          ),
          evaluationLatencyPanel(scope),
          {
            ...meanPanel(
              {
                title: 'Mean policy evaluation latency by policy set',
                description: 'Average time one policy evaluation took, per policy set: total evaluation time over evaluations, across the selected servers.',
              },
              METRICS.policyEvaluations,
              scope,
              ['policy_set'],
            ),
            width: 24,
          },
        ],
      },
      {
        title: 'Decisions and advice',
        panels: [
          ratePanel(
            { title: 'Actions by decision', description: 'Actions (GET, POST, …) that policy evaluations allowed or denied, per second.' },
            METRICS.policyActions,
            scope,
            ['action_type', 'outcome'],
          ),
          ratePanel(
            {
              title: 'Advice returned by type',
              description:
                'Advice returned with policy decisions per second, by type: requests for step-up authentication, a different realm or module, or a higher auth level.',
            },
            METRICS.policyAdvice,
            scope,
            ['advice_type'],
          ),
        ],
      },
      {
        title: 'Policies and caches',
        panels: [
          ratePanel(
            {
              title: 'Policy changes',
              description:
                'Policies created, updated or deleted per second, by policy set. Changes flush cached decisions, so bursts here often precede slower evaluations.',
            },
            METRICS.policyChanges,
            scope,
            ['operation', 'policy_set'],
          ),
          gaugePanel(
            { title: 'Subject cache size by pod', description: "Subject membership relationships held in each pod's policy evaluation cache." },
            METRICS.subjectCacheSize,
            scope,
          ),
        ],
      },
    ],
  };
}
