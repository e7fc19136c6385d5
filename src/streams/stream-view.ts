// What one stream sees of a collection: the families it subscribes to, the tags it keeps, and at most
// its series cap per family, the rest folded into an overflow series. Encoders get the result.
import type { Collection, CountSum, FamilySnapshot, HistogramSeries, Point, TimerSeries } from '../registry/collection.js';
import { OVERFLOW_LABEL_VALUE, type Labels } from '../registry/labels.js';
import type { Frame } from './encoder.js';
import { DEFAULT_STREAM_MAX_SERIES, SUBSCRIPTION_FAMILIES, type MetricStream, type TagFilter } from './resource.js';

type AnySeries = CountSum | TimerSeries | HistogramSeries | Point;

/** The family Auth0's opt-in `batch_seq` tag goes on. */
const BATCH_SEQ_FAMILY = 'auth0_api_request';

/**
 * Narrows collections for one stream, remembering which label sets it admitted so a series keeps its
 * identity (and a cumulative destination its counts) from one second to the next. Labels with empty
 * values (absent optional tags) are dropped; series that become equal once tags are removed are
 * added together (timer quantiles cannot be added, so a merged timer series reports them as NaN).
 * A merged count never goes down while one of its series carries on: the last counts of a series
 * that was removed or started over stay in it (see carryGone), as a cluster keeps an exited worker's.
 */
export class StreamView {
  private readonly prefixes: readonly string[];
  private readonly maxSeries: number;
  /** Admitted label-set keys per family. */
  private readonly admitted = new Map<string, Set<string>>();
  /** Per family and merged output key: the series it added up last time, by their own label keys. */
  private readonly parts = new Map<string, Map<string, Map<string, AnySeries>>>();
  /** Per family and merged output key: the last counts of its series that have gone or started over. */
  private readonly gone = new Map<string, Map<string, AnySeries>>();

  private readonly hasBatchSeq: boolean;

  constructor(private readonly stream: Pick<MetricStream, 'subscriptions' | 'tags' | 'max_series'> & { readonly destination?: MetricStream['destination'] }) {
    this.hasBatchSeq = stream.destination?.type === 'datadog' && stream.destination.configuration.batch_seq === true;
    this.prefixes = stream.subscriptions.flatMap((s) => SUBSCRIPTION_FAMILIES[s.metric_type]);
    this.maxSeries = stream.max_series ?? DEFAULT_STREAM_MAX_SERIES;
  }

  /** The part of `collection` this stream sends. */
  apply(collection: Collection): Collection {
    const families = collection.families.filter((f) => this.isSubscribed(f.descriptor.name)).map((f) => this.narrow(f));
    return { timeMs: collection.timeMs, resource: keepTags(collection.resource, this.stream.tags), families, failures: [] };
  }

  private isSubscribed(name: string): boolean {
    return this.prefixes.some((prefix) => name === prefix || name.startsWith(`${prefix}_`));
  }

  private narrow(family: FamilySnapshot): FamilySnapshot {
    const admitted = this.admitted.get(family.descriptor.name) ?? new Set<string>();
    this.admitted.set(family.descriptor.name, admitted);
    const groups = new Map<string, AnySeries[]>(); // the series each output series adds up
    const merged = new Map<string, AnySeries>();
    for (const series of family.series as readonly AnySeries[]) {
      let labels = keepTags(series.labels, this.stream.tags);
      let key = labelKey(labels);
      if (!admitted.has(key)) {
        if (admitted.size < this.maxSeries) admitted.add(key);
        else {
          labels = overflowLabels(labels);
          key = labelKey(labels);
        }
      }
      const found = merged.get(key);
      merged.set(key, found === undefined ? { ...series, labels } : add(found, series));
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [series]);
      else group.push(series);
    }
    if (family.kind !== 'gauge' && family.kind !== 'distinct') this.carryGone(family.descriptor.name, groups, merged);
    let series = [...merged.values()];
    if (this.hasBatchSeq && family.descriptor.name === BATCH_SEQ_FAMILY) series = series.map((s) => ({ ...s, labels: { ...s.labels, batch_seq: '0' } }));
    return { ...family, series } as FamilySnapshot;
  }

  /**
   * Adds to each merged count of a family (`merged`, from the series in `groups`) the last counts of
   * its series that are gone or started over since the previous collection, while another of its series
   * carries on. Why: without them the sum drops, which a cumulative receiver takes for a reset and
   * counts again in full, and a delta encoder too (DeltaBaseline). Once none carries on, the merged
   * series starts over as a single one would. Only output keys that add up two or more series are
   * tracked, so a stream that merges nothing keeps nothing more.
   */
  private carryGone(name: string, groups: ReadonlyMap<string, readonly AnySeries[]>, merged: Map<string, AnySeries>): void {
    const before = this.parts.get(name);
    const gone = this.gone.get(name) ?? new Map<string, AnySeries>();
    const parts = new Map<string, Map<string, AnySeries>>();
    for (const [key, group] of groups) {
      const last = before?.get(key);
      if (group.length < 2 && last === undefined) continue;
      const now = new Map(group.map((s) => [partKey(s.labels), s]));
      if (last !== undefined) {
        const ended: AnySeries[] = [];
        for (const [part, s] of last) if (!isSameRun(s, now.get(part))) ended.push(s);
        if (ended.length === last.size) gone.delete(key);
        else for (const s of ended) gone.set(key, plusCounts(gone.get(key), s));
      }
      const carried = gone.get(key);
      if (carried !== undefined) merged.set(key, plusCounts(merged.get(key), carried));
      if (group.length >= 2 || carried !== undefined) parts.set(key, now);
    }
    for (const key of gone.keys()) if (!parts.has(key)) gone.delete(key);
    this.parts.set(name, parts);
    this.gone.set(name, gone);
  }
}

