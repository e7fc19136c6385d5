// AM's JSON view of the metrics (`/json/metrics/api`): one CREST-style entry per series, with the rates
// and millisecond durations AM's Dropwizard-based API shows. Pure: the query comes parsed
// (json-query.ts), ids come from the caller (AM's come from the catalogue), bytes from java-json.ts.
import type { Labels } from '../../registry/labels.js';
import type { Collection, CountSum, FamilySnapshot, HistogramSeries, QuantileValue, SeriesBase, TimerSeries } from '../../registry/collection.js';
import type { JsonQuery } from './json-query.js';
import { pacer, type Pace } from '../../registry/time-slice.js';

/**
 * What the view's builders need of an AbortSignal: a way to stop. Structural, so that the root
 * entry's types name no DOM or @types/node global (an AbortSignal is one).
 */
export interface StopSignal {
  /** Throws (the abort reason) once the work should stop. */
  throwIfAborted(): void;
}

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
 * The `_id` that one URL path segment (as the request spelt it, not yet decoded) addresses, read as
 * CREST reads a resource path: percent-decoded once. Why piece by piece: an `_id` keeps a label's own
 * dots as `%2E` (see idSegment), so the segment is split at its literal dots first, each piece is
 * decoded once and written back as idSegment writes it. The `_id` as this view writes it therefore
 * addresses its entry pasted into the URL as it is (`am_grant.a%2Eb.refresh` is the entry whose label
 * value is `a.b`), as does any other spelling of the same pieces (`%2e`, `%61` for `a`), while
 * `am_grant.a.b.refresh` stays another id. An id a JsonIdOf made without idSegment, holding `%`, `.`
 * or `/` in a piece, cannot be addressed. Undefined when a piece is not valid percent-encoding.
 */
