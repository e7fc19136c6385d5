// Writes a Collection as Prometheus text 0.0.4 or OpenMetrics 1.0, in AM's sample names. Pure: no
// I/O, no clock, never reaches into a metric's cells.
import type { Collection, FamilySnapshot, HistogramSeries, Point } from '../../registry/collection.js';
import type { Labels } from '../../registry/labels.js';
import { pacer, type Pace } from '../../registry/time-slice.js';
import { formatValue, labelBlock, labelPairs, escapeHelp, type ExpositionFormat } from './format.js';
import { histogramSampleNames, prometheusNames, sumName, TIMER_UNIT_SUFFIX, type NamingProfile } from './sample-names.js';

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

/**
 * Where `writeExposition` puts the exposition's UTF-8 bytes, part after part in order; rendering goes
 * on once what it returns has settled (a server's backpressure).
 */
export type ExpositionSink = (part: Uint8Array) => Promise<void> | undefined;

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

/**
 * The text of some of one family's series: a flat string, or its UTF-8 bytes when the writer encodes
 * as it goes (see `ExpositionWriter`'s `encodes`).
 */
type Chunk = string | Buffer;

/** An output family: its samples as chunks. */
interface Block {
  readonly type: BlockType;
  readonly help: string;
  readonly chunks: Chunk[];
}

/** A block the family being added writes into: lines not yet joined into a chunk, and how many `checkRoom` counted. */
interface StagedBlock extends Block {
  readonly lines: string[];
  counted: number;
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
 * The same text, rendered while `collect` hands out families one at a time (as
 * `MetricRegistry.collectEach` does), so each family is dropped once written and a large registry's
 * whole collection is never held. `resource` is the labels every series carries.
 */
export async function renderPrometheusTextStreamed(
  resource: Labels,
  collect: (use: (family: FamilySnapshot) => Promise<void>) => Promise<unknown>,
  options: WriteOptions = {},
): Promise<string> {
  const writer = new ExpositionWriter(resource, options, Infinity);
  const pace = pacer(() => performance.now());
  await collect((family) => writer.addPaced(family, pace));
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
  const leftOut = await addAllOrLeaveOut(writer, collection, options);
  return { text: writer.finish(), leftOut };
}

/**
 * As `renderExposition`, written to `sink` as UTF-8 bytes while it renders: each output family goes
 * out once no later family of the collection can write into it (see ExpositionWriter's `emitDone`),
 * so a large exposition never lies whole in memory, as text or as bytes. Returns the families left out.
 */
export async function writeExposition(collection: Collection, sink: ExpositionSink, options: RenderOptions = {}): Promise<LeftOutFamily[]> {
  const writer = new ExpositionWriter(collection.resource, options, options.maxBytes ?? Infinity, true);
  const lastWriters = lastWriterOfEachName(collection.families);
  const leftOut = await addAllOrLeaveOut(writer, collection, options, (index) => writer.emitDone(sink, (name) => (lastWriters.get(name) ?? -1) > index));
  await writer.end(sink);
  return leftOut;
}

/**
 * The index of the last family in `families` that may write each output family name. Which names a
 * family writes depends on the format and profile; `prometheusNames` lists every name it may write in
 * any of them (the names the registry reserves), so a name is never taken for finished too early.
 */
function lastWriterOfEachName(families: readonly FamilySnapshot[]): Map<string, number> {
  const lastWriters = new Map<string, number>();
  families.forEach((family, index) => {
    for (const name of namesOf(family)) lastWriters.set(name, index);
  });
  return lastWriters;
}

/** `prometheusNames` of `family`; none for one too malformed to name (from another process), which the writer leaves out. */
function namesOf(family: FamilySnapshot): readonly string[] {
  const name: unknown = (family as { descriptor?: { name?: unknown } }).descriptor?.name;
  // A kind of no known shape gets undefined from prometheusNames' exhaustive switch.
  const names: readonly string[] | undefined = typeof name === 'string' ? prometheusNames(family.kind, name) : undefined;
  return names ?? [];
}

/**
 * Adds every family of `collection`, then the trailer, leaving out (and returning) those that fail;
 * `added(index)` is awaited after each family of the collection.
 */
async function addAllOrLeaveOut(
  writer: ExpositionWriter,
  collection: Collection,
  options: RenderOptions,
  added: (index: number) => Promise<void> | undefined = () => undefined,
): Promise<LeftOutFamily[]> {
  const leftOut: LeftOutFamily[] = [];
  const pace = pacer(() => performance.now());
  const add = async (family: FamilySnapshot): Promise<void> => {
    try {
      await writer.addPaced(family, pace);
    } catch (error) {
      leftOut.push({ metric: family.descriptor.name, error });
    }
  };
  for (const [index, family] of collection.families.entries()) {
    await add(family);
    const waiting = added(index);
    if (waiting !== undefined) await waiting;
  }
  for (const family of options.trailer?.(leftOut) ?? []) await add(family);
  return leftOut;
}

/**
 * Renders families one at a time; families that share an output name are merged, whatever their order.
 * Each family renders into staged blocks first and is committed only whole and within `maxBytes`.
 * Why lines are joined into chunks: a string built line by line with `+=` is a rope of every line and
 * every piece of it, about three times the text's size; joining each part of a family into one flat
 * chunk keeps a large scrape's memory close to its body (notes/perf-round-two.md). A writer that
 * `encodes` turns each chunk into UTF-8 bytes as soon as it is joined: the strings then die young,
 * while text kept until the end survives young-generation collections (copied each time, then
 * promoted to be marked again) and is flattened and encoded in one long step by `Buffer.from`.
 */
class ExpositionWriter {
  private readonly blocks = new Map<string, Block>();
  /** Output families already given to a sink (see `emitDone`). */
  private readonly written = new Set<string>();
  private staged = new Map<string, StagedBlock>();
  /** UTF-16 units of the staged lines `checkRoom` has counted. */
  private stagedChars = 0;
  private bytes = 0;
  private readonly format: ExpositionFormat;
  private readonly profile: NamingProfile;
  private readonly totalType: BlockType;

