// One text exposition written to every scrape that joined it, while it renders. Which scrapes join
// which broadcast is SharedScrape's job; each answer's bytes and limits are StreamedResponse's.
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { ExpositionSink } from '../exposition/prometheus/prometheus-text.js';
import { PartJoiner, type PartReuse } from './body.js';
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
  /** Settles when the broadcast begins writing, or has failed before. */
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
    const gzip = [...this.audience].some((r) => r.isGzip) ? createGzip({ chunkSize: GZIP_CHUNK_BYTES }) : undefined;
    gzip?.on('data', (chunk: Buffer) => this.writeTo(true, last.gzipped.reuse(chunk)));
    // A compressor that fails is destroyed and emits 'close'; its error is thrown at the next step.
    let gzipFailure: Error | undefined;
    gzip?.on('error', (error: Error) => (gzipFailure = error));
    const settled = async (event: string): Promise<void> => {
      if (gzip === undefined) return;
      const done = new AbortController(); // takes the other listener off
      try {
        await Promise.race([once(gzip, event, { signal: done.signal }), once(gzip, 'close', { signal: done.signal })]);
      } finally {
        done.abort();
      }
      if (gzipFailure !== undefined) throw gzipFailure;
    };
    const joiner = new PartJoiner();
    const send = async (part: Uint8Array): Promise<void> => {
      this.writeTo(false, last.plain.reuse(part));
      if (gzip !== undefined && !gzip.write(part)) await settled('drain');
      if (gzipFailure !== undefined) throw gzipFailure;
    };
    try {
      await render(async (part) => {
        if (![...this.audience].some((r) => !r.isGone)) throw NOBODY_LEFT;
        for (const ready of joiner.push(part)) await send(ready);
      });
      for (const ready of joiner.flush()) await send(ready);
      if (gzip !== undefined) {
        const ended = settled('end');
        gzip.end();
        await ended;
      }
      last.plain.finish();
      last.gzipped.finish();
      for (const response of this.audience) response.end();
    } catch (error) {
      last.plain.discard();
      last.gzipped.discard();
      gzip?.destroy();
      for (const response of this.audience) response.abort();
      if (error !== NOBODY_LEFT) throw error;
    }
  }

  /** Writes `part` to every scrape that asked for the body gzipped (`isGzip`) or not. */
  private writeTo(isGzip: boolean, part: Uint8Array): void {
    for (const response of this.audience) if (response.isGzip === isGzip) response.write(part);
  }
}
