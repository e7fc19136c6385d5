// Bounds what clients that stop reading can hold: the bytes of response bodies handed to sockets but
// not yet flushed, and how long one response may take to be written. Which body to send is the
// handlers' job.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Body } from './body.js';

/**
 * Body bytes held for responses not yet flushed to their sockets; beyond it new responses get 503,
 * and a body written as it is produced is cut off before it would pass it with new bytes.
 */
export const DEFAULT_MAX_UNSENT_BYTES = 256 * 1024 * 1024;
/** Time a response has to be written completely; a client still not reading then is cut off. */
export const DEFAULT_WRITE_TIMEOUT_MS = 30_000;

/**
 * Bodies in flight to clients, each counted once however many responses share it: a Body (concurrent
 * requests share one rendered buffer), or each part of a body written while it is produced (scrapes
 * of unchanged data are written the same part objects, see PartReuse). A Body counts from `admit`
 * until its response or connection closes; a part from its write until it is flushed to the socket
 * or its response or connection closes.
 */
export class UnsentBodies {
  /**
   * How many responses hold each body or part. A WeakMap, not a Map: with a Map, a 100,000-series
   * scrape read promptly kept its whole body alive in about half the scrapes (2.0x its size added to
   * memory, against 1.25x; measured as bench `scrape-large` does), though each entry is deleted once
   * flushed.
   */
  private readonly holders = new WeakMap<Body | Uint8Array, number>();
  private heldBytes = 0;
  /** Per connection, the releases of its responses still counted (see `releasesOnClose`). */
  private readonly onClose = new WeakMap<Socket, Set<() => void>>();

  constructor(
    private readonly maxBytes: number,
    private readonly writeTimeoutMs: number,
  ) {}

  /** Bytes held now. */
  get size(): number {
    return this.heldBytes;
  }

  /** Whether some response still holds `part` unflushed. */
  holds(part: Uint8Array): boolean {
    return this.holders.has(part);
  }

  /**
   * Whether `res` may send `body` now; if so, counts it until `res` or its connection closes, and
   * destroys `res` if it is not written within the write timeout.
   */
  admit(res: ServerResponse, body: Body): boolean {
    if (!this.holders.has(body) && this.heldBytes > 0 && this.heldBytes + body.length > this.maxBytes) return false;
    this.hold(body, body.length);
    this.holdUntilClosed(res, () => this.release(body, body.length))();
    return true;
  }

  /**
   * Whether `res` may start a body written part by part as it is produced, whose size is not known
   * yet: not once the bytes held reach the bound. If so, returns what counts each part as it is
   * written to `res`, answering false for a part not held yet that would take the bytes held past the
   * bound (the caller then cuts the response). A part counts until the response's buffer shows it
   * flushed (`writableLength`, looked at on each later write) or the response or connection closes.
   * Why not a callback per write: with one, a 100,000-series scrape read promptly kept its whole
   * body alive in about half the scrapes (2.0x its size added to memory, against 1.25x; measured as
   * bench `scrape-large` does). The write timeout applies as for `admit`, from the first part written:
   * the scrape may wait for a collection, or for the render under way to end, before anything is
   * written to it, and that wait is not its client's doing.
   */
  admitStreamed(res: ServerResponse): ((part: Uint8Array) => boolean) | undefined {
    if (this.heldBytes > 0 && this.heldBytes >= this.maxBytes) return undefined;
    /** Parts written and not seen flushed, oldest first, with the bytes written up to their end. */
    const unflushed: { readonly part: Uint8Array; readonly end: number }[] = [];
    let written = 0;
    let isClosed = false;
    const releaseUntil = (flushed: number): void => {
      let n = 0;
      while (n < unflushed.length && (unflushed[n] as { end: number }).end <= flushed) n += 1;
      for (const { part } of unflushed.splice(0, n)) this.release(part, part.length);
    };
    const startDeadline = this.holdUntilClosed(res, () => {
      isClosed = true;
      releaseUntil(Number.POSITIVE_INFINITY);
    });
    return (part) => {
      if (isClosed) return false;
      if (written === 0) startDeadline();
      // writableLength also counts chunk framing and headers: what is released is flushed for sure.
      releaseUntil(written - res.writableLength);
      if (!this.holders.has(part) && this.heldBytes > 0 && this.heldBytes + part.length > this.maxBytes) return false;
      this.hold(part, part.length);
      written += part.length;
      unflushed.push({ part, end: written });
      return true;
    };
  }

  /**
   * Calls `release` once `res` or its connection closes; returns what starts the write timeout, at
   * which `res` is destroyed if not written by then.
   */
  private holdUntilClosed(res: ServerResponse, release: () => void): () => void {
    let deadline: NodeJS.Timeout | undefined;
    let isReleased = false;
    const startDeadline = (): void => {
      if (isReleased || deadline !== undefined) return;
      deadline = setTimeout(() => {
        if (!res.writableFinished) res.destroy();
      }, this.writeTimeoutMs);
      deadline.unref();
    };
    // The connection's close too: Node emits no 'close' on a response queued behind another on a
    // connection that goes away (nodejs/node#62534), and counting it for ever would refuse every
    // later new body.
    const socket = res.req.socket;
    const closed = (): void => {
      if (isReleased) return;
      isReleased = true;
      clearTimeout(deadline);
      this.onClose.get(socket)?.delete(closed);
      release();
    };
    res.once('close', closed);
    if (socket.destroyed) closed();
    else this.releasesOnClose(socket).add(closed);
    return startDeadline;
  }

  /**
   * What to release when `socket` closes, behind one 'close' listener per socket: a listener per
   * response would pile up on a connection that pipelines (Node warns past ten).
   */
  private releasesOnClose(socket: Socket): Set<() => void> {
    let releases = this.onClose.get(socket);
    if (releases === undefined) {
      const created = new Set<() => void>();
      this.onClose.set(socket, created);
      socket.once('close', () => {
        this.onClose.delete(socket);
        for (const release of created) release();
      });
      releases = created;
    }
    return releases;
  }

  private hold(thing: Body | Uint8Array, bytes: number): void {
    const holders = this.holders.get(thing) ?? 0;
    this.holders.set(thing, holders + 1);
    if (holders === 0) this.heldBytes += bytes;
  }

  private release(thing: Body | Uint8Array, bytes: number): void {
    const holders = (this.holders.get(thing) ?? 1) - 1;
    if (holders > 0) {
      this.holders.set(thing, holders);
      return;
    }
    this.holders.delete(thing);
    this.heldBytes -= bytes;
  }
}
