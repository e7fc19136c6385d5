// Writes a Collection as Prometheus text 0.0.4 or OpenMetrics 1.0, in AM's sample names. Pure: no
// I/O, no clock, never reaches into a metric's cells.
import type { Collection, FamilySnapshot, HistogramSeries, Point } from '../../registry/collection.js';
import type { Labels } from '../../registry/labels.js';
import { pacer, type Pace } from '../../registry/time-slice.js';
import { formatValue, labelBlock, labelPairs, escapeHelp, type ExpositionFormat } from './format.js';
import { histogramSampleNames, sumName, TIMER_UNIT_SUFFIX, type NamingProfile } from './sample-names.js';

export type { NamingProfile };

export interface WriteOptions {
  readonly format?: ExpositionFormat | undefined;
  readonly profile?: NamingProfile | undefined;
}

/** How `renderExposition` bounds its output and reports what it left out. */
export interface RenderOptions extends WriteOptions {
  /** Largest exposition in UTF-8 bytes; a family that would pass it is left out. Default: no bound. */
  readonly maxBytes?: number | undefined;
  /**
   * Families to write after all others, given the metrics left out of this render (for example a
   * counter of render failures); they may be left out too if they fail.
   */
  readonly trailer?: ((leftOut: readonly LeftOutFamily[]) => readonly FamilySnapshot[]) | undefined;
}

/** A family `renderExposition` left out, and why (a RangeError, ExpositionTooLargeError, ...). */
export interface LeftOutFamily {
  readonly metric: string;
  readonly error: unknown;
}

/** What `renderExposition` wrote and what it left out. */
export interface RenderResult {
  readonly text: string;
  readonly leftOut: readonly LeftOutFamily[];
}

/** A family left out because the exposition would have passed its `maxBytes`. */
export class ExpositionTooLargeError extends Error {
  constructor(
    readonly metric: string,
    readonly maxBytes: number,
  ) {
    super(`family ${metric} would take the exposition past ${maxBytes} bytes`);
    this.name = 'ExpositionTooLargeError';
  }
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
  const writer = new ExpositionWriter(collection.resource, options, Infinity);
  for (const family of collection.families) writer.addOrThrow(family);
  return writer.finish();
}

/**
 * The same text, rendered family by family with a yield to the event loop whenever a slice of work
 * has passed (see forEachSliced), so a large scrape never stalls other work. Throws as soon as one
 * family cannot be rendered; `renderExposition` leaves such a family out instead.
 */
export async function renderPrometheusText(collection: Collection, options: WriteOptions = {}): Promise<string> {
  const writer = new ExpositionWriter(collection.resource, options, Infinity);
  const pace = pacer(() => performance.now());
  for (const family of collection.families) await writer.addPaced(family, pace);
  return writer.finish();
}

/**
 * The exposition for a scrape: as `renderPrometheusText`, except that a family that fails to render
 * (a string too long for the engine, a malformed series from another process) or would take the text
 * past `maxBytes` is left out whole and reported, and every other family is written. Families that
 * share an output name stay consistent: a family is committed only once all its samples rendered.
 */
export async function renderExposition(collection: Collection, options: RenderOptions = {}): Promise<RenderResult> {
  const writer = new ExpositionWriter(collection.resource, options, options.maxBytes ?? Infinity);
  const leftOut: LeftOutFamily[] = [];
  const pace = pacer(() => performance.now());
  const add = async (family: FamilySnapshot): Promise<void> => {
    try {
      await writer.addPaced(family, pace);
    } catch (error) {
      leftOut.push({ metric: family.descriptor.name, error });
    }
  };
  for (const family of collection.families) await add(family);
  for (const family of options.trailer?.(leftOut) ?? []) await add(family);
  return { text: writer.finish(), leftOut };
}

/**
 * Renders families one at a time; families that share an output name are merged, whatever their order.
 * Each family renders into staged blocks first and is committed only whole and within `maxBytes`.
 */
class ExpositionWriter {
  private readonly blocks = new Map<string, Block>();
  private staged = new Map<string, Block>();
  private bytes = 0;
  private readonly format: ExpositionFormat;
  private readonly profile: NamingProfile;
  private readonly totalType: BlockType;

  constructor(
    private readonly resource: Labels,
    options: WriteOptions,
    private readonly maxBytes: number,
  ) {
    this.format = options.format ?? 'prometheus';
    this.profile = options.profile ?? 'aic';
    this.totalType = this.format === 'prometheus' ? 'counter' : 'unknown';
  }

