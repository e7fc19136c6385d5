// Bounds what clients that stop reading can hold: the bytes of response bodies handed to sockets but
// not yet flushed, and how long one response may take to be written. Which body to send is the
// handlers' job.
import type { ServerResponse } from 'node:http';
import type { Body } from './body.js';

/** Body bytes held for responses not yet flushed to their sockets; beyond it new responses get 503. */
export const DEFAULT_MAX_UNSENT_BYTES = 256 * 1024 * 1024;
/** Time a response has to be written completely; a client still not reading then is cut off. */
export const DEFAULT_WRITE_TIMEOUT_MS = 30_000;

/**
 * Bodies in flight to clients, each counted once however many responses share it (concurrent scrapes
 * share one rendered buffer). A response counts from `admit` until it closes: flushed, or destroyed by
 * its write deadline or the client.
 */
export class UnsentBodies {
  private readonly holders = new Map<Body, number>();
  private heldBytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly writeTimeoutMs: number,
  ) {}

  /** Bytes held now. */
  get size(): number {
    return this.heldBytes;
  }

  /**
   * Whether `res` may send `body` now; if so, counts it until `res` closes and destroys `res` if it
   * is not written within the write timeout.
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
    res.once('close', () => {
      clearTimeout(deadline);
      this.release(body);
    });
    return true;
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
