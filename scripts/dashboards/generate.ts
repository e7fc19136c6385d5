// Every file under grafana-dashboards/ that `npm run dashboards` writes, rendered in memory: the
// drift test compares these with the committed files byte for byte. Writing is the script's job.
import { renderDashboard, stableJson, type DashboardSpec } from './grafana.js';
import { authenticationDashboard } from './families/authentication.js';
import { authorizationDashboard } from './families/authorization.js';
import { ctsDashboard } from './families/cts.js';
import { denylistDashboard } from './families/denylist.js';
import { oauth2Dashboard } from './families/oauth2.js';
import { overviewDashboard } from './families/overview.js';
import { scriptCacheDashboard } from './families/script.js';
import { sessionDashboard } from './families/session.js';
import { renderRuleFile } from './rule-file.js';
import { ruleFiles } from './rules.js';

/** The folder, from the repository root, that holds the generated dashboards and rules. */
export const OUTPUT_DIR = 'grafana-dashboards';

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

/** The path of a dashboard's JSON from the repository root: `grafana-dashboards/<uid>.json`. */
export function dashboardPath(dashboard: DashboardSpec): string {
  return `${OUTPUT_DIR}/${dashboard.uid}.json`;
}

/** Every generated file, path (from the repository root) to content, in a fixed order. */
export function generateFiles(): ReadonlyMap<string, string> {
  const files = new Map<string, string>();
  for (const dashboard of dashboards()) files.set(dashboardPath(dashboard), stableJson(renderDashboard(dashboard)));
  for (const file of ruleFiles()) files.set(file.path, renderRuleFile(file));
  return files;
}