/** Whether `now` continues `last` (same labels): it did not start later, and no count went down. */
function isSameRun(last: AnySeries, now: AnySeries | undefined): boolean {
  const countOf = (s: AnySeries) => ('value' in s ? s.value : s.count);
  return now !== undefined && now.startMs <= last.startMs && countOf(now) >= countOf(last);
}

/**
 * `s` with the counts (count, sum and buckets, or a counter's value) of `more` added; the earlier start
 * stays. Rates, quantiles and the like are `s`'s: they describe recent traffic, to which `more` adds none.
 */
function plusCounts(s: AnySeries | undefined, more: AnySeries): AnySeries {
  if (s === undefined) return more;
  const startMs = Math.min(s.startMs, more.startMs);
  if ('value' in s && 'value' in more) return { ...s, startMs, value: s.value + more.value };
  if ('buckets' in s && 'buckets' in more) return addHistograms(s, more, startMs);
  const m = more as CountSum;
  return { ...(s as CountSum), startMs, count: (s as CountSum).count + m.count, sum: (s as CountSum).sum + m.sum };
}

/** `labels` without empty values and without the tags `filter` removes. */
export function keepTags(labels: Labels, filter: TagFilter | undefined): Labels {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (value === '') continue;
    if (filter !== undefined && ('allow' in filter ? !filter.allow.includes(name) : filter.deny.includes(name))) continue;
    kept[name] = value;
  }
  return kept;
}

function overflowLabels(labels: Labels): Labels {
  return Object.fromEntries(Object.keys(labels).map((name) => [name, OVERFLOW_LABEL_VALUE]));
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const partKeys = new WeakMap<Labels, string>();

/**
 * A collected series' own label key, kept per labels object: a registry series keeps one frozen labels
 * object for life, so a merged series of thousands of parts is keyed once, not once per second.
 */
function partKey(labels: Labels): string {
  let key = partKeys.get(labels);
  if (key === undefined) partKeys.set(labels, (key = labelKey(labels)));
  return key;
}

/** Two series of one family added together; the first one's labels stay. */
function add(a: AnySeries, b: AnySeries): AnySeries {
  const startMs = Math.min(a.startMs, b.startMs);
  if ('value' in a && 'value' in b) return { ...a, startMs, value: a.value + b.value };
  if ('buckets' in a && 'buckets' in b) return addHistograms(a, b, startMs);
  const x = a as CountSum;
  const y = b as CountSum;
  const counts = {
    startMs,
    count: x.count + y.count,
    sum: x.sum + y.sum,
    rates: { mean: x.rates.mean + y.rates.mean, m1: x.rates.m1 + y.rates.m1, m5: x.rates.m5 + y.rates.m5, m15: x.rates.m15 + y.rates.m15 },
  };
  if (!('quantiles' in a)) return { ...a, ...counts };
  const t = b as TimerSeries;
  return {
    ...a,
    ...counts,
    min: Math.min(a.min, t.min),
    max: Math.max(a.max, t.max),
    mean: counts.count === 0 ? Number.NaN : counts.sum / counts.count,
    quantiles: a.quantiles.map((q) => ({ quantile: q.quantile, value: Number.NaN })),
  };
}

/**
 * Two histogram series of one family added bucket by bucket. The subscribed histograms are timers'
 * buckets, whose series all share one fixed log-scale layout, so bucket i has the same bound in both.
 * The native buckets are left out: no push encoder reads them.
 */
function addHistograms(a: HistogramSeries, b: HistogramSeries, startMs: number): HistogramSeries {
  const buckets = a.buckets.map((bucket, i) => ({ le: bucket.le, count: bucket.count + b.buckets[i]!.count }));
  return { labels: a.labels, startMs, count: a.count + b.count, sum: a.sum + b.sum, buckets };
}

/**
 * A frame cut by series into `parts` frames (default 2, at most one per series) of nearly equal
 * series counts, in order; previous views stay whole (a delta encoder looks series up in them).
 * Undefined when the frame holds a single series.
 */
export function splitFrame(frame: Frame, parts = 2): Frame[] | undefined {
  const all = frame.current.families.flatMap((family) => family.series.map((series) => ({ family, series })));
  if (all.length < 2) return undefined;
  const count = Math.min(Math.max(2, parts), all.length);
  const pick = (part: typeof all): Collection => {
    const families = frame.current.families
      .map((family) => ({ ...family, series: part.filter((p) => p.family === family).map((p) => p.series) }) as FamilySnapshot)
      .filter((family) => family.series.length > 0);
    return { ...frame.current, families };
  };
  const bounds = Array.from({ length: count + 1 }, (_, i) => Math.floor((all.length * i) / count));
  return bounds.slice(1).map((end, i) => ({ current: pick(all.slice(bounds[i], end)), previous: frame.previous }));
}
