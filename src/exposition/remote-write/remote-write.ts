// Writes a Collection as a Prometheus remote-write 1.0 request: a WriteRequest in protobuf, snappy
// block-compressed. The one home of the snappy package. Sample names are the Prometheus text writer's.
import { createRequire } from 'node:module';
import type { Collection, FamilySnapshot } from '../../registry/collection.js';
import type { Labels } from '../../registry/labels.js';
import { formatValue } from '../prometheus/format.js';
import { sumName, TIMER_UNIT_SUFFIX, type NamingProfile } from '../prometheus/sample-names.js';
import { createWriter, fieldKey, type ProtobufWriter } from '../push/protobuf-writer.js';

/** The headers a remote-write 1.0 request carries (Prometheus Remote-Write 1.0 specification). */
export const REMOTE_WRITE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/x-protobuf',
  'Content-Encoding': 'snappy',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
};

/** Which naming profile the sample names follow. */
export interface RemoteWriteOptions {
  /** Sample names of the sums, as in the text exposition; default `aic`. */
  readonly profile?: NamingProfile | undefined;
}

/** One sample: its full label set (`__name__` included) and value. */
interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/**
 * Encodes a collection as a remote-write 1.0 request body: the WriteRequest of `encodeWriteRequest`,
 * snappy block-compressed (not the framed format), ready for `REMOTE_WRITE_HEADERS`.
 */
export function encodeRemoteWrite(collection: Collection, options: RemoteWriteOptions = {}): Uint8Array {
  return compressWriteRequest(encodeWriteRequest(collection, options));
}

/** A WriteRequest of `encodeWriteRequest` compressed as remote write 1.0 sends it: the snappy block format. */
export function compressWriteRequest(writeRequest: Uint8Array): Uint8Array {
  return loadSnappy().compressSync(Buffer.from(writeRequest.buffer, writeRequest.byteOffset, writeRequest.byteLength));
}

type Snappy = typeof import('snappy');
let snappy: Snappy | undefined;

/**
 * The snappy package, loaded on the first remote-write encoding. Why lazily: it is a native addon, and
 * the package's entry re-exports this encoder; importing the registry should not load native code
 * for a destination the host may never configure.
 */
function loadSnappy(): Snappy {
  snappy ??= createRequire(import.meta.url)('snappy') as Snappy;
  return snappy;
}

/**
 * The uncompressed WriteRequest: one TimeSeries per sample the text exposition would write, with the
 * same names and values (idle timer quantiles are NaN there too), each carrying the collection's
 * resource labels, labels sorted by name (so `__name__` comes first for lowercase label names), and
 * one sample stamped with the collection's time in ms.
 */
export function encodeWriteRequest(collection: Collection, options: RemoteWriteOptions = {}): Uint8Array {
  const profile = options.profile ?? 'aic';
  const w = createWriter();
  for (const family of collection.families) {
    for (const sample of familySamples(family, profile)) writeTimeSeries(w, { ...collection.resource, ...sample.labels }, sample.value, collection.timeMs);
  }
  return w.finish();
}

/** The samples of one family, named exactly as writePrometheusText names them. */
function familySamples(family: FamilySnapshot, profile: NamingProfile): Sample[] {
  const { name } = family.descriptor;
  const named = (sample: string, labels: Labels, value: number, extra: Labels = {}): Sample => ({ labels: { ...labels, ...extra, __name__: sample }, value });
  switch (family.kind) {
    case 'summary':
      return family.series.flatMap((s) => [named(`${name}_count`, s.labels, s.count), named(sumName(name, profile), s.labels, s.sum)]);
    case 'timer': {
      const seconds = `${name}${TIMER_UNIT_SUFFIX}`;
      return family.series.flatMap((s) => [
        ...s.quantiles.map((q) => named(seconds, s.labels, q.value, { quantile: String(q.quantile) })),
        named(sumName(seconds, profile), s.labels, s.sum),
        named(`${name}_count`, s.labels, s.count),
      ]);
    }
    case 'histogram':
      // Classic buckets, as the text exposition writes them: cumulative `_bucket{le}`, `_sum`, `_count`.
      return family.series.flatMap((s) => [
        ...s.buckets.map((b) => named(`${name}_bucket`, s.labels, b.count, { le: formatValue(b.le, 'openmetrics') })),
        named(`${name}_sum`, s.labels, s.sum),
        named(`${name}_count`, s.labels, s.count),
      ]);
    case 'counter':
      return family.series.map((s) => named(`${name}_total`, s.labels, s.value));
    case 'gauge':
    case 'distinct':
      return family.series.map((s) => named(name, s.labels, s.value));
    default:
      return assertNever(family);
  }
}

/** WriteRequest.timeseries 1 → TimeSeries: labels 1 (Label: name 1, value 2), samples 2 (Sample: value 1, timestamp 2). */
function writeTimeSeries(w: ProtobufWriter, labels: Labels, value: number, timeMs: number): void {
  w.uint32(fieldKey.delimited(1)).fork();
  for (const name of Object.keys(labels).sort(byCodeUnit)) {
    w.uint32(fieldKey.delimited(1)).fork();
    w.uint32(fieldKey.delimited(1)).string(name);
    w.uint32(fieldKey.delimited(2)).string(labels[name] as string);
    w.join();
  }
  w.uint32(fieldKey.delimited(2)).fork();
  w.uint32(fieldKey.fixed64(1)).double(value);
  w.uint32(fieldKey.varint(2)).int64(Math.round(timeMs));
  w.join();
  w.join();
}

/** Byte order for ASCII names, as Prometheus sorts label names. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function assertNever(value: never): never {
  throw new Error(`unknown family kind ${JSON.stringify(value)}`);
}
