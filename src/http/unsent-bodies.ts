// Bounds what clients that stop reading can hold: the bytes of response bodies handed to sockets but
// not yet flushed, and how long one response may take to be written. Which body to send is the
// handlers' job.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Body } from './body.js';

/** Body bytes held for responses not yet flushed to their sockets; beyond it new responses get 503. */
export const DEFAULT_MAX_UNSENT_BYTES = 256 * 1024 * 1024;
/** Time a response has to be written completely; a client still not reading then is cut off. */
export const DEFAULT_WRITE_TIMEOUT_MS = 30_000;

/**
 * Bodies in flight to clients, each counted once however many responses share it (concurrent scrapes
 * share one rendered buffer). A response counts from `admit` until it or its connection closes: flushed,
 * or destroyed by its write deadline or the client.
 */
export class UnsentBodies {
  private readonly holders = new Map<Body, number>();
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

  /**
   * Whether `res` may send `body` now; if so, counts it until `res` or its connection closes, and
   * destroys `res` if it is not written within the write timeout.
   */
  admit(res: ServerResponse, body: Body): boolean {
    const holders = this.holders.get(body) ?? 0;
    if (holders === 0 && this.heldBytes > 0 && this.heldBytes + body.length > this.maxBytes) return false;
    this.holders.set(body, holders + 1);
    if (holders === 0) this.heldBytes += body.length;
    const deadline = setTimeout(() => {
      if (!res.writableFinished) res.destroy();
    }, this.writeTimeoutMs);
    deadline.unref();
    // The connection's close too: Node emits no 'close' on a response queued behind another on a
    // connection that goes away (nodejs/node#62534), and counting it for ever would refuse every
    // later new body.
    const socket = res.req.socket;
    let isReleased = false;
    const closed = (): void => {
      if (isReleased) return;
      isReleased = true;
      clearTimeout(deadline);
      this.onClose.get(socket)?.delete(closed);
      this.release(body);
    };
    res.once('close', closed);
    if (socket.destroyed) closed();
    else this.releasesOnClose(socket).add(closed);
    return true;
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

  private release(body: Body): void {
    const holders = (this.holders.get(body) ?? 1) - 1;
    if (holders > 0) {
      this.holders.set(body, holders);
      return;
    }
    this.holders.delete(body);
    this.heldBytes -= body.length;
  }
}
