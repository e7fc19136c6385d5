// A response body kept as the buffers it was encoded in (small ones joined), so a large scrape is never
// copied into one buffer; its gzip form is made from them too. Writing it is responses.ts's job.
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';

/**
 * Consecutive parts shorter than this are joined (copied) into one when a body is made; larger parts
 * are kept as they are. Why: every part costs a write, to the response and to zlib, and a write has a
 * fixed cost: to a response a trip through Node's stream machinery, to a zlib stream a trip to
 * libuv's thread pool and back. A registry of 5,000 one-series families is 10,000 parts of ~140 bytes:
 * written one by one, its scrape took 0.66 s plain and 0.9 s to gzip instead of ~60 ms.
 */
const MIN_PART_BYTES = 16 * 1024;

/**
 * The bytes of one response, as consecutive parts. Why not one Buffer: a scrape is encoded part by
 * part while it renders (renderExpositionBytes), and copying the parts into one buffer held both at
 * once, the body twice over: a 100,000-series scrape added 2.5x its body to the server's memory, 2.0x
 * without the copy (`npm run bench -- scrape-large`), and the copy was one synchronous step of tens
 * of ms. Parts are never changed once the body exists.
 */
export class Body {
  /** The bytes in order: parts of MIN_PART_BYTES or more as given, runs of smaller ones joined. */
  readonly parts: readonly Uint8Array[];
  /** Bytes of all parts together. */
  readonly length: number;

  /** A body of `parts` in order; small consecutive ones are joined (see MIN_PART_BYTES). */
  constructor(parts: readonly Uint8Array[]) {
    this.parts = [...joinSmall(parts, MIN_PART_BYTES)];
    let length = 0;
    for (const part of this.parts) length += part.length;
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

  /** The body gzip-compressed (node:zlib defaults) off the main thread, fed part by part as zlib takes them. */
  async gzipped(): Promise<Body> {
    const compressed: Buffer[] = [];
    await pipeline(this.parts, createGzip(), async (output: AsyncIterable<Buffer>) => {
      for await (const chunk of output) compressed.push(chunk);
    });
    return new Body(compressed);
  }
}

/** `parts` in order, consecutive ones shorter than `minBytes` joined until they reach it. */
function* joinSmall(parts: readonly Uint8Array[], minBytes: number): Generator<Uint8Array> {
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