export function jsonEntryIdOfPath(segment: string): string | undefined {
  try {
    return segment
      .split('.')
      .map((piece) => idSegment(decodeURIComponent(piece)))
      .join('.');
  } catch {
    return undefined;
  }
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

/** Series turned into entries between two looks at the pace of a sliced view. */
const ENTRY_CHUNK_SERIES = 256;

/**
 * As jsonEntries, a chunk of series at a time with a yield to the event loop whenever `pace` says (by
 * default every DEFAULT_SLICE_MS of work, see time-slice.ts), so that a view of many series never
 * stalls other work; `use` gets each chunk's entries and may end the walk by returning true.
 * @throws (rejects with) `signal`'s reason once it is aborted (its client left, say): no more is built.
 */
async function forEachEntryChunk(
  collection: Collection,
  options: JsonViewOptions,
  pace: Pace,
  signal: StopSignal | undefined,
  use: (entries: readonly JsonEntry[]) => boolean,
): Promise<void> {
  for (const family of collection.families) {
    // Once at least, as jsonEntries does, so a family of a kind this view does not know still fails.
    for (let from = 0; from === 0 || from < family.series.length; from += ENTRY_CHUNK_SERIES) {
      if (use(entriesOf(family, collection.resource, options.idOf, from, from + ENTRY_CHUNK_SERIES))) return;
      const turn = pace();
      if (turn !== undefined) await turn;
      signal?.throwIfAborted();
    }
  }
}

/**
 * The CREST query answer: the entries `query.filter` keeps, paged by `pageSize` from `offset`, each
 * cut to `query.fields`. `totalPagedResults` counts every kept entry under EXACT or ESTIMATE, else -1.
 */
export function jsonView(collection: Collection, query: JsonQuery, options: JsonViewOptions = {}): JsonQueryResult {
  return answer(jsonEntries(collection, options).filter(query.filter), query);
}

/**
 * As jsonView, yielding to the event loop while it builds the entries (see forEachEntryChunk).
 * @throws (rejects with) `signal`'s reason once it is aborted.
 */
export async function jsonViewSliced(
  collection: Collection,
  query: JsonQuery,
  options: JsonViewOptions = {},
  pace: Pace = pacer(() => performance.now()),
  signal?: StopSignal,
): Promise<JsonQueryResult> {
  const kept: JsonEntry[] = [];
  await forEachEntryChunk(collection, options, pace, signal, (entries) => {
    for (const entry of entries) if (query.filter(entry)) kept.push(entry);
    return false;
  });
  return answer(kept, query);
}

function answer(kept: readonly JsonEntry[], query: JsonQuery): JsonQueryResult {
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

/**
 * As jsonEntry, yielding to the event loop while it looks (see forEachEntryChunk).
 * @throws (rejects with) `signal`'s reason once it is aborted.
 */
export async function jsonEntrySliced(
  collection: Collection,
  id: string,
  fields?: JsonQuery['fields'],
  options: JsonViewOptions = {},
  pace: Pace = pacer(() => performance.now()),
  signal?: StopSignal,
): Promise<JsonEntry | JsonFields | undefined> {
  let found: JsonEntry | undefined;
  await forEachEntryChunk(collection, options, pace, signal, (entries) => {
    found = entries.find((e) => e._id === id);
    return found !== undefined;
  });
  return found === undefined ? undefined : pickFields(found, fields);
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

/**
 * The entries of `family`'s series from index `from` up to (not including) `to`. Each is the fresh
 * head object with the rest assigned onto it, in field order: spreading three objects into a new
 * literal per series was 4–7x slower (10k timer series, same run, shared 2-core machine).
 */
function entriesOf(family: FamilySnapshot, resource: Labels, idOf: JsonIdOf | undefined, from = 0, to = family.series.length): JsonEntry[] {
  const { name, labelNames } = family.descriptor;
  const head = (type: JsonEntryBase['_type'], series: SeriesBase) => ({
    _id: idOf?.(family, series) ?? jsonEntryId(name, labelNames, series.labels),
    _type: type,
  });
  const tail = (series: SeriesBase) => ({ name, labels: { ...resource, ...series.labels } });
  switch (family.kind) {
    case 'summary':
      return family.series.slice(from, to).map((s) => Object.assign(head('summary', s), counts(s, finite(s.sum)), { units: 'events/second' as const }, tail(s)));
    case 'timer':
      return family.series.slice(from, to).map((s) => Object.assign(head('timer', s), timerFields(s), tail(s)));
    case 'histogram':
      return family.series.slice(from, to).map((s) => Object.assign(head('histogram', s), histogramFields(s), tail(s)));
    case 'counter':
      return family.series.slice(from, to).map((p) => Object.assign(head('counter', p), { count: finite(p.value) }, tail(p)));
    case 'gauge':
    case 'distinct': {
      const type = family.kind === 'gauge' ? 'gauge' : 'distinctCounter';
      return family.series.slice(from, to).map((p) => Object.assign(head(type, p), { value: finite(p.value) }, tail(p)));
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
  const { mean, m1, m5, m15 } = s.rates;
  return {
    count: s.count,
    total: millis(s.sum),
    min: millis(s.min),
    max: millis(s.max),
    mean: millis(s.mean),
    stddev: millis(s.stddev),
    ...quantileFields(s.quantiles),
    m1_rate: finite(m1),
    m5_rate: finite(m5),
    m15_rate: finite(m15),
    mean_rate: finite(mean),
    duration_units: 'milliseconds',
    rate_units: 'calls/second',
  };
}

/** A timer's quantiles in milliseconds under AM's field names (`p50` … `p999`). */
function quantileFields(quantiles: readonly QuantileValue[]): Record<QuantileField, JsonNumber> {
  const fields: Partial<Record<QuantileField, JsonNumber>> = {};
  for (const q of quantiles) fields[quantileField(q.quantile) as QuantileField] = millis(q.value);
  return fields as Record<QuantileField, JsonNumber>;
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
