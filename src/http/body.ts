// A response body kept as the buffers it was encoded in, so a large scrape is never copied into one
// buffer; its gzip form is made from batches of them. Writing it to a response is responses.ts's job.
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';

/**
 * Bytes handed to zlib per write, at least, unless the body ends first. Why: each write to a zlib
 * stream is one trip to libuv's thread pool and back (tens of µs), so a body of many small parts (a
 * registry of 5,000 one-series families is 10,000 parts of ~140 bytes) fed part by part took 0.9 s to
 * gzip instead of 6 ms. Smaller parts are copied into batches of this size; larger ones go as they are.
 */
const GZIP_BATCH_BYTES = 64 * 1024;

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

  /**
   * The body gzip-compressed (node:zlib defaults) off the main thread, fed to zlib in batches of at
   * least GZIP_BATCH_BYTES as zlib takes them, so only a batch or two is ever copied at a time.
   */
  async gzipped(): Promise<Body> {
    const compressed: Buffer[] = [];
    await pipeline(batchesOf(this.parts, GZIP_BATCH_BYTES), createGzip(), async (output: AsyncIterable<Buffer>) => {
      for await (const chunk of output) compressed.push(chunk);
    });
    return new Body(compressed);
  }
}

/** `parts` in order, consecutive ones shorter than `minBytes` joined until they reach it. */
function* batchesOf(parts: readonly Uint8Array[], minBytes: number): Generator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for (const part of parts) {
    if (part.length >= minBytes) {
      if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
      [pending, pendingBytes] = [[], 0];
      yield part;
      continue;
    }
    pending.push(part);
    pendingBytes += part.length;
    if (pendingBytes >= minBytes) {
      yield Buffer.concat(pending, pendingBytes);
      [pending, pendingBytes] = [[], 0];
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
