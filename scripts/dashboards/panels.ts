// Panel and variable shapes the AM dashboards repeat: event rates, ratios, per-pod quantiles and
// gauges, each over a catalogue metric. The dashboards in families/ choose which to show.
import type { MetricSpec } from '../../src/metrics/catalog.js';
import type { PanelSpec, Target, Unit, VariableSpec } from './grafana.js';
import {
  INSTANCE_LABEL,
  JOB_LABEL,
  POD_LABEL,
  SERVER_LABELS,
  countSample,
  fleetQuantile,
  matchersFor,
  meanDuration,
  quantile,
  rateRatio,
  selector,
  sumRate,
  sumRateOrZero,
  value,
  valueSample,
  type CountedSpec,
  type Scope,
  type TimerSpec,
  type ValueSpec,
  variableMatchers,
} from './promql.js';

/** The range of every dashboard rate: Grafana's, at least four scrape intervals. */
export const DASHBOARD_WINDOW = '$__rate_interval';
/** Quantiles the latency panels draw, of the six every AM timer exports. */
const PANEL_QUANTILES = ['0.5', '0.95', '0.99'] as const;

/** The job, instance and pod variables, widest first as in SOURCE_LABELS: the label each filters, its name and its text. */
const SOURCES: readonly Omit<VariableSpec, 'selector'>[] = [
  {
    labelName: JOB_LABEL,
    name: 'job',
    label: 'Job',
    description: 'Prometheus scrape jobs to show: an AM environment each, as your scrape configuration names them.',
  },
  {
    labelName: INSTANCE_LABEL,
    name: 'instance',
    label: 'Instance',
    description: 'Scrape targets (host:port) to show, within the selected jobs: a self-hosted AM server each; on Kubernetes, a pod each.',
  },
  {
    labelName: POD_LABEL,
    name: 'pod',
    label: 'Pod',
    description: 'AM pods (kubernetes_pod_name) to show, within the selected jobs and instances. Self-hosted AM writes no pod label: All still shows its servers.',
  },
];

/** A dashboard's scope: its rates over `$__rate_interval`, filtered by the job, instance and pod variables and the `labels` ones. */
export function dashboardScope(labels: readonly string[] = []): Scope {
  const variables = [...SOURCES.map((s) => [s.labelName, s.name] as const), ...labels.map((l) => [l, l] as const)];
  return { window: DASHBOARD_WINDOW, variables: Object.fromEntries(variables) };
}

/**
 * `{{a}} {{b}}`: a legend naming each series by `labels`, or `otherwise` for a single series. A label a
 * series lacks prints as nothing, so a server reads as its pod on Kubernetes and its instance when self-hosted.
 */
export function legendOf(labels: readonly string[], otherwise = ''): string {
  return labels.length === 0 ? otherwise : labels.map((label) => `{{${label}}}`).join(' ');
}

function sampleFor(metric: MetricSpec): string {
  return metric.kind === 'gauge' || metric.kind === 'distinct' ? valueSample(metric as ValueSpec) : countSample(metric as CountedSpec);
}

/**
 * The job, instance and pod selectors, in that order, each listing the values `metric` has within the
 * selections before it: a job's instances, then those instances' pods. Pod follows instance because
 * an AIC tenant scraped as one target has many pods behind one instance, and on Kubernetes, where each
 * pod is its own target, a picked instance leaves exactly its pod; a pod outside the picked instances
 * would only draw nothing. Every dashboard lists what its own family's metric has, so a job without
 * that family's data is not offered.
 */
export function sourceVariables(metric: MetricSpec): VariableSpec[] {
  const sample = sampleFor(metric);
  const scope = dashboardScope();
  return SOURCES.map((source, i) => {
    const wider = SOURCES.slice(0, i).map((s) => s.labelName);
    return { ...source, selector: selector(sample, variableMatchers(scope, wider)) };
  });
}

