// Writes a Collection as Datadog metrics API v2 series bodies (`POST /api/v2/series`), split to stay
// within the intake's size limits. Counts are deltas against the previous collection; no I/O, no gzip.
import type { Collection, FamilySnapshot } from '../../registry/collection.js';
import type { Labels } from '../../registry/labels.js';
import { DeltaBaseline } from '../push/delta.js';
import { sumName, TIMER_UNIT_SUFFIX } from '../prometheus/sample-names.js';

/** Metric types of the v2 series API. */
export const DATADOG_TYPE = { count: 1, gauge: 3 } as const;

/**
 * Largest raw body the encoder writes. Why this bound: Datadog takes at most 512,000 bytes compressed
 * and 5 MiB decompressed per request. Deflate never grows its input by more than 5 bytes per 64 KiB
 * stored block, gzip adds 18 bytes of framing, so a body of 500,000 bytes stays under 512,000 bytes
 * gzipped whatever its content. (JSON of series compresses about tenfold; a transport that gzips and
 * checks may pass a larger `maxBodyBytes`, up to the 5 MiB raw limit.)
 */
export const DEFAULT_MAX_BODY_BYTES = 500_000;

/** Seconds a count covers when there is no previous collection to measure the interval from. */
export const DEFAULT_INTERVAL_SECONDS = 10;

/** A Datadog resource attached to every series, e.g. `{ type: 'host', name: 'am-0' }`. */
export interface DatadogResource {
  readonly name: string;
  readonly type: string;
}

/** The delta baseline, the count interval, names, resources and the body size bound. */
export interface DatadogOptions {
  /** The collection of the previous push: counts are what happened since. Without it, counts are totals since each series' start. */
  readonly previous?: Collection | undefined;
  /** The `interval` of count points; default the seconds since `previous`, else DEFAULT_INTERVAL_SECONDS. */
  readonly intervalSeconds?: number | undefined;
  readonly resources?: readonly DatadogResource[] | undefined;
  /** Datadog metric names for sample names, e.g. `{ am_api_request_count: 'auth0.api_request.count' }`; others keep their sample name. */
  readonly metricNames?: Readonly<Record<string, string>> | undefined;
  /** Datadog metric names (after `metricNames`) not to send at all, e.g. a sum that always equals its count. */
  readonly omitMetrics?: readonly string[] | undefined;
  /** Default DEFAULT_MAX_BODY_BYTES. */
  readonly maxBodyBytes?: number | undefined;
}

/** One request body: UTF-8 JSON `{"series":[...]}`, uncompressed. */
export interface DatadogBody {
  readonly body: Uint8Array;
  /** How many series (one point each) it holds. */
  readonly seriesCount: number;
}

interface DatadogSeries {
  readonly metric: string;
  readonly type: number;
  readonly points: readonly [{ readonly timestamp: number; readonly value: number }];
  readonly interval?: number;
  readonly tags: readonly string[];
  readonly resources?: readonly DatadogResource[];
}

const HEAD = '{"series":[';
const TAIL = ']}';

/**
 * Encodes a collection as v2 series bodies, each at most `maxBodyBytes`, one point per series at the
 * collection's time in whole seconds. Names are the Prometheus text profile `aic`'s sample names:
 * - counts (type count, with `interval`): summary `X_count` and `X_sum`, timer `X_count` and
 *   `X_seconds_sum`, counter `X_total`, each the change since `previous` (see DeltaBaseline);
 * - histogram X (count deltas, as Datadog's OpenMetrics check sends histograms with
 *   `send_distribution_buckets` off): `X_bucket` per bucket tagged `upper_bound:<le>` (`inf` for the
 *   last), cumulative over buckets as in Prometheus, and `X_sum`, `X_count`;
 * - gauges (type gauge): gauge and distinct X, and timer quantiles `X_seconds` tagged `quantile:0.5`
 *   and so on; an idle timer's quantiles (NaN) are left out, JSON having no NaN.
 * Tags are `key:value` for the resource labels and the series' labels. Metrics named in
 * `omitMetrics` are left out. Empty collection: no body.
 */
export function encodeDatadogSeries(collection: Collection, options: DatadogOptions = {}): DatadogBody[] {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const chunks = new ChunkBuilder(max);
  const context: SeriesContext = {
    timestamp: Math.floor(collection.timeMs / 1000),
    interval: options.intervalSeconds ?? intervalSince(collection, options.previous),
    resource: collection.resource,
    resources: options.resources,
    names: options.metricNames ?? {},
    baseline: DeltaBaseline.of(options.previous),
  };
  const omitted = new Set(options.omitMetrics);
  for (const family of collection.families) {
    for (const series of familySeries(family, context)) if (!omitted.has(series.metric)) chunks.add(JSON.stringify(series));
  }
  return chunks.finish();
}

interface SeriesContext {
  readonly timestamp: number;
  readonly interval: number;
  readonly resource: Labels;
  readonly resources: readonly DatadogResource[] | undefined;
  readonly names: Readonly<Record<string, string>>;
  readonly baseline: DeltaBaseline;
}

