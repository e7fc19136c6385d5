// Writes snapshots as Prometheus text 0.0.4 or OpenMetrics 1.0, in AM's sample names. Pure: no I/O,
// no clock, never reaches into a metric's storage.
import { TIMER_QUANTILES, type FamilySnapshot, type Point } from './snapshot.js';
import { formatValue, labelBlock, labelPairs, escapeHelp, type ExpositionFormat } from './format.js';

/**
 * Which sample names a render uses for sums: `aic` writes `X_sum` and `X_seconds_sum` (AIC and AM 8's
 * `/metrics/prometheus/0.0.4`), `legacy` writes `X_total` and `X_seconds_total` (AM ≤ 7.5).
 */
export type NamingProfile = 'aic' | 'legacy';

export interface WriteOptions {
  readonly format?: ExpositionFormat;
  readonly profile?: NamingProfile;
}

/** Content types of the two formats, as sent in `Content-Type`. */
export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

type BlockType = 'summary' | 'gauge' | 'counter' | 'unknown';

interface Block {
  readonly type: BlockType;
  readonly help: string;
  body: string;
}

const QUANTILE_LABELS = TIMER_QUANTILES.map((q) => `quantile="${q}",`);

/**
 * Renders families as one exposition. Every output family has exactly one `# HELP` and `# TYPE`:
 * - summary X: family X with `X_sum` (legacy: `X_total`, a family of its own) and `X_count`;
 * - timer X: family `X_seconds` with the quantiles and `X_seconds_sum`; AM's count `X_count` has no
 *   `_seconds`, so strict parsers would not count it in `X_seconds`: it goes into a summary family X,
 *   which a summary of the same base name (AM's `am_session`) shares;
 * - the legacy `_total` samples are counters in 0.0.4; OpenMetrics reserves `_total` for the counter
 *   family X, which the count already uses, so there they are of unknown type.
 */
export function writeExposition(families: readonly FamilySnapshot[], options: WriteOptions = {}): string {
  const writer = new ExpositionWriter(options);
  for (const family of families) writer.add(family);
  return writer.finish();
}

/**
 * The same rendering, one family at a time, so a caller can yield to the event loop between
 * families of a large scrape. Families that share an output name are merged, whatever their order.
 */
export class ExpositionWriter {
  private readonly blocks = new Map<string, Block>();
  private readonly format: ExpositionFormat;
  private readonly isLegacy: boolean;
  private readonly totalType: BlockType;

  constructor(options: WriteOptions = {}) {
    this.format = options.format ?? 'prometheus';
    this.isLegacy = options.profile === 'legacy';
    this.totalType = this.format === 'prometheus' ? 'counter' : 'unknown';
  }

  /** Renders the samples of one family. */
  add(family: FamilySnapshot): void {
    const format = this.format;
    switch (family.kind) {
      case 'summary': {
        const { name, help } = family.descriptor;
        const counts = this.block(name, 'summary', help);
        const sums = this.isLegacy ? this.block(`${name}_total`, this.totalType, help) : counts;
        const sumName = this.isLegacy ? `${name}_total` : `${name}_sum`;
        for (const s of family.series) {
          const pairs = labelPairs(s.labels);
          sums.body += sample(sumName, pairs, format, s.sum);
          counts.body += sample(`${name}_count`, pairs, format, s.count);
        }
        return;
      }
      case 'timer': {
        const { name, help } = family.descriptor;
        const seconds = this.block(`${name}_seconds`, 'summary', help);
        const sums = this.isLegacy ? this.block(`${name}_seconds_total`, this.totalType, help) : seconds;
        const sumName = this.isLegacy ? `${name}_seconds_total` : `${name}_seconds_sum`;
        const counts = this.block(name, 'summary', help);
        for (const s of family.series) {
          const pairs = labelPairs(s.labels);
          for (let i = 0; i < QUANTILE_LABELS.length; i += 1) {
            seconds.body += `${name}_seconds${labelBlock(pairs, format, QUANTILE_LABELS[i])} ${formatValue(s.quantiles[i] ?? NaN)}\n`;
          }
          sums.body += sample(sumName, pairs, format, s.sum);
          counts.body += sample(`${name}_count`, pairs, format, s.count);
        }
        return;
      }
      case 'gauge':
      case 'distinct':
        writePoints(this.block(family.descriptor.name, 'gauge', family.descriptor.help), family.descriptor.name, family.series, format);
        return;
      case 'counter': {
        // 0.0.4 names a counter family by its sample; OpenMetrics by the name without `_total`.
        const familyName = format === 'prometheus' ? `${family.name}_total` : family.name;
        writePoints(this.block(familyName, 'counter', family.help), `${family.name}_total`, family.series, format);
        return;
      }
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
}

function sample(name: string, pairs: string, format: ExpositionFormat, value: number): string {
  return `${name}${labelBlock(pairs, format)} ${formatValue(value)}\n`;
}

function writePoints(target: Block, name: string, points: readonly Point[], format: ExpositionFormat): void {
  for (const p of points) target.body += sample(name, labelPairs(p.labels), format, p.value);
}

function assertNever(value: never): never {
  throw new Error(`unknown family kind ${JSON.stringify(value)}`);
}
