// One text exposition written to every scrape that joined it, while it renders. Which scrapes join
// which broadcast is SharedScrape's job; each answer's bytes and limits are StreamedResponse's.
import { createGzip } from 'node:zlib';
import { writeEach, type ExpositionSink } from '../exposition/prometheus/prometheus-text.js';
import { PartJoiner, SCRAPE_GZIP, type PartReuse } from './body.js';
import type { StreamedResponse } from './streamed-response.js';

/** The last bodies of the broadcast's kind, plain and gzipped, whose parts it writes again where it repeats them. */
export interface LastBodies {
  readonly plain: PartReuse;
  readonly gzipped: PartReuse;
}

/**
 * Output zlib hands back per round trip to libuv's thread pool (node:zlib's default is 16 KiB). Each
 * round trip costs a turn of the event loop, and the render waits for the compressor.
 */
const GZIP_CHUNK_BYTES = 128 * 1024;

/** Thrown into the render once every scrape of a broadcast has gone: nobody is left to write to. */
const NOBODY_LEFT = new Error('every scrape of the broadcast has gone');

/**
 * One exposition rendered once for every scrape that joined before it began, each part written to
 * all of them as it comes, gzipped once for those that accept gzip. It waits for nobody but the
 * compressor (libuv's thread pool): a client reading slowly or not at all holds what was written to
 * it, not the render, and the body is never held whole. A scrape arriving once it began joins the
 * next one.
 */
export class TextBroadcast {
  private readonly audience = new Set<StreamedResponse>();
  private hasBegun = false;
  private markBegun: () => void = () => undefined;
  /** Resolves when the broadcast begins writing; never if it fails before (collecting): wait on its `written` too. */
  readonly begun: Promise<void>;

  constructor() {
    this.begun = new Promise((resolve) => (this.markBegun = resolve));
  }

  /** Adds `response`; false once the broadcast has begun. */
  join(response: StreamedResponse): boolean {
    if (this.hasBegun) return false;
    this.audience.add(response);
    return true;
  }

  /** Takes `response` out before it begins (its scrape gave up waiting); false once it has begun. */
  leave(response: StreamedResponse): boolean {
    if (this.hasBegun) return false;
    this.audience.delete(response);
    return true;
  }

  /**
   * Sends every joined scrape its headers, then the exposition `render` writes to its sink, and ends
   * them. Rejects with `render`'s error, having cut every answer it had begun; resolves early when
   * every client has gone.
   */
  async run(render: (sink: ExpositionSink) => Promise<void>, last: LastBodies): Promise<void> {
    this.hasBegun = true;
    this.markBegun();
    for (const response of this.audience) response.start();
    let gzip = this.isAwaited(true) ? new Compressor((chunk) => this.writeTo(true, last.gzipped.reuse(chunk))) : undefined;
    const joiner = new PartJoiner();
    const send = (part: Uint8Array): Promise<void> | undefined => {
      this.writeTo(false, last.plain.reuse(part));
      // Once every scrape that asked for gzip has gone, the rest would be gzipped for nobody, and the
      // render would still wait for zlib.
      if (gzip !== undefined && !this.isAwaited(true)) {
        gzip.destroy();
        gzip = undefined;
      }
      return gzip?.write(part);
    };
    try {
      // The sink returns a promise only when the compressor asks to wait (see ExpositionWriter.emitDone).
      await render((part) => {
        if (this.isDeserted()) throw NOBODY_LEFT;
        return writeEach(send, joiner.push(part));
      });
      await writeEach(send, joiner.flush());
      await gzip?.end();
      last.plain.finish();
      // A body not gzipped (to the end) is no last gzipped body: stalled gzip scrapes hold the one before.
      if (gzip === undefined) last.gzipped.discard();
      else last.gzipped.finish();
      for (const response of this.audience) response.end();
    } catch (error) {
      last.plain.discard();
      last.gzipped.discard();
      gzip?.destroy();
      for (const response of this.audience) response.abort();
      if (error !== NOBODY_LEFT) throw error;
    }
  }

  /** Whether some scrape that asked for the body gzipped (`isGzip`) or not is still there. */
  private isAwaited(isGzip: boolean): boolean {
    for (const response of this.audience) if (response.isGzip === isGzip && !response.isGone) return true;
    return false;
  }

  /** Whether every scrape of the broadcast has gone. */
  private isDeserted(): boolean {
    for (const response of this.audience) if (!response.isGone) return false;
    return true;
  }

  /** Writes `part` to every scrape that asked for the body gzipped (`isGzip`) or not. */
  private writeTo(isGzip: boolean, part: Uint8Array): void {
    for (const response of this.audience) if (response.isGzip === isGzip) response.write(part);
  }
}

/** One gzip stream (SCRAPE_GZIP, GZIP_CHUNK_BYTES) whose output goes to `output` as it comes. */
class Compressor {
  private readonly gzip = createGzip({ ...SCRAPE_GZIP, chunkSize: GZIP_CHUNK_BYTES });
  /** Set once zlib failed (it then destroys the stream, which emits 'close'), or the stream closed before its end. */
  private failure: Error | undefined;
  /**
   * The one wait under way (the render waits for each before it writes again), settled by its event or
   * by 'close'. Why listeners added once rather than `events.once` per wait: a gzip scrape of 100,000
   * timer series waits for 'drain' ~390 times, and a race of two `once` taken off again with an
   * AbortSignal cost ~32 µs a wait (a loop of 20,000), ~12 ms a scrape; one `once` ~3 µs.
   */
  private waiting: { readonly event: 'drain' | 'end'; readonly settle: () => void } | undefined;

  constructor(output: (chunk: Buffer) => void) {
    this.gzip.on('data', output);
    this.gzip.on('error', (error: Error) => (this.failure = error));
    for (const event of ['drain', 'end', 'close'] as const) this.gzip.on(event, () => this.wake(event));
  }

  /** Feeds `part`; a promise to wait for when zlib asks to. @throws zlib's error once it failed. */
  write(part: Uint8Array): Promise<void> | undefined {
    if (this.failure !== undefined) throw this.failure;
    return this.gzip.write(part) ? undefined : this.settled('drain');
  }

  /** Ends the input; resolves once the last output was handed out. @throws zlib's error. */
  async end(): Promise<void> {
    const ended = this.settled('end');
    this.gzip.end();
    await ended;
  }

  destroy(): void {
    this.gzip.destroy();
  }

  /** Waits for `event`, or for 'close' should zlib fail first (or have failed already). @throws zlib's error. */
  private settled(event: 'drain' | 'end'): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      this.waiting = { event, settle: () => (this.failure === undefined ? resolve() : reject(this.failure)) };
    });
  }

  private wake(event: 'drain' | 'end' | 'close'): void {
    // Closed before its output ended, with no error: whatever was written is not a whole gzip body.
    if (event === 'close' && this.failure === undefined && !this.gzip.readableEnded) this.failure = new Error('the gzip stream closed before its end');
    const waiting = this.waiting;
    if (waiting === undefined || (event !== 'close' && event !== waiting.event)) return;
    this.waiting = undefined;
    waiting.settle();
  }
}
