// Panel and variable shapes the AM dashboards repeat: event rates, ratios, per-pod quantiles and
// gauges, each over a catalogue metric. The dashboards in families/ choose which to show.
import type { MetricSpec } from '../../src/metrics/catalog.js';
import type { PanelSpec, Target, Unit, VariableSpec } from './grafana.js';
import {
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
} from './promql.js';

/** The range of every dashboard rate: Grafana's, at least four scrape intervals. */
export const DASHBOARD_WINDOW = '$__rate_interval';
/** The template variable holding the selected pods. */
export const POD_VARIABLE = 'pod';
/** Quantiles the latency panels draw, of the six every AM timer exports. */
const PANEL_QUANTILES = ['0.5', '0.95', '0.99'] as const;

/** A dashboard's scope: its rates over `$__rate_interval`, filtered by the pod and the `labels` variables. */
export function dashboardScope(labels: readonly string[] = []): Scope {
  return { window: DASHBOARD_WINDOW, variables: Object.fromEntries<string>([[POD_LABEL, POD_VARIABLE], ...labels.map((l) => [l, l] as const)]) };
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

/** The pod selector, listing the pods that have written `metric`. */
export function podVariable(metric: MetricSpec): VariableSpec {
  return { name: POD_VARIABLE, label: 'Pod', description: 'AM pods (kubernetes_pod_name) to show.', selector: sampleFor(metric), labelName: POD_LABEL };
}

/** A selector over the values of `labelName` that `metric` has on the selected pods. */
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

/** A timer's p50, p95 and p99 over the selected pods' combined traffic, by `by`, from its buckets. */
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
