// Content negotiation for scrapes: which exposition format an `Accept` header asks for, and whether
// `Accept-Encoding` allows gzip. Pure functions over header strings; no I/O, no framework.
import type { ExpositionFormat } from '../exposition/prometheus/format.js';

/** The formats a scrape can be answered in: the two text formats, and Prometheus' protobuf exposition. */
export type ScrapeFormat = ExpositionFormat | 'protobuf';

/** What a scrape is answered with: always a format, never 406. */
export type FormatChoice = ScrapeFormat;

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly version: string | undefined;
  /** The `proto` and `encoding` parameters, which name a protobuf exposition. */
  readonly proto: string | undefined;
  readonly encoding: string | undefined;
  readonly q: number;
  readonly position: number;
}

interface Candidate {
  readonly format: ScrapeFormat;
  readonly type: string;
  readonly subtype: string;
  /** Versions this exporter can honestly label its output with, when the range names one. */
  readonly versions: readonly string[];
  /** Only a range naming this type, subtype and `proto`/`encoding` exactly selects it (no wildcards). */
  readonly protobuf?: { readonly proto: string; readonly encoding: string };
}

/**
 * OpenMetrics 0.0.1 and 1.0.0 are the same wire format for everything we write (Prometheus parses
 * both with one parser), so a request for either gets 1.0.0, labelled as such. Text format only
 * exists as 0.0.4 here; a `text/plain; version=1.0.0` range does not match it.
 */
const CANDIDATES: readonly Candidate[] = [
  { format: 'prometheus', type: 'text', subtype: 'plain', versions: ['0.0.4'] },
  { format: 'openmetrics', type: 'application', subtype: 'openmetrics-text', versions: ['1.0.0', '0.0.1'] },
  {
    format: 'protobuf',
    type: 'application',
    subtype: 'vnd.google.protobuf',
    versions: [],
    protobuf: { proto: 'io.prometheus.client.metricfamily', encoding: 'delimited' },
  },
];

/**
 * The exposition format an `Accept` header prefers, honouring q-values as RFC 9110 §12.5.1 describes:
 * each format takes the q of the most specific range that matches it, the higher q wins, and on a tie
 * the more specific match, then the earlier range, then text format 0.0.4. The protobuf exposition
 * (which Prometheus asks for first when native histograms are enabled) is chosen only by a range that
 * names it with `proto=io.prometheus.client.MetricFamily;encoding=delimited`, never by a wildcard;
 * `isTextOnly` leaves it out (the text format to fall back on).
 * No header, one that matches neither format (`application/json`), or one that refuses both (q=0)
 * gets 0.0.4: Prometheus's own client libraries never answer 406, and a scrape that gets some text
 * beats a target marked down.
 */
export function chooseFormat(accept: string | undefined, options: { readonly isTextOnly?: boolean } = {}): FormatChoice {
  if (accept === undefined || accept.trim() === '') return 'prometheus';
  const ranges = parseAccept(accept);
  let best: { format: ScrapeFormat; q: number; specificity: number; position: number } | undefined;
  for (const candidate of CANDIDATES) {
    if (options.isTextOnly === true && candidate.protobuf !== undefined) continue;
    const match = bestMatch(candidate, ranges);
    if (match === undefined || match.range.q === 0) continue;
    const entry = { format: candidate.format, q: match.range.q, specificity: match.specificity, position: match.range.position };
    if (best === undefined || isPreferred(entry, best)) best = entry;
  }
  return best?.format ?? 'prometheus';
}

/**
 * The text format to answer with when the protobuf exposition is not written: the one `accept` prefers
 * among the text formats, or 0.0.4 when it refuses both.
 */
export function chooseTextFormat(accept: string | undefined): ExpositionFormat {
  return chooseFormat(accept, { isTextOnly: true }) === 'openmetrics' ? 'openmetrics' : 'prometheus';
}

function isPreferred(a: { q: number; specificity: number; position: number }, b: { q: number; specificity: number; position: number }): boolean {
  if (a.q !== b.q) return a.q > b.q;
  if (a.specificity !== b.specificity) return a.specificity > b.specificity;
  return a.position < b.position;
}

/** The most specific range matching `candidate` (first one on a tie), with its specificity 0–3. */
function bestMatch(candidate: Candidate, ranges: readonly MediaRange[]): { range: MediaRange; specificity: number } | undefined {
  let found: { range: MediaRange; specificity: number } | undefined;
  for (const range of ranges) {
    const specificity = specificityOf(candidate, range);
    if (specificity >= 0 && (found === undefined || specificity > found.specificity)) found = { range, specificity };
  }
  return found;
}

function specificityOf(candidate: Candidate, range: MediaRange): number {
  if (candidate.protobuf !== undefined) {
    const named = range.type === candidate.type && range.subtype === candidate.subtype;
    return named && range.proto === candidate.protobuf.proto && range.encoding === candidate.protobuf.encoding ? 3 : -1;
  }
  if (range.type === '*') return range.subtype === '*' ? 0 : -1;
  if (range.type !== candidate.type) return -1;
  if (range.subtype === '*') return 1;
  if (range.subtype !== candidate.subtype) return -1;
  if (range.version === undefined) return 2;
  return candidate.versions.includes(range.version) ? 3 : -1;
}

/** Media ranges of an `Accept` header; ranges with a malformed type or q-value are dropped. */
function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  accept.split(',').forEach((part, position) => {
    const [mediaType = '', ...params] = part.split(';');
    const [type, subtype, extra] = mediaType.trim().toLowerCase().split('/');
    if (!type || !subtype || extra !== undefined) return;
    const parsed = parseParams(params);
    if (parsed.q === undefined) return;
    const { values } = parsed;
    ranges.push({
      type,
      subtype,
      version: values.get('version'),
      proto: values.get('proto')?.toLowerCase(),
      encoding: values.get('encoding')?.toLowerCase(),
      q: parsed.q,
      position,
    });
  });
  return ranges;
}

/** `Accept` parameters; `q` is `undefined` when present but malformed (RFC 9110 §12.4.2 qvalue). */
function parseParams(params: readonly string[]): { values: Map<string, string>; q: number | undefined } {
  const values = new Map<string, string>();
  let q: number | undefined = 1;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    const value = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (name === 'q') q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : undefined;
    else values.set(name, value);
  }
  return { values, q };
}

/**
 * Whether an `Accept-Encoding` header allows gzip: `gzip` (or `x-gzip`) with q > 0, or `*` with q > 0
 * when gzip is not named. Anything else, including no header, means an identity body.
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  let gzipQ: number | undefined;
  let anyQ: number | undefined;
  for (const part of acceptEncoding.split(',')) {
    const [coding = '', ...params] = part.split(';');
    const name = coding.trim().toLowerCase();
    const { q } = parseParams(params);
    if (q === undefined) continue;
    if (name === 'gzip' || name === 'x-gzip') gzipQ = Math.max(gzipQ ?? 0, q);
    else if (name === '*') anyQ = q;
  }
  return (gzipQ ?? anyQ ?? 0) > 0;
}
