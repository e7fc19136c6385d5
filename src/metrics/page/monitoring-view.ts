// What the built-in monitoring page shows of each AM family, computed from one collection: current
// rates by one label and the latency of the family's main timer. Pure; serving it is monitoring-page.ts's job.
import { METRICS, type FamilyName, type MetricSpec } from '../catalog.js';
import type { Labels } from '../../registry/labels.js';
import type { CountSum, FamilySnapshot, TimerSeries } from '../../registry/collection.js';
import { millis, type JsonNumber } from '../../exposition/am-json/json-view.js';

/** Events per second of one value of the grouping label, from the 1-minute moving averages. */
export interface RateGroup {
  readonly value: string;
  readonly perSecond: number;
}

/** A family's current rates: every series of `metric`, summed by the value of `label`. */
export interface RatesView {
  readonly metric: string;
  readonly label: string;
  /** What is counted, per second: `logins/s`, `operations/s`. */
  readonly unit: string;
  readonly total: number;
  /** Values with at least one series, in the catalogue's order of the label's values. */
  readonly groups: readonly RateGroup[];
}

/**
 * Quantiles in milliseconds of the busiest series of a family's main timer (highest 1-minute rate,
 * then highest count): series record separate sketches, which a snapshot cannot merge. A quantile is
 * `null` when the series' window is idle; all are `null`, with no labels, before the timer's first series.
 */
export interface LatencyView {
  readonly metric: string;
  /** The series' own labels (default labels such as the pod name left out). */
  readonly labels: Labels;
  readonly p50: JsonNumber;
  readonly p95: JsonNumber;
  readonly p99: JsonNumber;
}

/** One family's section of the page; `latency` is null when the family has no timer. */
export interface FamilyView {
  readonly family: FamilyName;
  readonly title: string;
  readonly rates: RatesView;
  readonly latency: LatencyView | null;
}

/** The body of the page's JSON endpoint. */
export interface MonitoringView {
  readonly families: readonly FamilyView[];
}

interface Panel {
  readonly family: FamilyName;
  readonly title: string;
  readonly rates: { readonly metric: MetricSpec; readonly label: string; readonly unit: string };
  readonly latency?: MetricSpec;
}

/**
 * Per family, the metric whose rates lead its section and its main timer (authentication has none).
 * The script cache family has no section: its metrics are gauges, with no rates or latency to show.
 */
const PANELS: readonly Panel[] = [
  { family: 'authentication', title: 'Authentication', rates: { metric: METRICS.authentication, label: 'outcome', unit: 'logins/s' } },
  {
    family: 'authorization',
    title: 'Authorization',
    rates: { metric: METRICS.policyEvaluations, label: 'outcome', unit: 'evaluations/s' },
    latency: METRICS.policyEvaluations,
  },
  { family: 'denylist', title: 'Denylist', rates: { metric: METRICS.denylistChecks, label: 'outcome', unit: 'checks/s' }, latency: METRICS.denylistSearches },
  { family: 'cts', title: 'CTS', rates: { metric: METRICS.ctsTasks, label: 'operation', unit: 'operations/s' }, latency: METRICS.ctsTasks },
  { family: 'oauth2', title: 'OAuth 2.0', rates: { metric: METRICS.oauth2TokensIssued, label: 'token_type', unit: 'tokens/s' }, latency: METRICS.oauth2TokenReadsAsJwt },
  { family: 'session', title: 'Sessions', rates: { metric: METRICS.sessionOperations, label: 'operation', unit: 'operations/s' }, latency: METRICS.sessionOperations },
];

/**
 * The page's view of `families`: one entry per AM family with a section (PANELS), in catalogue order.
 * A metric missing from the collection (not installed, or its gauge failed) reads as no traffic.
 */
export function monitoringView(families: readonly FamilySnapshot[]): MonitoringView {
  return {
    families: PANELS.map((panel) => ({
      family: panel.family,
      title: panel.title,
      rates: ratesView(panel.rates, seriesOf(families, panel.rates.metric)),
      latency: panel.latency === undefined ? null : latencyView(panel.latency, timerSeriesOf(families, panel.latency)),
    })),
  };
}

/** The series of summary or timer `spec` (matched by name and kind: `am_session` is both). */
function seriesOf(families: readonly FamilySnapshot[], spec: MetricSpec): readonly CountSum[] {
  const family = families.find((f) => f.kind === spec.kind && f.descriptor.name === spec.name);
  return family?.kind === 'summary' || family?.kind === 'timer' ? family.series : [];
}

function timerSeriesOf(families: readonly FamilySnapshot[], spec: MetricSpec): readonly TimerSeries[] {
  const family = families.find((f) => f.kind === 'timer' && f.descriptor.name === spec.name);
  return family?.kind === 'timer' ? family.series : [];
}

function ratesView(rates: Panel['rates'], series: readonly CountSum[]): RatesView {
  const sums = new Map<string, number>();
  for (const s of series) {
    const value = s.labels[rates.label] ?? '';
    sums.set(value, (sums.get(value) ?? 0) + finiteOrZero(s.rates.m1));
  }
  const order = rates.metric.labels.find((l) => l.name === rates.label)?.values ?? [];
  const rank = (value: string): number => (order.includes(value) ? order.indexOf(value) : order.length);
  const groups = [...sums].map(([value, perSecond]) => ({ value, perSecond }));
  groups.sort((a, b) => rank(a.value) - rank(b.value) || a.value.localeCompare(b.value));
  const total = groups.reduce((sum, g) => sum + g.perSecond, 0);
  return { metric: rates.metric.name, label: rates.label, unit: rates.unit, total, groups };
}

function latencyView(spec: MetricSpec, series: readonly TimerSeries[]): LatencyView {
  let busiest: TimerSeries | undefined;
  for (const s of series) {
    if (busiest === undefined || isBusier(s, busiest)) busiest = s;
  }
  if (busiest === undefined) return { metric: spec.name, labels: {}, p50: null, p95: null, p99: null };
  const { labels, quantiles: q } = busiest;
  const own = Object.fromEntries(spec.labels.map((l) => [l.name, labels[l.name] ?? '']));
  const at = (quantile: number): JsonNumber => millis(q.find((v) => v.quantile === quantile)?.value ?? NaN);
  return { metric: spec.name, labels: own, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

function isBusier(a: TimerSeries, b: TimerSeries): boolean {
  const rateA = finiteOrZero(a.rates.m1);
  const rateB = finiteOrZero(b.rates.m1);
  return rateA !== rateB ? rateA > rateB : a.count > b.count;
}

function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
