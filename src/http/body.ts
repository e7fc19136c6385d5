// A response body kept as the buffers it was encoded in (small ones joined), so it is never copied into
// one buffer; its gzip form is made from them too. Writing it is responses.ts's job.
import { constants, createGzip, type ZlibOptions } from 'node:zlib';
import { pipeline } from 'node:stream/promises';

/**
 * How scrapes and views are gzipped: zlib's fastest level. Why not its default (6): an exposition is so
 * repetitive that level 1 loses little, while the compressor's time is what a gzip scrape waits for.
 * Measured on 10,000 timer series (4.2 MB of text): level 1 takes 9 ms for 321 kB, level 6 34 ms for
 * 257 kB; 4 scrapers asking back to back for gzip got 145–173 answers in 5 s at level 1, 80–89 at 6.
 */
export const SCRAPE_GZIP: Readonly<ZlibOptions> = { level: constants.Z_BEST_SPEED };

/**
 * Consecutive parts shorter than this are joined (copied) into one when a body is made; larger parts
 * are kept as they are. Why: every part costs a write, to the response and to zlib, and a write has a
 * fixed cost: to a response a trip through Node's stream machinery, to a zlib stream a trip to
 * libuv's thread pool and back. A registry of 5,000 one-series families is 10,000 parts of ~140 bytes:
 * written one by one, its scrape took 0.66 s plain and 0.9 s to gzip instead of ~60 ms.
 */
const MIN_PART_BYTES = 16 * 1024;

/**
 * The bytes of one response, as consecutive parts (a JSON view, a protobuf exposition). Why not one
 * Buffer: copying parts encoded one by one into one buffer holds both at once, the body twice over,
 * and the copy is one synchronous step of tens of ms for a large body. Parts are never changed once
 * the body exists.
 */
export class Body {
  /** The bytes in order: parts of MIN_PART_BYTES or more as given, runs of smaller ones joined. */
  readonly parts: readonly Uint8Array[];
  /** Bytes of all parts together. */
  readonly length: number;

  /** A body of `parts` in order; small consecutive ones are joined (see MIN_PART_BYTES). */
  constructor(parts: readonly Uint8Array[]) {
    const joiner = new PartJoiner();
    this.parts = [...parts.flatMap((part) => joiner.push(part)), ...joiner.flush()];
    let length = 0;
    for (const part of this.parts) length += part.length;
    this.length = length;
  }

  /** A body of one buffer. */
  static of(bytes: Uint8Array): Body {
    return new Body([bytes]);
  }

  /** The body gzip-compressed (SCRAPE_GZIP) off the main thread, fed part by part as zlib takes them. */
  async gzipped(): Promise<Body> {
    const compressed: Buffer[] = [];
    await pipeline(this.parts, createGzip(SCRAPE_GZIP), async (output: AsyncIterable<Buffer>) => {
      for await (const chunk of output) compressed.push(chunk);
    });
    return new Body(compressed);
  }
}

/**
 * Joins consecutive parts shorter than MIN_PART_BYTES as they come, for a body made whole (Body) or
 * written while it is produced (StreamedResponse).
 */
export class PartJoiner {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  /** The parts ready to write once `part` has come: none (it waits to be joined), one or two. */
  push(part: Uint8Array): Uint8Array[] {
    if (part.length >= MIN_PART_BYTES) return [...this.flush(), part];
    this.pending.push(part);
    this.pendingBytes += part.length;
    return this.pendingBytes >= MIN_PART_BYTES ? this.flush() : [];
  }

  /** What is waiting, joined into one part (none if nothing waits). */
  flush(): Uint8Array[] {
    if (this.pendingBytes === 0) return [];
    const joined = this.pending.length === 1 ? (this.pending[0] as Uint8Array) : Buffer.concat(this.pending, this.pendingBytes);
    [this.pending, this.pendingBytes] = [[], 0];
    return [joined];
  }
}

/**
 * The parts of the last body of one kind (a format and naming profile) that clients still hold, to
 * write again where the next body repeats them. Why: clients that read slowly or never hold what was
 * written to them; a body written as it is produced is not kept whole anywhere, so without this each
 * scrape of unchanged data would be held once more by each such client. Handed the same part
 * objects, every socket's queue holds one copy between them (UnsentBodies counts it once).
 *
 * Only parts some response still holds (`isHeld`, asked of UnsentBodies) are kept: the others are let
 * go as soon as they are seen flushed, so a body read promptly is not kept whole here either. The last
 * body's parts are kept by WeakRef: what keeps one alive is the response buffers holding it, never
 * this, so once its clients have read it or left it goes, even if no body of the kind follows.
 */
export class PartReuse {
  private last: (WeakRef<Uint8Array> | undefined)[] = [];
  private current: (Uint8Array | undefined)[] = [];
  /** Where in `current` to look next for parts no response holds any more. */
  private unchecked = 0;

  constructor(private readonly isHeld: (part: Uint8Array) => boolean) {}

  /** `part`, or the part at the same place of the last body when a client still holds it and it has the same bytes. */
  reuse(part: Uint8Array): Uint8Array {
    const at = this.current.length;
    let earlier = this.last[at]?.deref();
    if (earlier !== undefined && !this.isHeld(earlier)) earlier = this.last[at] = undefined;
    const chosen = earlier !== undefined && Buffer.compare(earlier, part) === 0 ? earlier : part;
    this.letGoOfFlushed();
    this.current.push(chosen);
    return chosen;
  }

  /** Ends the body being written: the next one is compared with what clients still hold of it. */
  finish(): void {
    this.letGoOfFlushed();
    this.last = this.current.map((part) => (part !== undefined && this.isHeld(part) ? new WeakRef(part) : undefined));
    this.current = [];
    this.unchecked = 0;
  }

  /** Forgets the body being written (it was cut short); the next one is compared with the last whole one. */
  discard(): void {
    this.current = [];
    this.unchecked = 0;
  }

  /**
   * Lets go of the parts written so far that no response holds, from the oldest until one that is
   * still held: parts are flushed in order, so each is looked at about once.
   */
  private letGoOfFlushed(): void {
    while (this.unchecked < this.current.length) {
      const part = this.current[this.unchecked];
      if (part !== undefined && this.isHeld(part)) return;
      this.current[this.unchecked] = undefined;
      this.unchecked += 1;
    }
  }
}
