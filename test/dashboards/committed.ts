// The committed dashboards as Grafana reads them, and the catalogue's legal sample names and labels,
// derived here from CATALOG with AM's suffix rules (both naming profiles), not from the generator.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG } from '../../src/metrics/catalog.js';
import { TIMER_QUANTILES } from '../../src/registry/collection.js';
import { Registry } from '../../src/index.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DASHBOARD_DIR = 'grafana-dashboards';
export const RULES_DIR = 'grafana-dashboards/rules';
export const DATADOG_DIR = 'datadog-dashboards';
/** Uids of the dashboards of what metric streams push (scripts/dashboards `streamDashboards()`); the others read AM's scrape. */
export const STREAM_DASHBOARD_UIDS: ReadonlySet<string> = new Set(['auth0-api-requests']);

export interface TargetJson {
  readonly expr: string;
  readonly refId: string;
  readonly legendFormat?: string;
  readonly datasource?: { type: string; uid: string };
}
export interface PanelJson {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly datasource?: { type: string; uid: string };
  readonly gridPos?: { h: number; w: number; x: number; y: number };
  readonly fieldConfig?: { defaults?: { unit?: string } };
  readonly targets?: readonly TargetJson[];
  readonly panels?: readonly PanelJson[];
}
export interface VariableJson {
  readonly name: string;
  readonly type: string;
  readonly definition: string;
  readonly query: { query: string };
  readonly datasource: { type: string; uid: string };
  readonly multi: boolean;
  readonly includeAll: boolean;
  readonly allValue?: string;
}
export interface DashboardJson {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly __inputs: readonly { name: string; type: string; pluginId: string }[];
  readonly __requires: readonly { type: string; id: string }[];
  readonly panels: readonly PanelJson[];
  readonly templating: { readonly list: readonly VariableJson[] };
}

/** Files of `dir` (from the repository root) ending in `suffix`, as repository paths, sorted. */
export function filesIn(dir: string, suffix: string): string[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => `${dir}/${f}`);
}

export function readCommitted(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

function parsedDashboards(): { readonly path: string; readonly json: DashboardJson }[] {
  return filesIn(DASHBOARD_DIR, '.json').map((path) => ({ path, json: JSON.parse(readCommitted(path)) as DashboardJson }));
}

/** Every committed dashboard of AM's metrics (read from a scrape of AM), parsed. */
export function committedDashboards(): { readonly path: string; readonly json: DashboardJson }[] {
  return parsedDashboards().filter((d) => !STREAM_DASHBOARD_UIDS.has(d.json.uid));
}

/** The committed dashboards of what metric streams push, parsed. */
export function committedStreamDashboards(): { readonly path: string; readonly json: DashboardJson }[] {
  return parsedDashboards().filter((d) => STREAM_DASHBOARD_UIDS.has(d.json.uid));
}

/** Panels, including those nested in collapsed rows. */
export function allPanels(dashboard: DashboardJson): PanelJson[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every string under a key named `expr`, anywhere in `json`: what Grafana would send as a query. */
export function everyExpr(json: unknown): string[] {
  if (Array.isArray(json)) return json.flatMap(everyExpr);
  if (json === null || typeof json !== 'object') return [];
  return Object.entries(json).flatMap(([key, value]) => (key === 'expr' && typeof value === 'string' ? [value] : everyExpr(value)));
}

/** A sample name's labels: closed value sets, or undefined for any value. */
export type SampleLabels = ReadonlyMap<string, readonly string[] | undefined>;

/**
 * The sample names a catalogue metric writes in either profile, flagging the quantile gauge and the
 * buckets of a timer's histogram (written with the timer-buckets option).
 */
export function samplesOf(name: string, kind: string): { sample: string; quantile: boolean; bucket?: boolean }[] {
  switch (kind) {
    case 'summary':
      return ['_count', '_sum', '_total'].map((s) => ({ sample: name + s, quantile: false }));
    case 'timer':
      return [
        { sample: `${name}_seconds`, quantile: true },
        ...['_seconds_sum', '_seconds_total', '_count', '_duration_seconds', '_duration_seconds_sum', '_duration_seconds_count'].map((s) => ({
          sample: name + s,
          quantile: false,
        })),
        { sample: `${name}_duration_seconds_bucket`, quantile: false, bucket: true },
      ];
    default:
      return [{ sample: name, quantile: false }];
  }
}

/**
 * Every sample name AM writes for the catalogue, in the AIC/AM 8 and legacy profiles (and, for timers,
 * the histogram of the timer-buckets option, classic or native), with its labels:
 * the catalogue's, `kubernetes_pod_name`, `quantile` on timer quantiles, and the target labels
 * Prometheus adds (`job`, `instance`). Metrics sharing a sample name pool their labels and values.
 */
export function catalogueSamples(): ReadonlyMap<string, SampleLabels> {
  const samples = new Map<string, Map<string, readonly string[] | undefined>>();
  for (const metric of CATALOG) {
    for (const { sample, quantile, bucket } of samplesOf(metric.name, metric.kind)) {
      const labels =
        samples.get(sample) ??
        new Map<string, readonly string[] | undefined>([
          ['kubernetes_pod_name', undefined],
          ['job', undefined],
          ['instance', undefined],
        ]);
      if (quantile) labels.set('quantile', TIMER_QUANTILES.map(String));
      if (bucket === true) labels.set('le', undefined);
      for (const label of metric.labels) {
        const known = labels.has(label.name) ? labels.get(label.name) : [];
        labels.set(label.name, known === undefined || label.values === undefined ? undefined : [...new Set([...known, ...label.values])]);
      }
      samples.set(sample, labels);
    }
  }
  return samples;
}

/** Quantile gauges and distinct counts: values per instance that must never be summed across pods. */
export function perInstanceSamples(): ReadonlySet<string> {
  return new Set(CATALOG.flatMap((m) => (m.kind === 'timer' ? [`${m.name}_seconds`] : m.kind === 'distinct' ? [m.name] : [])));
}

/**
 * The Node.js runtime samples a registry with `runtimeMetrics()` writes, with their labels, from a
 * live collection in this process: the names are prom-client's, outside the AM catalogue.
 */
export async function runtimeSamples(): Promise<ReadonlyMap<string, SampleLabels>> {
  const { families } = await new Registry().runtimeMetrics().collect();
  const samples = new Map<string, SampleLabels>();
  for (const { kind, descriptor } of families) {
    const labels = new Map<string, readonly string[] | undefined>(['kubernetes_pod_name', 'job', 'instance', ...descriptor.labelNames].map((l) => [l, undefined]));
    const names = kind === 'counter' ? [`${descriptor.name}_total`] : kind === 'histogram' ? ['_sum', '_count'].map((s) => descriptor.name + s) : [descriptor.name];
    for (const name of names) samples.set(name, labels);
    if (kind === 'histogram') samples.set(`${descriptor.name}_bucket`, new Map([...labels, ['le', undefined]]));
  }
  return samples;
}
