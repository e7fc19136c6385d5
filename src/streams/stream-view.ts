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
 */
export class StreamView {
  private readonly prefixes: readonly string[];
  private readonly maxSeries: number;
  /** Admitted label-set keys per family. */
  private readonly admitted = new Map<string, Set<string>>();

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
    }
    let series = [...merged.values()];
    if (this.hasBatchSeq && family.descriptor.name === BATCH_SEQ_FAMILY) series = series.map((s) => ({ ...s, labels: { ...s.labels, batch_seq: '0' } }));
    return { ...family, series } as FamilySnapshot;
  }
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