  constructor(
    private readonly resource: Labels,
    options: WriteOptions,
    private readonly maxBytes: number,
    private readonly encodes = false,
  ) {
    this.format = options.format ?? 'prometheus';
    this.profile = options.profile ?? 'aic';
    this.totalType = this.format === 'prometheus' ? 'counter' : 'unknown';
    if (this.format === 'openmetrics') this.bytes = OPENMETRICS_EOF.length; // written by finish()
  }

  /** Adds one family whole. @throws whatever rendering it throws, or ExpositionTooLargeError; nothing is added then. */
  addOrThrow(family: FamilySnapshot): void {
    this.unstage();
    try {
      this.add(family);
      this.commit(family.descriptor.name);
    } finally {
      this.unstage();
    }
  }

  /**
   * As `addOrThrow`, rendering a large family RENDER_CHUNK_SERIES series at a time and awaiting `pace`
   * in between, so one family of many thousand series does not stall the event loop.
   */
  async addPaced(family: FamilySnapshot, pace: Pace): Promise<void> {
    this.unstage();
    try {
      for (const part of chunksOf(family)) {
        this.add(part);
        this.joinStaged();
        const turn = pace();
        if (turn !== undefined) await turn;
      }
      this.commit(family.descriptor.name);
    } finally {
      this.unstage();
    }
  }

  /** Moves the staged blocks into the exposition. @throws ExpositionTooLargeError past maxBytes; nothing moves then. */
  private commit(metric: string): void {
    this.joinStaged();
    let bytes = 0;
    for (const [name, block] of this.staged) {
      for (const chunk of block.chunks) bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.length;
      if (!this.blocks.has(name)) bytes += Buffer.byteLength(this.header(name, block), 'utf8');
    }
    if (this.bytes + bytes > this.maxBytes) throw new ExpositionTooLargeError(metric, this.maxBytes);
    for (const [name, block] of this.staged) {
      const committed = this.blocks.get(name);
      if (committed === undefined) this.blocks.set(name, { type: block.type, help: block.help, chunks: block.chunks });
      else for (const chunk of block.chunks) committed.chunks.push(chunk);
    }
    this.bytes += bytes;
  }

  /** Joins each staged block's lines into one chunk. */
  private joinStaged(): void {
    for (const block of this.staged.values()) {
      if (block.lines.length === 0) continue;
      const text = block.lines.join('');
      block.chunks.push(this.encodes ? Buffer.from(text, 'utf8') : text);
      block.lines.length = 0;
      block.counted = 0;
    }
  }

  private unstage(): void {
    this.staged = new Map();
    this.stagedChars = 0;
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
          sums.push(this.sample(sumName(name, this.profile), pairs, s.sum));
          counts.push(this.sample(`${name}_count`, pairs, s.count));
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
            seconds.push(`${secondsName}${labelBlock(pairs, this.format, `quantile="${quantile}",`)} ${formatValue(value, this.format)}\n`);
          }
          sums.push(this.sample(sumName(secondsName, this.profile), pairs, s.sum));
          counts.push(this.sample(`${name}_count`, pairs, s.count));
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

  /**
   * The whole exposition: every family's HELP, TYPE and samples, and OpenMetrics' `# EOF`. The chunks
   * are concatenated, not copied: V8 keeps `+` of long strings as a rope over them, so the text costs
   * its chunks once (a caller that needs flat bytes, such as `Buffer.from`, copies it then).
   */
  finish(): string {
    let text = '';
    for (const [name, b] of this.blocks) {
      text += this.header(name, b);
      for (const chunk of b.chunks) text += chunk.toString();
    }
    return this.format === 'openmetrics' ? text + OPENMETRICS_EOF : text;
  }