function intervalSince(collection: Collection, previous: Collection | undefined): number {
  if (previous === undefined || previous.timeMs >= collection.timeMs) return DEFAULT_INTERVAL_SECONDS;
  return Math.max(1, Math.round((collection.timeMs - previous.timeMs) / 1000));
}

function familySeries(family: FamilySnapshot, c: SeriesContext): DatadogSeries[] {
  const { name } = family.descriptor;
  switch (family.kind) {
    case 'summary':
      return family.series.flatMap((s) => {
        const { already } = c.baseline.window(family, s);
        return [count(c, `${name}_count`, s.labels, s.count - already.count), count(c, sumName(name, 'aic'), s.labels, s.sum - already.sum)];
      });
    case 'timer': {
      const seconds = `${name}${TIMER_UNIT_SUFFIX}`;
      return family.series.flatMap((s) => {
        const { already } = c.baseline.window(family, s);
        const quantiles = s.quantiles.filter((q) => !Number.isNaN(q.value)).map((q) => gauge(c, seconds, s.labels, q.value, `quantile:${q.quantile}`));
        return [...quantiles, count(c, sumName(seconds, 'aic'), s.labels, s.sum - already.sum), count(c, `${name}_count`, s.labels, s.count - already.count)];
      });
    }
    case 'counter':
      return family.series.map((s) => count(c, `${name}_total`, s.labels, s.value - c.baseline.window(family, s).already.value));
    case 'gauge':
    case 'distinct':
      return family.series.filter((s) => Number.isFinite(s.value)).map((s) => gauge(c, name, s.labels, s.value));
    case 'histogram':
      return family.series.flatMap((s) => {
        const { already } = c.baseline.window(family, s);
        const earlier = c.baseline.earlier(family, s);
        const buckets = s.buckets.map((b, i) => {
          const before = earlier?.buckets.length === s.buckets.length ? (earlier.buckets[i]?.count ?? 0) : 0;
          return count(c, `${name}_bucket`, s.labels, b.count - before, `upper_bound:${upperBound(b.le)}`);
        });
        return [...buckets, count(c, `${name}_sum`, s.labels, s.sum - already.sum), count(c, `${name}_count`, s.labels, s.count - already.count)];
      });
    default:
      return assertNever(family);
  }
}

function count(c: SeriesContext, sample: string, labels: Labels, value: number, extraTag?: string): DatadogSeries {
  const series = base(c, sample, labels, DATADOG_TYPE.count, value);
  return { ...series, tags: extraTag === undefined ? series.tags : [...series.tags, extraTag], interval: c.interval, ...resources(c) };
}

/** A bucket's `upper_bound` tag value as Datadog's OpenMetrics check writes it: the bound, or `inf`. */
function upperBound(le: number): string {
  return Number.isFinite(le) ? String(le) : 'inf';
}

function gauge(c: SeriesContext, sample: string, labels: Labels, value: number, extraTag?: string): DatadogSeries {
  const series = base(c, sample, labels, DATADOG_TYPE.gauge, value);
  return { ...series, tags: extraTag === undefined ? series.tags : [...series.tags, extraTag], ...resources(c) };
}

function base(c: SeriesContext, sample: string, labels: Labels, type: number, value: number): DatadogSeries {
  return { metric: c.names[sample] ?? sample, type, points: [{ timestamp: c.timestamp, value }], tags: tagsOf(c.resource, labels) };
}

function resources(c: SeriesContext): { resources?: readonly DatadogResource[] } {
  return c.resources === undefined || c.resources.length === 0 ? {} : { resources: c.resources };
}

const tagCache = new WeakMap<Labels, WeakMap<Labels, readonly string[]>>();

/** `key:value` for every resource and series label, sorted by key; cached per series labels object. */
function tagsOf(resource: Labels, labels: Labels): readonly string[] {
  let cache = tagCache.get(resource);
  if (cache === undefined) tagCache.set(resource, (cache = new WeakMap()));
  let tags = cache.get(labels);
  if (tags === undefined) {
    const all = { ...resource, ...labels };
    tags = Object.keys(all)
      .sort()
      .map((key) => `${key}:${all[key] as string}`);
    cache.set(labels, tags);
  }
  return tags;
}

/** Joins series JSON into bodies no larger than `maxBytes` (a single oversized series goes alone). */
class ChunkBuilder {
  private readonly bodies: DatadogBody[] = [];
  private parts: string[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  add(json: string): void {
    const size = Buffer.byteLength(json) + (this.parts.length === 0 ? 0 : 1);
    if (this.parts.length > 0 && HEAD.length + this.bytes + size + TAIL.length > this.maxBytes) this.flush();
    this.bytes += this.parts.length === 0 ? Buffer.byteLength(json) : size;
    this.parts.push(json);
  }

  finish(): DatadogBody[] {
    if (this.parts.length > 0) this.flush();
    return this.bodies;
  }

  private flush(): void {
    this.bodies.push({ body: Buffer.from(HEAD + this.parts.join(',') + TAIL), seriesCount: this.parts.length });
    this.parts = [];
    this.bytes = 0;
  }
}

function assertNever(value: never): never {
  throw new Error(`unknown family kind ${JSON.stringify(value)}`);
}
