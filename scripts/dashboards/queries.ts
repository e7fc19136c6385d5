// Every PromQL expression the dashboards and rules hold, as Prometheus can evaluate it: for tests that
// check names and syntax, and for a live check against a Prometheus that scrapes the simulator.
import { renderDashboard, type DashboardSpec } from './grafana.js';
import { dashboardPath, dashboards } from './generate.js';
import { isAlert, type Rule } from './rule-file.js';
import { ruleFiles } from './rules.js';

/** One expression, where it lives and how to run it. */
export interface LiveQuery {
  /** The file holding it, from the repository root. */
  readonly file: string;
  /** A panel's query, a template variable's series selector, a recording rule or an alert. */
  readonly kind: 'panel' | 'variable' | 'recording' | 'alert';
  /** `<panel title> / <refId>`, the variable's name, or the rule's record or alert name (and severity). */
  readonly name: string;
  /** The expression as the file has it, Grafana variables included. */
  readonly expr: string;
  /** The expression Prometheus can evaluate: Grafana variables replaced (see `toPromQL`). */
  readonly promql: string;
  /** Recorded series the expression reads: Prometheus must have loaded the rule files for these. */
  readonly requires: readonly string[];
}

export interface PromQLOptions {
  /** What `$__rate_interval` and `$__interval` become; `1m` unless given. */
  readonly rateInterval?: string;
  /**
   * The values picked in dashboard variables, by variable name (`{ job: ['am-eu'] }`). A variable not
   * listed here, or listed with no value, is All: `.*`.
   */
  readonly values?: Readonly<Record<string, readonly string[]>>;
}

const BUILT_IN = /\$(?:\{__(rate_interval|interval|range)\}|__(rate_interval|interval|range)\b)/g;
const USER_VARIABLE = /\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]/g;
/** What Grafana's Prometheus data source escapes in a multi-value or All variable's values (its classic escaping). */
const GRAFANA_REGEX_SPECIAL = /[$^*{}[\]+?.()|]/g;

/**
 * `values` as Grafana writes the selection of a multi-value variable (every dashboard variable is one) into a query: each value's regex
 * metacharacters escaped with a backslash that PromQL's string quoting doubles (`10.0.0.1` →
 * `10\\.0\\.0\\.1`), several values as `(a|b)`; no value is the All value `.*`.
 */
export function grafanaRegexValue(values: readonly string[]): string {
  const escaped = values.map((v) => v.replaceAll('\\', '\\\\\\\\').replace(GRAFANA_REGEX_SPECIAL, '\\\\$&'));
  if (escaped.length === 0) return '.*';
  return escaped.length === 1 ? (escaped[0] ?? '') : `(${escaped.join('|')})`;
}

/**
 * `expr` with Grafana's variables replaced as Prometheus needs them: `$__rate_interval`, `$__interval`
 * and `$__range` become a duration; a dashboard variable (`$pod`, `${pod}`, `${pod:regex}`, `[[pod]]`)
 * becomes its values in `options.values` as Grafana writes them (see `grafanaRegexValue`), or `.*`,
 * which means "All" inside the `=~` matchers where the dashboards use them.
 */
export function toPromQL(expr: string, options: PromQLOptions = {}): string {
  const interval = options.rateInterval ?? '1m';
  return expr
    .replace(BUILT_IN, interval)
    .replace(USER_VARIABLE, (_match, braced?: string, plain?: string, bracketed?: string) =>
      grafanaRegexValue(options.values?.[braced ?? plain ?? bracketed ?? ''] ?? []),
    );
}

/** `label_values(selector, label)` → `selector`, which Prometheus can evaluate; undefined otherwise. */
export function labelValuesSelector(query: string): string | undefined {
  return /^label_values\((.*),\s*\w+\)$/s.exec(query.trim())?.[1];
}

/** Every panel query and template variable of one dashboard, variables first. */
export function dashboardQueries(dashboard: DashboardSpec, options: PromQLOptions = {}): LiveQuery[] {
  const file = dashboardPath(dashboard);
  const json = renderDashboard(dashboard) as {
    panels: { title: string; targets?: { expr: string; refId: string }[] }[];
    templating: { list: { name: string; definition: string }[] };
  };
  const panels = json.panels.flatMap((panel) =>
    (panel.targets ?? []).map((t): LiveQuery => ({
      file,
      kind: 'panel',
      name: `${panel.title} / ${t.refId}`,
      expr: t.expr,
      promql: toPromQL(t.expr, options),
      requires: [],
    })),
  );
  const variables = json.templating.list.map((v): LiveQuery => {
    const selector = labelValuesSelector(v.definition);
    if (selector === undefined) throw new Error(`${file}: variable ${v.name} is not a label_values query`);
    return { file, kind: 'variable', name: v.name, expr: v.definition, promql: toPromQL(selector, options), requires: [] };
  });
  return [...variables, ...panels];
}

function ruleQuery(file: string, rule: Rule, recorded: ReadonlySet<string>): LiveQuery {
  const names = rule.expr.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  const requires = [...new Set(names.filter((name) => recorded.has(name)))];
  const name = isAlert(rule) ? `${rule.alert} (${rule.labels.severity})` : rule.record;
  return { file, kind: isAlert(rule) ? 'alert' : 'recording', name, expr: rule.expr, promql: rule.expr, requires };
}

/**
 * Every dashboard query and template variable, then every recording rule and alert, in file order.
 * Panel queries read only AM's own samples; rules may read recorded series, listed in `requires`.
 */
export function liveQueries(options: PromQLOptions = {}): readonly LiveQuery[] {
  const files = ruleFiles();
  const recorded = new Set(files.flatMap((f) => f.groups.flatMap((g) => g.rules.flatMap((r) => (isAlert(r) ? [] : [r.record])))));
  const rules = files.flatMap((f) => f.groups.flatMap((g) => g.rules.map((r) => ruleQuery(f.path, r, recorded))));
  return [...dashboards().flatMap((d) => dashboardQueries(d, options)), ...rules];
}
