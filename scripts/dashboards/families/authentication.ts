// The authentication dashboard: login journeys by outcome, failure ratios and unique users per pod.
import { METRICS } from '../../../src/metrics/catalog.js';
import type { DashboardSpec, PanelSpec, SectionSpec } from '../grafana.js';
import { SERVER_LABELS, eq, type Scope } from '../promql.js';
import { dashboardScope, gaugePanel, ratePanel, ratioPanel, sourceVariables } from '../panels.js';

const FAILURE = ['failure', [eq('outcome', 'failure')]] as const;
const TIMEOUT = ['timeout', [eq('outcome', 'timeout')]] as const;

/** Logins per second by outcome, across the selected servers. */
export function loginsPanel(scope: Scope): PanelSpec {
  const description =
    'Authentication journeys completed per second, by outcome: success, failure (wrong credentials, a node that failed the journey) or timeout (the journey was abandoned).';
  return ratePanel({ title: 'Logins by outcome', description }, METRICS.authentication, scope, ['outcome']);
}

/** Unique users per pod: each pod counts for itself, so the lines must not be added up. */
export function uniqueUsersPanel(scope: Scope): PanelSpec {
  const description =
    'Estimated number of distinct identities that logged in successfully, as each pod counts them. A user who logged in on two pods counts on both: never add these lines together.';
  return gaugePanel({ title: 'Unique users by pod', description }, METRICS.authenticationUniqueUsers, scope);
}

/** The authentication dashboard. */
export function authenticationDashboard(): DashboardSpec {
  const scope = dashboardScope();
  const sections: SectionSpec[] = [
    {
      title: 'Logins',
      panels: [
        loginsPanel(scope),
        ratioPanel(
          {
            title: 'Login failure and timeout ratio',
            description:
              'Share of authentication journeys that failed or timed out, of all journeys completed. A sudden rise in failures often means a broken identity store, a misconfigured journey or a credential-stuffing attack.',
          },
          METRICS.authentication,
          scope,
          [],
          [FAILURE, TIMEOUT],
        ),
      ],
    },
    {
      title: 'Per pod',
      panels: [
        ratePanel(
          {
            title: 'Logins by pod and outcome',
            description: 'Authentication journeys completed per second on each pod, by outcome: shows whether load is balanced and whether failures come from one pod.',
          },
          METRICS.authentication,
          scope,
          [...SERVER_LABELS, 'outcome'],
        ),
        ratioPanel(
          {
            title: 'Login failure ratio by pod',
            description:
              'Share of authentication journeys that failed, on each pod. One pod far above the others points at that pod (its connections to the identity store, its configuration) rather than at the users.',
          },
          METRICS.authentication,
          scope,
          SERVER_LABELS,
          [FAILURE],
        ),
        { ...uniqueUsersPanel(scope), width: 24 },
      ],
    },
  ];
  return {
    uid: 'am-authentication',
    title: 'AM / Authentication',
    description: 'ForgeRock AM and PingOne AIC authentication: login journeys by outcome, failure ratios and unique users per pod.',
    tags: ['authentication'],
    variables: sourceVariables(METRICS.authentication),
    sections,
  };
}