/** A selector over the values of `labelName` that `metric` has on the selected jobs, instances and pods. */
export function labelVariable(metric: MetricSpec, labelName: string, label: string, description: string): VariableSpec {
  const sample = sampleFor(metric);
  return { name: labelName, label, description, selector: selector(sample, matchersFor(metric, sample, dashboardScope())), labelName };
}

interface Text {
  readonly title: string;
  readonly description: string;
}

/** Events per second summed by `by`, one line per group; `extra` narrows the events. */
export function ratePanel(text: Text, metric: CountedSpec, scope: Scope, by: readonly string[], extra: readonly string[] = []): PanelSpec {
  return { type: 'timeseries', ...text, unit: 'ops', targets: [{ expr: sumRate(metric, scope, by, extra), legend: legendOf(by, 'all') }] };
}

/** Events matching `part` per second by `by`, drawn at 0 while there are none (failures, say). */
export function partRatePanel(text: Text, metric: CountedSpec, scope: Scope, by: readonly string[], part: readonly string[]): PanelSpec {
  return { type: 'timeseries', ...text, unit: 'ops', targets: [{ expr: sumRateOrZero(metric, scope, by, part), legend: legendOf(by, 'all') }] };
}

/** The share of events matching each `parts` entry, by `by`, as a 0–1 ratio. */
export function ratioPanel(text: Text, metric: CountedSpec, scope: Scope, by: readonly string[], parts: readonly (readonly [string, readonly string[]])[]): PanelSpec {
  const targets = parts.map(([name, part]): Target => ({ expr: rateRatio(metric, scope, by, part), legend: `${legendOf(by)} ${name}`.trim() }));
  return { type: 'timeseries', ...text, unit: 'percentunit', targets };
}

/** A timer's p50, p95 and p99, the largest by `by` (the server at least: quantiles are per process). */
export function quantilePanel(
  text: Text,
  metric: TimerSpec,
  scope: Scope,
  by: readonly string[] = SERVER_LABELS,
  quantiles: readonly string[] = PANEL_QUANTILES,
): PanelSpec {
  const targets = quantiles.map((q): Target => ({ expr: quantile(metric, q, scope, by), legend: `${legendOf(by)} p${q.slice(2).padEnd(2, '0')}`.trim() }));
  return { type: 'timeseries', ...text, unit: 's', targets };
}

/** A timer's p50, p95 and p99 over the selected servers' combined traffic, by `by`, from its buckets. */
export function fleetQuantilePanel(text: Text, metric: TimerSpec, scope: Scope, by: readonly string[] = [], quantiles: readonly string[] = PANEL_QUANTILES): PanelSpec {
  const targets = quantiles.map((q): Target => ({ expr: fleetQuantile(metric, q, scope, by), legend: `${legendOf(by)} p${q.slice(2).padEnd(2, '0')}`.trim() }));
  return { type: 'timeseries', ...text, unit: 's', targets };
}

/** Mean duration in seconds by `by`: rate of total time over rate of events. */
export function meanPanel(text: Text, metric: TimerSpec, scope: Scope, by: readonly string[], extra: readonly string[] = []): PanelSpec {
  return { type: 'timeseries', ...text, unit: 's', targets: [{ expr: meanDuration(metric, scope, by, extra), legend: legendOf(by, 'mean') }] };
}

/** A gauge or distinct counter per server (and `by`), never added across servers. */
export function gaugePanel(text: Text, metric: ValueSpec, scope: Scope, by: readonly string[] = [], unit: Unit = 'short'): PanelSpec {
  const groups = [...SERVER_LABELS, ...by];
  return { type: 'timeseries', ...text, unit, targets: [{ expr: value(metric, scope, 'max', groups), legend: legendOf(groups) }] };
}

/** A single current number; `thresholds` colour it orange, then red. */
export function statPanel(text: Text, unit: Unit, expr: string, thresholds?: readonly [number, number]): PanelSpec {
  return { type: 'stat', ...text, unit, targets: [{ expr, legend: text.title }], ...(thresholds === undefined ? {} : { thresholds }) };
}
