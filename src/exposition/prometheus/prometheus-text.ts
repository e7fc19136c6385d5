// Writes a Collection as Prometheus text 0.0.4 or OpenMetrics 1.0, in AM's sample names. Pure: no
// I/O, no clock, never reaches into a metric's cells.
import type { Collection, FamilySnapshot, HistogramSeries, Point } from '../../registry/collection.js';
import type { Labels } from '../../registry/labels.js';
import { forEachSliced } from '../../registry/time-slice.js';
import { formatValue, labelBlock, labelPairs, escapeHelp, type ExpositionFormat } from './format.js';
import { histogramSampleNames, sumName, TIMER_UNIT_SUFFIX, type NamingProfile } from './sample-names.js';

export type { NamingProfile };

export interface WriteOptions {
  readonly format?: ExpositionFormat | undefined;
  readonly profile?: NamingProfile | undefined;
}

/** Content types of the two formats, as sent in `Content-Type`. */
export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

type BlockType = 'summary' | 'histogram' | 'gauge' | 'counter' | 'unknown';

interface Block {
  readonly type: BlockType;
  readonly help: string;
  body: string;
}

/**
 * Renders a collection as one exposition, every series with the collection's resource labels.
 * Every output family has exactly one `# HELP` and `# TYPE`:
 * - summary X: family X with `X_sum` (legacy: `X_total`, a family of its own) and `X_count`;
 * - timer X: family `X_seconds` with the quantiles and `X_seconds_sum`; AM's count `X_count` has no
 *   `_seconds`, so strict parsers would not count it in `X_seconds`: it goes into a summary family X,
 *   which a summary of the same base name (AM's `am_session`) shares;
 * - the legacy `_total` samples are counters in 0.0.4; OpenMetrics reserves `_total` for the counter
 *   family X, which the count already uses, so there they are of unknown type;
 * - histogram X (a timer's buckets, runtime metrics): `X_bucket{le=…}` cumulative up to `+Inf`, `X_sum`
 *   and `X_count`, in both profiles (these are not AM's samples, so `legacy` has no `_total` for them).
 */
export function writePrometheusText(collection: Collection, options: WriteOptions = {}): string {
  const writer = new ExpositionWriter(collection.resource, options);
  for (const family of collection.families) writer.add(family);
  return writer.finish();
}

/**
 * The same text, rendered family by family (a large family in pieces of SERIES_PER_PIECE series) with
 * a yield to the event loop whenever a slice of work has passed (see forEachSliced), so a large scrape
 * never stalls other work for long.
 */
export async function renderPrometheusText(collection: Collection, options: WriteOptions = {}): Promise<string> {
  const writer = new ExpositionWriter(collection.resource, options);
  await forEachSliced(piecesOf(collection.families), (family) => writer.add(family), () => performance.now());
  return writer.finish();
}

/**
 * Series rendered between two chances to yield: a family of thousands of series (a histogram writes
 * 84 lines for each) is rendered in pieces of this many, which the writer joins back into one family.
 */
const SERIES_PER_PIECE = 100;

function* piecesOf(families: readonly FamilySnapshot[]): Generator<FamilySnapshot> {
  for (const family of families) {
    if (!Array.isArray(family.series) || family.series.length <= SERIES_PER_PIECE) yield family;
    else for (let i = 0; i < family.series.length; i += SERIES_PER_PIECE) yield { ...family, series: family.series.slice(i, i + SERIES_PER_PIECE) } as FamilySnapshot;
  }
}

/** Renders families one at a time; families that share an output name are merged, whatever their order. */
class ExpositionWriter {
  private readonly blocks = new Map<string, Block>();
  private readonly format: ExpositionFormat;
  private readonly profile: NamingProfile;
  private readonly totalType: BlockType;

  constructor(
    private readonly resource: Labels,
    options: WriteOptions,
  ) {
    this.format = options.format ?? 'prometheus';
    this.profile = options.profile ?? 'aic';
    this.totalType = this.format === 'prometheus' ? 'counter' : 'unknown';
  }