  /**
   * Writes to `sink`, in order, the leading output families that are finished (`isOpen` false for
   * their name): each one's header and encoded chunks, not copied. A family is written whole or not
   * at all, and the order stays the one `finish` writes: an open family holds back those after it.
   * A family written out is forgotten; a later family writing into it again is refused (see `block`),
   * since its header is already out. Returns a promise only when the sink did: a render of many small
   * families would otherwise wait a turn of the microtask queue for each part.
   */
  emitDone(sink: ExpositionSink, isOpen: (name: string) => boolean): Promise<void> | undefined {
    for (const [name, block] of this.blocks) {
      if (isOpen(name)) return undefined;
      this.blocks.delete(name);
      this.written.add(name);
      const parts = [Buffer.from(this.header(name, block), 'utf8'), ...block.chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk))];
      const waiting = writeEach(sink, parts);
      if (waiting !== undefined) return waiting.then(() => this.emitDone(sink, isOpen));
    }
    return undefined;
  }

  /** Writes every family not written yet, then OpenMetrics' `# EOF`: the end of the exposition. */
  async end(sink: ExpositionSink): Promise<void> {
    await this.emitDone(sink, () => false);
    if (this.format === 'openmetrics') await sink(Buffer.from(OPENMETRICS_EOF, 'utf8'));
  }

  /** The `# HELP` and `# TYPE` lines of output family `name`, in the format's order. */
  private header(name: string, block: Block): string {
    const help = `# HELP ${name} ${escapeHelp(block.help, this.format)}\n`;
    const type = `# TYPE ${name} ${block.type}\n`;
    return this.format === 'prometheus' ? help + type : type + help;
  }

  /** Where the sums of family `base` go: the family itself, or the legacy profile's `_total` family. */
  private sumBlock(base: string, family: string[], help: string): string[] {
    return this.profile === 'legacy' ? this.block(sumName(base, 'legacy'), this.totalType, help) : family;
  }

  /**
   * The lines the current family writes into output family `name` (its staged block), checked against
   * what is committed under that name.
   */
  private block(name: string, type: BlockType, help: string): string[] {
    if (this.written.has(name)) throw new Error(`exposition family ${name} was already written out`);
    const committed = this.blocks.get(name);
    if (committed !== undefined && committed.type !== type) {
      throw new Error(`exposition family ${name} would be both ${committed.type} and ${type}`);
    }
    let found = this.staged.get(name);
    if (found === undefined) {
      found = { type, help: committed?.help ?? help, chunks: [], lines: [], counted: 0 };
      this.staged.set(name, found);
    } else if (found.type !== type) {
      throw new Error(`exposition family ${name} would be both ${found.type} and ${type}`);
    }
    return found.lines;
  }

  /**
   * @throws ExpositionTooLargeError as soon as the staged text is certainly too large (a UTF-16 unit
   *   is at least one UTF-8 byte), before a huge family is built in full. Each line is counted once.
   */
  private checkRoom(metric: string): void {
    if (this.maxBytes === Infinity) return;
    for (const block of this.staged.values()) {
      for (; block.counted < block.lines.length; block.counted += 1) this.stagedChars += (block.lines[block.counted] as string).length;
    }
    if (this.bytes + this.stagedChars > this.maxBytes) throw new ExpositionTooLargeError(metric, this.maxBytes);
  }

  private sample(name: string, pairs: string, value: number): string {
    return `${name}${labelBlock(pairs, this.format)} ${formatValue(value, this.format)}\n`;
  }

  /** Buckets, sum and count of each series; the bucket lines of a series share one prefix. */
  private writeHistogram(target: string[], series: readonly HistogramSeries[], names: { bucket: string; sum: string; count: string }): void {
    const close = this.format === 'prometheus' ? ',} ' : '} ';
    for (const s of series) {
      const pairs = labelPairs(s.labels, this.resource);
      const prefix = `${names.bucket}{${pairs}le="`;
      let lines = '';
      for (const { le, count } of s.buckets) lines += `${prefix}${leText(le)}"${close}${formatValue(count, this.format)}\n`;
      target.push(lines, this.sample(names.sum, pairs, s.sum), this.sample(names.count, pairs, s.count));
    }
  }

  private writePoints(target: string[], name: string, points: readonly Point[]): void {
    for (const p of points) {
      target.push(this.sample(name, labelPairs(p.labels, this.resource), p.value));
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

/**
 * Gives `sink` each of `parts` in turn, waiting only where it returns a promise; returns one only if
 * something is still to wait for.
 */
export function writeEach(sink: ExpositionSink, parts: readonly Uint8Array[], from = 0): Promise<void> | undefined {
  for (let i = from; i < parts.length; i += 1) {
    const waiting = sink(parts[i] as Uint8Array);
    if (waiting !== undefined) return waiting.then(() => writeEach(sink, parts, i + 1));
  }
  return undefined;
}

/** The line that ends an OpenMetrics exposition. */
const OPENMETRICS_EOF = '# EOF\n';

/** Names only the kind: a whole family in a log line could run to megabytes. */
function assertNever(value: never): never {
  throw new Error(`unknown family kind ${JSON.stringify((value as { kind?: unknown }).kind)}`);
}
