// A response body kept as the buffers it was encoded in, so a large scrape is never copied into one
// buffer; its gzip form is made part by part too. Writing it to a response is responses.ts's job.
import { createGzip } from 'node:zlib';
import { once } from 'node:events';

/**
 * The bytes of one response, as consecutive parts. Why not one Buffer: a scrape is encoded part by
 * part while it renders (renderExpositionBytes), and copying the parts into one buffer held both at
 * once, the body twice over: a 100,000-series scrape added 2.5x its body to the heap, 1.5x without the
 * copy (`npm run bench -- scrape-large`). Parts are never changed once the body exists.
 */
export class Body {
  /** Bytes of all parts together. */
  readonly length: number;

  constructor(readonly parts: readonly Uint8Array[]) {
    let length = 0;
    for (const part of parts) length += part.length;
    this.length = length;
  }

  /** A body of one buffer. */
  static of(bytes: Uint8Array): Body {
    return new Body([bytes]);
  }

  /** Whether `other` holds the same bytes, however either is split into parts. */
  equals(other: Body): boolean {
    if (other.length !== this.length) return false;
    const [mine, theirs] = [this.parts, other.parts];
    let [i, j, at, theirAt] = [0, 0, 0, 0];
    while (i < mine.length && j < theirs.length) {
      const [part, theirPart] = [mine[i] as Uint8Array, theirs[j] as Uint8Array];
      const n = Math.min(part.length - at, theirPart.length - theirAt);
      if (Buffer.compare(part.subarray(at, at + n), theirPart.subarray(theirAt, theirAt + n)) !== 0) return false;
      at += n;
      theirAt += n;
      if (at === part.length) [i, at] = [i + 1, 0];
      if (theirAt === theirPart.length) [j, theirAt] = [j + 1, 0];
    }
    return true;
  }

  /** The body gzip-compressed (node:zlib defaults), fed to zlib part by part off the main thread. */
  async gzipped(): Promise<Body> {
    const gzip = createGzip();
    const compressed: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => compressed.push(chunk));
    const ended = once(gzip, 'end');
    for (const part of this.parts) gzip.write(part);
    gzip.end();
    await ended;
    return new Body(compressed);
  }
}
