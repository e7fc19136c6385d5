// PromQL text built from the catalogue: sample names by metric kind, selectors, rates, ratios and
// quantiles. Knows nothing of Grafana or rule files; the dashboards and the rules both compose these.
import { CATALOG, type MetricSpec } from '../../src/metrics/catalog.js';
import { TIMER_HISTOGRAM_SUFFIX } from '../../src/registry/timer.js';

export type CountedSpec = MetricSpec & { readonly kind: 'summary' | 'timer' };
export type TimerSpec = MetricSpec & { readonly kind: 'timer' };
export type ValueSpec = MetricSpec & { readonly kind: 'gauge' | 'distinct' };

/** The label Prometheus gives every scraped series, naming the scrape job: an AM environment, typically. */
export const JOB_LABEL = 'job';
/** The label AIC (and the exporter, unless told otherwise) puts on every AM series, naming the pod that wrote it. */
export const POD_LABEL = 'kubernetes_pod_name';
/** The label Prometheus gives every scraped series, naming the target (`host:port`) it came from. */
export const INSTANCE_LABEL = 'instance';
/**
 * The labels that tell one AM server from another, for per-server views: self-hosted AM writes no
 * pod label, so only the scraped instance keeps its servers apart. On Kubernetes each pod is one scrape
 * target (its own address), so grouping by the instance as well adds no series; when AIC's whole tenant
 * is one target, the pod label still splits it.
 */
export const SERVER_LABELS: readonly string[] = [POD_LABEL, INSTANCE_LABEL];
/**
 * The labels that say where a series comes from, widest first: the scrape job, the target, the pod.
 * Every scraped series has the first two; self-hosted AM writes no pod label.
 */
export const SOURCE_LABELS: readonly string[] = [JOB_LABEL, INSTANCE_LABEL, POD_LABEL];

/**
 * Where a query runs: the range of its rates (`$__rate_interval` in Grafana, `5m` in rules) and,
 * per label, the Grafana variable that filters it. A selector gets a variable's matcher only when
 * its metric has that label, so one dashboard variable filters every metric that shares the label.
 */
