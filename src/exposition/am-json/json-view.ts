// AM's JSON view of the metrics (`/json/metrics/api`): one CREST-style entry per series, with the rates
// and millisecond durations AM's Dropwizard-based API shows. Pure: filtering input comes parsed.
import type { Labels } from '../../registry/labels.js';
import type { Collection, CountSum, FamilySnapshot, HistogramSeries, QuantileValue, TimerSeries } from '../../registry/collection.js';
import type { IdFilter } from './query-filter.js';

/** JSON has no NaN or infinities: such values (an idle timer's quantiles) are written as `null`. */
export type JsonNumber = number | null;

/** What every entry carries: its id, its type, the metric name and the full label set (default labels too). */
export interface JsonEntryBase {
  readonly _id: string;
  readonly _type: 'summary' | 'timer' | 'histogram' | 'gauge' | 'distinctCounter' | 'counter';
  readonly name: string;
  readonly labels: Labels;
}

/** A summary series: event count, summed amount, events per second. */
export interface JsonSummaryEntry extends JsonEntryBase {
  readonly count: number;
  readonly total: JsonNumber;
  readonly mean_rate: JsonNumber;
  readonly m1_rate: JsonNumber;
  readonly m5_rate: JsonNumber;
  readonly m15_rate: JsonNumber;
  readonly rate_units: 'events/second';
}

/** A timer series: as a summary, plus durations in milliseconds (`total` is the summed duration). */
export interface JsonTimerEntry extends Omit<JsonSummaryEntry, 'rate_units'> {
  readonly min: JsonNumber;
  readonly max: JsonNumber;
  readonly mean: JsonNumber;
  readonly p50: JsonNumber;
  readonly p75: JsonNumber;
  readonly p95: JsonNumber;
  readonly p98: JsonNumber;
  readonly p99: JsonNumber;
  readonly p999: JsonNumber;
  readonly rate_units: 'calls/second';
  readonly duration_units: 'milliseconds';
}

/**
 * A histogram series (not AM's: a timer's buckets with the `timerBuckets` option, or a runtime metric):
 * every observation since the series started, `total` their sum and `buckets` the cumulative count at
 * most each finite bound `le`, both in milliseconds as the timers' durations; `count` is the `+Inf` bucket.
 */
export interface JsonHistogramEntry extends JsonEntryBase {
  readonly count: number;
  readonly total: JsonNumber;
  readonly buckets: readonly { readonly le: JsonNumber; readonly count: number }[];
  readonly duration_units: 'milliseconds';
}

/** A gauge, a distinct counter's estimate, or (`counter`, with `count`) one of the registry's own counters. */
export type JsonValueEntry = JsonEntryBase & ({ readonly value: JsonNumber } | { readonly count: JsonNumber });

export type JsonEntry = JsonSummaryEntry | JsonTimerEntry | JsonHistogramEntry | JsonValueEntry;

/** A CREST query response for an unpaged query. */
export interface JsonQueryResult {
  readonly result: readonly JsonEntry[];
  readonly resultCount: number;
  readonly pagedResultsCookie: null;
  readonly totalPagedResultsPolicy: 'NONE';
  readonly totalPagedResults: -1;
  readonly remainingPagedResults: -1;
}

type QuantileField = 'p50' | 'p75' | 'p95' | 'p98' | 'p99' | 'p999';

/** AM's field name of a quantile: `p` and its percentage without the point (0.999 → `p999`). */
export function quantileField(quantile: number): string {
  return `p${String(Math.round(quantile * 1e6) / 1e4).replace('.', '')}`;
}

/**
 * The `_id` of a series: the metric name, then each of its own label values in the order the metric
 * declared its label names, joined by dots (`am_cts_task.create.success.session`). Default labels
 * such as `kubernetes_pod_name` are the same on every series of an instance and are left out. A `%` or
 * `.` inside a value is written `%25` or `%2E`, so ids stay unique and unambiguous.
 */
export function jsonEntryId(name: string, labelNames: readonly string[], labels: Labels): string {
  let id = name;
  for (const label of labelNames) id += `.${(labels[label] ?? '').replace(/%/g, '%25').replace(/\./g, '%2E')}`;
  return id;
}

/** Every series of `collection` kept by `filter`, as a CREST query result; labels include the resource's. */
export function jsonView(collection: Collection, filter: IdFilter): JsonQueryResult {
  const result: JsonEntry[] = [];
  for (const family of collection.families) {
    for (const entry of entriesOf(family, collection.resource)) if (filter(entry._id)) result.push(entry);
  }
  return {
    result,
    resultCount: result.length,
    pagedResultsCookie: null,
    totalPagedResultsPolicy: 'NONE',
    totalPagedResults: -1,
    remainingPagedResults: -1,
  };
}

function entriesOf(family: FamilySnapshot, resource: Labels): JsonEntry[] {
  const { name, labelNames } = family.descriptor;
  const base = (type: JsonEntryBase['_type'], labels: Labels): JsonEntryBase => ({
    _id: jsonEntryId(name, labelNames, labels),
    _type: type,
    name,
    labels: { ...resource, ...labels },
  });
  switch (family.kind) {
    case 'summary':
      return family.series.map((s) => ({ ...base('summary', s.labels), ...counts(s, finite(s.sum)), rate_units: 'events/second' }));
    case 'timer':
      return family.series.map((s) => timerEntry(base('timer', s.labels), s));
    case 'histogram':
      return family.series.map((s) => histogramEntry(base('histogram', s.labels), s));
    case 'counter':
      return family.series.map((p) => ({ ...base('counter', p.labels), count: finite(p.value) }));
    case 'gauge':
    case 'distinct': {
      const type = family.kind === 'gauge' ? 'gauge' : 'distinctCounter';
      return family.series.map((p) => ({ ...base(type, p.labels), value: finite(p.value) }));
    }
  }
}

function counts(series: CountSum, total: JsonNumber) {
  const { mean, m1, m5, m15 } = series.rates;
  return { count: series.count, total, mean_rate: finite(mean), m1_rate: finite(m1), m5_rate: finite(m5), m15_rate: finite(m15) };
}

function timerEntry(entry: JsonEntryBase, s: TimerSeries): JsonTimerEntry {
  const quantiles = Object.fromEntries(s.quantiles.map((q: QuantileValue) => [quantileField(q.quantile), millis(q.value)]));
  return {
    ...entry,
    ...counts(s, millis(s.sum)),
    min: millis(s.min),
    max: millis(s.max),
    mean: millis(s.mean),
    ...(quantiles as Record<QuantileField, JsonNumber>),
    rate_units: 'calls/second',
    duration_units: 'milliseconds',
  };
}

function histogramEntry(entry: JsonEntryBase, s: HistogramSeries): JsonHistogramEntry {
  const buckets = s.buckets.filter((b) => Number.isFinite(b.le)).map((b) => ({ le: millis(b.le), count: b.count }));
  return { ...entry, count: s.count, total: millis(s.sum), buckets, duration_units: 'milliseconds' };
}

const MS_PER_SECOND = 1_000;
/**
 * Seconds to milliseconds as AM's JSON shows durations, rounded to the nanosecond so `0.3 s` reads
 * `300`, not `300.00000000000006`; `null` for NaN and infinities.
 */
export function millis(seconds: number): JsonNumber {
  return finite(Math.round(seconds * MS_PER_SECOND * 1e6) / 1e6);
}

function finite(value: number): JsonNumber {
  return Number.isFinite(value) ? value : null;
}
