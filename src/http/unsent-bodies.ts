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
 * Bodies in flight to clients: a Body counted once however many responses share it, a body written
 * while it is produced by the bytes written so far. A response counts from its admission until it or
 * its connection closes: flushed, or destroyed by its write deadline or the client.
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
    if (holders === 0 && this.isFull(body.length)) return false;
    this.holders.set(body, holders + 1);
    if (holders === 0) this.heldBytes += body.length;
    this.holdUntilClosed(res, () => this.release(body));
    return true;
  }

  /**
   * Whether `res` may start a body written while it is produced, whose size is not known yet
   * (`expectedBytes`: a guess, such as the last such body's size). If so, returns the function that
   * counts each part as it is written, until `res` or its connection closes; the write timeout
   * applies as for `admit`.
   */
  admitStreamed(res: ServerResponse, expectedBytes: number): ((bytes: number) => void) | undefined {
    if (this.isFull(expectedBytes)) return undefined;
    let counted = 0;
    let isReleased = false;
    this.holdUntilClosed(res, () => {
      isReleased = true;
      this.heldBytes -= counted;
    });
    return (bytes) => {
      if (isReleased) return;
      counted += bytes;
      this.heldBytes += bytes;
    };
  }

  /** Whether `bytes` more would pass the bound; a first body is always let through, however large. */
  private isFull(bytes: number): boolean {
    return this.heldBytes > 0 && this.heldBytes + bytes > this.maxBytes;
  }

  /** Calls `release` once `res` or its connection closes, and destroys `res` at the write timeout. */
  private holdUntilClosed(res: ServerResponse, release: () => void): void {
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
      release();
    };
    res.once('close', closed);
    if (socket.destroyed) closed();
    else this.releasesOnClose(socket).add(closed);
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
