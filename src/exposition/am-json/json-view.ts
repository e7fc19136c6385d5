// AM's JSON view of the metrics (`/json/metrics/api`): one CREST-style entry per series, with the rates
// and millisecond durations AM's Dropwizard-based API shows. Pure: the query comes parsed
// (json-query.ts), ids come from the caller (AM's come from the catalogue), bytes from java-json.ts.
import type { Labels } from '../../registry/labels.js';
import type { Collection, CountSum, FamilySnapshot, HistogramSeries, QuantileValue, SeriesBase, TimerSeries } from '../../registry/collection.js';
import type { JsonQuery } from './json-query.js';

/** JSON has no NaN or infinities: such values (an idle timer's quantiles) are written as `null`. */
export type JsonNumber = number | null;

/** What every entry carries: its id and type; after the values, the metric name and full label set. */
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
  readonly m1_rate: JsonNumber;
  readonly m5_rate: JsonNumber;
  readonly m15_rate: JsonNumber;
  readonly mean_rate: JsonNumber;
  readonly units: 'events/second';
}

/** A timer series: as a summary, plus durations in milliseconds (`total` is the summed duration). */
export interface JsonTimerEntry extends Omit<JsonSummaryEntry, 'units'> {
  readonly min: JsonNumber;
  readonly max: JsonNumber;
  readonly mean: JsonNumber;
  readonly stddev: JsonNumber;
  readonly p50: JsonNumber;
  readonly p75: JsonNumber;
  readonly p95: JsonNumber;
  readonly p98: JsonNumber;
  readonly p99: JsonNumber;
  readonly p999: JsonNumber;
  readonly duration_units: 'milliseconds';
  readonly rate_units: 'calls/second';
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

/** An entry cut to the fields a query asked for (`_fields`): its `_id` and those fields. */
export type JsonFields = { readonly _id: string } & Readonly<Record<string, unknown>>;

/** A CREST query response. `pagedResultsCookie` is set while a paged query has entries left. */
export interface JsonQueryResult {
  readonly result: readonly (JsonEntry | JsonFields)[];
  readonly resultCount: number;
  readonly pagedResultsCookie: string | null;
  readonly totalPagedResultsPolicy: JsonQuery['totalPolicy'];
  readonly totalPagedResults: number;
  readonly remainingPagedResults: -1;
}

/**
 * The `_id` of a series, or undefined to fall back to jsonEntryId. AM's dotted ids come from the
 * catalogue (`amJsonIds`); this module never reads the catalogue itself.
 */
export type JsonIdOf = (family: FamilySnapshot, series: SeriesBase) => string | undefined;

/** How entries are named. */
export interface JsonViewOptions {
  /** AM's ids for the series it knows; default (and for any other series) jsonEntryId. */
  readonly idOf?: JsonIdOf | undefined;
}

type QuantileField = 'p50' | 'p75' | 'p95' | 'p98' | 'p99' | 'p999';

/** AM's field name of a quantile: `p` and its percentage without the point (0.999 → `p999`). */
export function quantileField(quantile: number): string {
  return `p${String(Math.round(quantile * 1e6) / 1e4).replace('.', '')}`;
}

/**
 * A label value as one segment of a dotted id: `%`, `.` and `/` are written `%25`, `%2E` and `%2F`,
 * so ids stay unique, unambiguous and addressable as one URL path segment.
 */
export function idSegment(value: string): string {
  return /[%./]/.test(value) ? value.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/\//g, '%2F') : value;
}

/**
 * The default `_id` of a series: the metric name, then each of its own label values in the order the
 * metric declared its label names (see idSegment), joined by dots (`am_cts_task.create.success.session`).
 * Default labels such as `kubernetes_pod_name` are the same on every series of an instance and are left out.
 */
export function jsonEntryId(name: string, labelNames: readonly string[], labels: Labels): string {
  let id = name;
  for (const label of labelNames) id += `.${idSegment(labels[label] ?? '')}`;
  return id;
}

/** Every series of `collection` as an entry, in collection order; labels include the resource's. */
export function jsonEntries(collection: Collection, options: JsonViewOptions = {}): JsonEntry[] {
  return collection.families.flatMap((family) => entriesOf(family, collection.resource, options.idOf));
}

/**
 * The CREST query answer: the entries `query.filter` keeps, paged by `pageSize` from `offset`, each
 * cut to `query.fields`. `totalPagedResults` counts every kept entry under EXACT or ESTIMATE, else -1.
 */
export function jsonView(collection: Collection, query: JsonQuery, options: JsonViewOptions = {}): JsonQueryResult {
  const kept = jsonEntries(collection, options).filter(query.filter);
  const end = query.pageSize > 0 ? query.offset + query.pageSize : kept.length;
  const result = kept.slice(query.offset, end).map((entry) => pickFields(entry, query.fields));
  return {
    result,
    resultCount: result.length,
    pagedResultsCookie: query.pageSize > 0 && end < kept.length ? String(end) : null,
    totalPagedResultsPolicy: query.totalPolicy,
    totalPagedResults: query.totalPolicy === 'NONE' ? -1 : kept.length,
    remainingPagedResults: -1,
  };
}

/** The entry whose `_id` is `id`, cut to `fields`; undefined when no series has that id. */
export function jsonEntry(collection: Collection, id: string, fields?: JsonQuery['fields'], options: JsonViewOptions = {}): JsonEntry | JsonFields | undefined {
  const entry = jsonEntries(collection, options).find((e) => e._id === id);
  return entry === undefined ? undefined : pickFields(entry, fields);
}

/** CREST `_fields`: `_id` and the fields the pointers name (nested ones as nested objects), in their order. */
function pickFields(entry: JsonEntry, fields: JsonQuery['fields']): JsonEntry | JsonFields {
  if (fields === undefined) return entry;
  const picked: Record<string, unknown> = {};
  for (const path of fields) {
    const value = path.reduce<unknown>((inner, segment) => (isObject(inner) && Object.hasOwn(inner, segment) ? inner[segment] : undefined), entry);
    if (value !== undefined) setPath(picked, path, value);
  }
  return { _id: entry._id, ...picked };
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at = target;
  for (const segment of path.slice(0, -1)) {
    const inner = at[segment];
    at = isObject(inner) ? inner : (at[segment] = {});
  }
  at[path[path.length - 1] as string] = value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function entriesOf(family: FamilySnapshot, resource: Labels, idOf: JsonIdOf | undefined): JsonEntry[] {
  const { name, labelNames } = family.descriptor;
  const head = (type: JsonEntryBase['_type'], series: SeriesBase) => ({
    _id: idOf?.(family, series) ?? jsonEntryId(name, labelNames, series.labels),
    _type: type,
  });
  const tail = (series: SeriesBase) => ({ name, labels: { ...resource, ...series.labels } });
  switch (family.kind) {
    case 'summary':
      return family.series.map((s) => ({ ...head('summary', s), ...counts(s, finite(s.sum)), units: 'events/second', ...tail(s) }));
    case 'timer':
      return family.series.map((s) => ({ ...head('timer', s), ...timerFields(s), ...tail(s) }));
    case 'histogram':
      return family.series.map((s) => ({ ...head('histogram', s), ...histogramFields(s), ...tail(s) }));
    case 'counter':
      return family.series.map((p) => ({ ...head('counter', p), count: finite(p.value), ...tail(p) }));
    case 'gauge':
    case 'distinct': {
      const type = family.kind === 'gauge' ? 'gauge' : 'distinctCounter';
      return family.series.map((p) => ({ ...head(type, p), value: finite(p.value), ...tail(p) }));
    }
    default:
      return unknownKind(family);
  }
}

/** A family kind this view does not know: the request fails (500) rather than leaving the family out. */
function unknownKind(family: never): never {
  throw new Error(`JSON view: unknown family kind ${JSON.stringify((family as { kind?: unknown }).kind)}`);
}

function counts(series: CountSum, total: JsonNumber) {
  const { mean, m1, m5, m15 } = series.rates;
  return { count: series.count, total, m1_rate: finite(m1), m5_rate: finite(m5), m15_rate: finite(m15), mean_rate: finite(mean) };
}

function timerFields(s: TimerSeries): Omit<JsonTimerEntry, keyof JsonEntryBase> {
  const { m1_rate, m5_rate, m15_rate, mean_rate, ...count } = counts(s, millis(s.sum));
  const quantiles = Object.fromEntries(s.quantiles.map((q: QuantileValue) => [quantileField(q.quantile), millis(q.value)]));
  return {
    ...count,
    min: millis(s.min),
    max: millis(s.max),
    mean: millis(s.mean),
    stddev: millis(s.stddev),
    ...(quantiles as Record<QuantileField, JsonNumber>),
    m1_rate,
    m5_rate,
    m15_rate,
    mean_rate,
    duration_units: 'milliseconds',
    rate_units: 'calls/second',
  };
}

function histogramFields(s: HistogramSeries): Omit<JsonHistogramEntry, keyof JsonEntryBase> {
  const buckets = s.buckets.filter((b) => Number.isFinite(b.le)).map((b) => ({ le: millis(b.le), count: b.count }));
  return { count: s.count, total: millis(s.sum), buckets, duration_units: 'milliseconds' };
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