  /** Renders the samples of one family. */
  add(family: FamilySnapshot): void {
    const { name, help } = family.descriptor;
    switch (family.kind) {
      case 'summary': {
        const counts = this.block(name, 'summary', help);
        const sums = this.sumBlock(name, counts, help);
        for (const s of family.series) {
          const pairs = labelPairs(s.labels, this.resource);
          sums.body += this.sample(sumName(name, this.profile), pairs, s.sum);
          counts.body += this.sample(`${name}_count`, pairs, s.count);
        }
        return;
      }
      case 'timer': {
        const secondsName = `${name}${TIMER_UNIT_SUFFIX}`;
        const seconds = this.block(secondsName, 'summary', help);
        const sums = this.sumBlock(secondsName, seconds, help);
        const counts = this.block(name, 'summary', help);
        for (const s of family.series) {
          const pairs = labelPairs(s.labels, this.resource);
          for (const { quantile, value } of s.quantiles) {
            seconds.body += `${secondsName}${labelBlock(pairs, this.format, `quantile="${quantile}",`)} ${formatValue(value, this.format)}\n`;
          }
          sums.body += this.sample(sumName(secondsName, this.profile), pairs, s.sum);
          counts.body += this.sample(`${name}_count`, pairs, s.count);
        }
        return;
      }
      case 'histogram':
        this.writeHistogram(this.block(name, 'histogram', help), family.series, histogramSampleNames(name));
        return;
      case 'gauge':
      case 'distinct':
        this.writePoints(this.block(name, 'gauge', help), name, family.series);
        return;
      case 'counter':
        // 0.0.4 names a counter family by its sample; OpenMetrics by the name without `_total`.
        this.writePoints(this.block(this.format === 'prometheus' ? `${name}_total` : name, 'counter', help), `${name}_total`, family.series);
        return;
      default:
        assertNever(family);
    }
  }

  /** The whole exposition: every family's HELP, TYPE and samples, and OpenMetrics' `# EOF`. */
  finish(): string {
    let text = '';
    for (const [name, b] of this.blocks) {
      const help = `# HELP ${name} ${escapeHelp(b.help, this.format)}\n`;
      const type = `# TYPE ${name} ${b.type}\n`;
      text += this.format === 'prometheus' ? help + type + b.body : type + help + b.body;
    }
    return this.format === 'openmetrics' ? `${text}# EOF\n` : text;
  }

  /** Where the sums of family `base` go: the family itself, or the legacy profile's `_total` family. */
  private sumBlock(base: string, family: Block, help: string): Block {
    return this.profile === 'legacy' ? this.block(sumName(base, 'legacy'), this.totalType, help) : family;
  }

  private block(name: string, type: BlockType, help: string): Block {
    let found = this.blocks.get(name);
    if (found === undefined) {
      found = { type, help, body: '' };
      this.blocks.set(name, found);
    } else if (found.type !== type) {
      throw new Error(`exposition family ${name} would be both ${found.type} and ${type}`);
    }
    return found;
  }

  private sample(name: string, pairs: string, value: number): string {
    return `${name}${labelBlock(pairs, this.format)} ${formatValue(value, this.format)}\n`;
  }

  /** Buckets, sum and count of each series; the bucket lines of a series share one prefix. */
  private writeHistogram(target: Block, series: readonly HistogramSeries[], names: { bucket: string; sum: string; count: string }): void {
    const close = this.format === 'prometheus' ? ',} ' : '} ';
    for (const s of series) {
      const pairs = labelPairs(s.labels, this.resource);
      const prefix = `${names.bucket}{${pairs}le="`;
      let lines = '';
      for (const { le, count } of s.buckets) lines += `${prefix}${leText(le)}"${close}${formatValue(count, this.format)}\n`;
      target.body += lines + this.sample(names.sum, pairs, s.sum) + this.sample(names.count, pairs, s.count);
    }
  }

  private writePoints(target: Block, name: string, points: readonly Point[]): void {
    for (const p of points) target.body += this.sample(name, labelPairs(p.labels, this.resource), p.value);
  }
}

const leTexts = new Map<number, string>();

/**
 * A bucket bound as `le` writes it, in OpenMetrics' canonical spelling in both formats (a label value,
 * compared as text by `sum by (le)` across pods); a histogram family repeats the same few bounds.
 */
function leText(le: number): string {
  let text = leTexts.get(le);
  if (text === undefined) {
    text = formatValue(le, 'openmetrics');
    if (leTexts.size < MAX_CACHED_BOUNDS) leTexts.set(le, text);
  }
  return text;
}

/** Bounds whose label text is kept: the timer layout's and any runtime histogram's, with room to spare. */
const MAX_CACHED_BOUNDS = 1_024;

function assertNever(value: never): never {
  throw new Error(`unknown family kind ${JSON.stringify(value)}`);
}
