// Every file under grafana-dashboards/ that `npm run dashboards` writes, rendered in memory: the
// drift test compares these with the committed files byte for byte. Writing is the script's job.
import { renderDatadogDashboard } from './datadog.js';
import { renderDashboard, stableJson, type DashboardSpec } from './grafana.js';
import { apiRequestsDashboard } from './families/api-requests.js';
import { authenticationDashboard } from './families/authentication.js';
import { authorizationDashboard } from './families/authorization.js';
import { ctsDashboard } from './families/cts.js';
import { datadogApiRequestsDashboard } from './families/datadog-api-requests.js';
import { denylistDashboard } from './families/denylist.js';
import { oauth2Dashboard } from './families/oauth2.js';
import { overviewDashboard } from './families/overview.js';
import { scriptCacheDashboard } from './families/script.js';
import { sessionDashboard } from './families/session.js';
import { renderRuleFile } from './rule-file.js';
import { ruleFiles } from './rules.js';

/** The folder, from the repository root, that holds the generated dashboards and rules. */
export const OUTPUT_DIR = 'grafana-dashboards';
/** The folder, from the repository root, that holds the generated Datadog dashboards. */
export const DATADOG_OUTPUT_DIR = 'datadog-dashboards';

/** The overview and one dashboard per AM family, in that order. */
export function dashboards(): readonly DashboardSpec[] {
  return [
    overviewDashboard(),
    authenticationDashboard(),
    authorizationDashboard(),
    denylistDashboard(),
    ctsDashboard(),
    oauth2Dashboard(),
    sessionDashboard(),
    scriptCacheDashboard(),
  ];
}

/**
 * Dashboards of what metric streams push (Auth0's API request metric through OTLP or remote write),
 * read from the receiving data source rather than from a scrape of AM; listed apart from `dashboards()`,
 * whose queries the end-to-end test runs against a Prometheus scraping the simulator.
 */
export function streamDashboards(): readonly DashboardSpec[] {
  return [apiRequestsDashboard()];
}

/** The Datadog dashboards, by path from the repository root. */
export function datadogDashboards(): ReadonlyMap<string, ReturnType<typeof datadogApiRequestsDashboard>> {
  return new Map([[`${DATADOG_OUTPUT_DIR}/auth0-api-requests.json`, datadogApiRequestsDashboard()]]);
}

/** The path of a dashboard's JSON from the repository root: `grafana-dashboards/<uid>.json`. */
export function dashboardPath(dashboard: DashboardSpec): string {
  return `${OUTPUT_DIR}/${dashboard.uid}.json`;
}

/** Every generated file, path (from the repository root) to content, in a fixed order. */
export function generateFiles(): ReadonlyMap<string, string> {
  const files = new Map<string, string>();
  for (const dashboard of [...dashboards(), ...streamDashboards()]) files.set(dashboardPath(dashboard), stableJson(renderDashboard(dashboard)));
  for (const [path, dashboard] of datadogDashboards()) files.set(path, stableJson(renderDatadogDashboard(dashboard)));
  for (const file of ruleFiles()) files.set(file.path, renderRuleFile(file));
  return files;
}