  /** Adds one family whole. @throws whatever rendering it throws, or ExpositionTooLargeError; nothing is added then. */
  addOrThrow(family: FamilySnapshot): void {
    this.staged = new Map();
    try {
      this.add(family);
      this.commit(family.descriptor.name);
    } finally {
      this.staged = new Map();
    }
  }

  /**
   * As `addOrThrow`, rendering a large family RENDER_CHUNK_SERIES series at a time and awaiting `pace`
   * in between, so one family of many thousand series does not stall the event loop.
   */
  async addPaced(family: FamilySnapshot, pace: Pace): Promise<void> {
    this.staged = new Map();
    try {
      for (const part of chunksOf(family)) {
        this.add(part);
        const turn = pace();
        if (turn !== undefined) await turn;
      }
      this.commit(family.descriptor.name);
    } finally {
      this.staged = new Map();
    }
  }

  /** Moves the staged blocks into the exposition. @throws ExpositionTooLargeError past maxBytes; nothing moves then. */
  private commit(metric: string): void {
    let bytes = 0;
    for (const [name, block] of this.staged) {
      bytes += Buffer.byteLength(block.body, 'utf8') + (this.blocks.has(name) ? 0 : headerBytes(name, block.help));
    }
    if (this.bytes + bytes > this.maxBytes) throw new ExpositionTooLargeError(metric, this.maxBytes);
    for (const [name, block] of this.staged) {
      const committed = this.blocks.get(name);
      if (committed === undefined) this.blocks.set(name, block);
      else committed.body += block.body;
    }
    this.bytes += bytes;
  }

  /** Renders the samples of one family into staged blocks. */
  private add(family: FamilySnapshot): void {
    const { name, help } = family.descriptor;
    switch (family.kind) {
      case 'summary': {
        const counts = this.block(name, 'summary', help);
        const sums = this.sumBlock(name, counts, help);
        for (const s of family.series) {
          const pairs = labelPairs(s.labels, this.resource);
          sums.body += this.sample(sumName(name, this.profile), pairs, s.sum);
          counts.body += this.sample(`${name}_count`, pairs, s.count);
          this.checkRoom(name);
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
          this.checkRoom(name);
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

  /** The staged block for output family `name`, checked against what is committed under that name. */
  private block(name: string, type: BlockType, help: string): Block {
    const committed = this.blocks.get(name);
    if (committed !== undefined && committed.type !== type) {
      throw new Error(`exposition family ${name} would be both ${committed.type} and ${type}`);
    }
    let found = this.staged.get(name);
    if (found === undefined) {
      found = { type, help: committed?.help ?? help, body: '' };
      this.staged.set(name, found);
    } else if (found.type !== type) {
      throw new Error(`exposition family ${name} would be both ${found.type} and ${type}`);
    }
    return found;
  }

  /**
   * @throws ExpositionTooLargeError as soon as the staged text is certainly too large (a UTF-16 unit
   *   is at least one UTF-8 byte), before a huge family is built in full.
   */
  private checkRoom(metric: string): void {
    if (this.maxBytes === Infinity) return;
    let chars = 0;
    for (const block of this.staged.values()) chars += block.body.length;
    if (this.bytes + chars > this.maxBytes) throw new ExpositionTooLargeError(metric, this.maxBytes);
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
    for (const p of points) {
      target.body += this.sample(name, labelPairs(p.labels, this.resource), p.value);
      this.checkRoom(name);
    }
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

/** Series rendered between two looks at the pace of a render. */
const RENDER_CHUNK_SERIES = 256;

/** `family` in parts of at most RENDER_CHUNK_SERIES series (the family itself when it is small). */
function chunksOf(family: FamilySnapshot): FamilySnapshot[] {
  if (!Array.isArray(family.series) || family.series.length <= RENDER_CHUNK_SERIES) return [family];
  const parts: FamilySnapshot[] = [];
  for (let i = 0; i < family.series.length; i += RENDER_CHUNK_SERIES) {
    parts.push({ ...family, series: family.series.slice(i, i + RENDER_CHUNK_SERIES) });
  }
  return parts;
}

/** Bytes of a family's `# HELP` and `# TYPE` lines, near enough for the size bound. */
function headerBytes(name: string, help: string): number {
  return 2 * name.length + Buffer.byteLength(help, 'utf8') + 24;
}

/** Names only the kind: a whole family in a log line could run to megabytes. */
function assertNever(value: never): never {
  throw new Error(`unknown family kind ${JSON.stringify((value as { kind?: unknown }).kind)}`);
}
