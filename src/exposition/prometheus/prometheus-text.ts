// Writes a Collection as Prometheus text 0.0.4 or OpenMetrics 1.0, in AM's sample names. Pure: no
// I/O, no clock, never reaches into a metric's cells.
import type { Collection, FamilySnapshot, Point } from '../../registry/collection.js';
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
 * The same text, rendered family by family with a yield to the event loop whenever a slice of work
 * has passed (see forEachSliced), so a large scrape never stalls other work.
 */
export async function renderPrometheusText(collection: Collection, options: WriteOptions = {}): Promise<string> {
  const writer = new ExpositionWriter(collection.resource, options);
  await forEachSliced(collection.families, (family) => writer.add(family), () => performance.now());
  return writer.finish();
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
            seconds.body += `${secondsName}${labelBlock(pairs, this.format, `quantile="${quantile}",`)} ${formatValue(value)}\n`;
          }
          sums.body += this.sample(sumName(secondsName, this.profile), pairs, s.sum);
          counts.body += this.sample(`${name}_count`, pairs, s.count);
        }
        return;
      }
      case 'histogram': {
        const block = this.block(name, 'histogram', help);
        const names = histogramSampleNames(name);
        for (const s of family.series) {
          const pairs = labelPairs(s.labels, this.resource);
          for (const { le, count } of s.buckets) {
            block.body += `${names.bucket}${labelBlock(pairs, this.format, `le="${formatValue(le)}",`)} ${formatValue(count)}\n`;
          }
          block.body += this.sample(names.sum, pairs, s.sum) + this.sample(names.count, pairs, s.count);
        }
        return;
      }
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
    return `${name}${labelBlock(pairs, this.format)} ${formatValue(value)}\n`;
  }

  private writePoints(target: Block, name: string, points: readonly Point[]): void {
    for (const p of points) target.body += this.sample(name, labelPairs(p.labels, this.resource), p.value);
  }
}

function assertNever(value: never): never {
  throw new Error(`unknown family kind ${JSON.stringify(value)}`);
}