export interface Scope {
  readonly window: string;
  readonly variables: Readonly<Record<string, string>>;
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/;

/** `label="value"`. */
export function eq(label: string, value: string): string {
  return `${label}="${value}"`;
}

/**
 * `label=~"a|b"` (or `!~` when `negate`): one of the literal values.
 * @throws Error when a value holds a regex metacharacter; catalogue values never do.
 */
export function oneOf(label: string, values: readonly string[], negate = false): string {
  const special = values.find((value) => REGEX_SPECIAL.test(value));
  if (special !== undefined) throw new Error(`label value "${special}" would need regex escaping`);
  return `${label}${negate ? '!~' : '=~'}"${values.join('|')}"`;
}

/** `name{m1, m2}`, or the bare name without matchers. */
export function selector(sample: string, matchers: readonly string[]): string {
  return matchers.length === 0 ? sample : `${sample}{${matchers.join(', ')}}`;
}

/** `op by (a, b) (expr)`, or `op(expr)` when grouping by nothing. */
export function aggregate(op: 'sum' | 'max', by: readonly string[], expr: string): string {
  return by.length === 0 ? `${op}(${expr})` : `${op} by (${by.join(', ')}) (${expr})`;
}

/** Every sample name `metric` writes, in both naming profiles. */
export function samplesOf(metric: MetricSpec): string[] {
  switch (metric.kind) {
    case 'summary':
      return ['_count', '_sum', '_total'].map((suffix) => metric.name + suffix);
    case 'timer':
      return ['_seconds', '_seconds_sum', '_seconds_total', '_count'].map((suffix) => metric.name + suffix);
    default:
      return [metric.name];
  }
}

/**
 * Matchers that keep `metric`'s own series of `sample` where another catalogue metric writes the same
 * sample: `am_session_count` holds the session timer's operations and the timeout summary's. Picks a
 * label both metrics close over disjoint values, and writes the shorter of "one of mine" and "none of
 * theirs".
 */
export function ownSeries(metric: MetricSpec, sample: string): string[] {
  return CATALOG.filter((other) => other !== metric && samplesOf(other).includes(sample)).map((other) => {
    const label = metric.labels.find(
      (l) => l.values !== undefined && other.labels.some((o) => o.name === l.name && o.values !== undefined && o.values.every((v) => !l.values?.includes(v))),
    );
    const theirs = other.labels.find((o) => o.name === label?.name)?.values;
    if (label?.values === undefined || theirs === undefined) throw new Error(`${sample}: no label tells ${metric.kind} ${metric.name} from ${other.kind} ${other.name}`);
    const mine = oneOf(label.name, label.values);
    const notTheirs = oneOf(label.name, theirs, true);
    return mine.length <= notTheirs.length ? mine : notTheirs;
  });
}

/**
 * `label=~"$variable"` for each of `labels` that `scope` has a variable for, in the order given. Only
 * regex matchers take a variable: Grafana's All value `.*` then also matches a series without the label
 * (self-hosted AM has no pod), and several picked values arrive as `(a|b)`.
 */
export function variableMatchers(scope: Scope, labels: readonly string[]): string[] {
  return labels.filter((label) => scope.variables[label] !== undefined).map((label) => `${label}=~"$${scope.variables[label]}"`);
}

/** The matchers for `sample` of `metric` in `scope`: own-series filters, then variables (SOURCE_LABELS first), then `extra`. */
export function matchersFor(metric: MetricSpec, sample: string, scope: Scope, extra: readonly string[] = []): string[] {
  const variables = variableMatchers(scope, [...SOURCE_LABELS, ...metric.labels.map((l) => l.name)]);
  return [...ownSeries(metric, sample), ...variables, ...extra];
}

/** The event count of a summary or timer: `X_count` in every naming profile. */
export function countSample(metric: CountedSpec): string {
  return `${metric.name}_count`;
}

/** A timer's quantile gauge, `X_seconds{quantile=…}`: per instance, never to be summed. */
export function quantileSample(metric: TimerSpec): string {
  return `${metric.name}_seconds`;
}

/** A timer's total duration: `X_seconds_sum` (AM 8, AIC) and its legacy name `X_seconds_total`. */
export function durationSumSamples(metric: TimerSpec): readonly [string, string] {
  return [`${metric.name}_seconds_sum`, `${metric.name}_seconds_total`];
}

/** The sample of a gauge or distinct counter: its bare name. */
export function valueSample(metric: ValueSpec): string {
  return metric.name;
}

/** `rate(X_count{…}[window])`: events per second. */
export function countRate(metric: CountedSpec, scope: Scope, extra: readonly string[] = []): string {
  const sample = countSample(metric);
  return `rate(${selector(sample, matchersFor(metric, sample, scope, extra))}[${scope.window}])`;
}

/** Events per second summed by `by`. */
export function sumRate(metric: CountedSpec, scope: Scope, by: readonly string[], extra: readonly string[] = []): string {
  return aggregate('sum', by, countRate(metric, scope, extra));
}

/**
 * Events per second matching `part`, summed by `by`, and 0 rather than nothing for groups that
 * have traffic but none matching: `rate(part) or rate(all) * 0`. Without it a panel of failures
 * reads "No data" while all is well. `or` matches label sets ignoring the metric name.
 */
export function sumRateOrZero(metric: CountedSpec, scope: Scope, by: readonly string[], part: readonly string[]): string {
  return aggregate('sum', by, `${countRate(metric, scope, part)} or ${countRate(metric, scope)} * 0`);
}

/** The share (0 to 1) of events matching `part` among all, by `by`; 0 when none match. */
export function rateRatio(metric: CountedSpec, scope: Scope, by: readonly string[], part: readonly string[]): string {
  return `${sumRateOrZero(metric, scope, by, part)} / ${sumRate(metric, scope, by)}`;
}

/** The same share, from a recorded per-second rate `series` (already a rate: no `rate()` around it). */
export function seriesRatio(series: string, by: readonly string[], part: readonly string[]): string {
  return `${aggregate('sum', by, `${selector(series, part)} or ${series} * 0`)} / ${aggregate('sum', by, series)}`;
}

/**
 * Mean duration in seconds by `by`: total time over event count. Reads `X_seconds_sum`, or the legacy
 * `X_seconds_total` where only that exists, so one query serves both naming profiles.
 */
export function meanDuration(metric: TimerSpec, scope: Scope, by: readonly string[], extra: readonly string[] = []): string {
  const [sum, legacy] = durationSumSamples(metric).map((sample) => `rate(${selector(sample, matchersFor(metric, sample, scope, extra))}[${scope.window}])`);
  return `${aggregate('sum', by, `${sum} or ${legacy}`)} / ${sumRate(metric, scope, by, extra)}`;
}

/**
 * One quantile of a timer, the largest by `by`. Quantiles are per process and cannot be added up;
 * `by` should keep SERVER_LABELS unless the worst server is what is wanted.
 */
export function quantile(metric: TimerSpec, q: string, scope: Scope, by: readonly string[], extra: readonly string[] = []): string {
  const sample = quantileSample(metric);
  return aggregate('max', by, selector(sample, matchersFor(metric, sample, scope, [eq('quantile', q), ...extra])));
}

/** A timer's histogram buckets, `X_duration_seconds_bucket` (written with `--timer-buckets`): these add up across pods. */
export function bucketSample(metric: TimerSpec): string {
  return `${metric.name}${TIMER_HISTOGRAM_SUFFIX}_bucket`;
}

/** The same histogram as Prometheus stores it when it scrapes native histograms: `X_duration_seconds`. */
export function nativeHistogramSample(metric: TimerSpec): string {
  return `${metric.name}${TIMER_HISTOGRAM_SUFFIX}`;
}

/**
 * One quantile of a timer over every selected server together, from its buckets: from the classic
 * `X_duration_seconds_bucket` series, or else from the native histogram `X_duration_seconds` (when
 * Prometheus runs with native histograms). Unlike `quantile`, this is the quantile of the pods'
 * combined traffic; it needs the timer-buckets option.
 */
export function fleetQuantile(metric: TimerSpec, q: string, scope: Scope, by: readonly string[], extra: readonly string[] = []): string {
  const rateOf = (sample: string): string => `rate(${selector(sample, matchersFor(metric, sample, scope, extra))}[${scope.window}])`;
  const classic = `histogram_quantile(${q}, ${aggregate('sum', ['le', ...by], rateOf(bucketSample(metric)))})`;
  const native = `histogram_quantile(${q}, ${aggregate('sum', by, rateOf(nativeHistogramSample(metric)))})`;
  return `${classic} or ${native}`;
}

/** A gauge or distinct counter, aggregated by `by` with `op` (`max` for per-instance values). */
export function value(metric: ValueSpec, scope: Scope, op: 'sum' | 'max', by: readonly string[]): string {
  const sample = valueSample(metric);
  return aggregate(op, by, selector(sample, matchersFor(metric, sample, scope)));
}

/**
 * `expr` over several lines, breaking before each top-level `/`, `and` and `unless`, for rule files
 * read by people. Parentheses, braces, brackets and quoted strings are never broken.
 */
export function multiline(expr: string): string {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i] ?? '';
    if (quoted) quoted = !(c === '"' && expr[i - 1] !== '\\');
    else if (c === '"') quoted = true;
    else if ('({['.includes(c)) depth++;
    else if (')}]'.includes(c)) depth--;
    else if (depth === 0 && c === ' ' && /^ (\/|and|unless) /.test(expr.slice(i, i + 8))) {
      parts.push(expr.slice(start, i));
      start = i + 1;
    }
  }
  return [...parts, expr.slice(start)].join('\n');
}
