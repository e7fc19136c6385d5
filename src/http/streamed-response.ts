// One scrape's answer written while its body is produced, as a TextBroadcast hands it the parts.
// What to produce is the broadcast's job; bounding what unread answers hold is UnsentBodies'.
import type { ServerResponse } from 'node:http';
import { COMMON_HEADERS, type Headers } from './responses.js';

/** Counts a part as it is written; false refuses it (see UnsentBodies.admitStreamed). */
export type PartHold = (part: Uint8Array) => boolean;

/**
 * A 200 answer written part by part, with no `Content-Length` (HTTP/1.1 sends it chunked), so the
 * body never lies whole in memory. Writes never wait for the client: what it has not read yet waits
 * in the response's buffer, counted by `hold` until seen flushed. A part `hold` refuses, or a failure
 * after the headers are out, cuts the connection: the client then sees a body that never ended (no
 * final chunk) rather than one that looks complete.
 */
export class StreamedResponse {
  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Headers,
    /** Whether the body goes out gzip-compressed (the request's `Accept-Encoding` allowed it). */
    readonly isGzip: boolean,
    private readonly hold: PartHold,
  ) {}

  /** Whether the client is gone: nothing more is written to it. */
  get isGone(): boolean {
    return this.res.destroyed;
  }

  /** Sends the status line and headers; for HEAD, the answer ends there. */
  start(): void {
    if (this.res.headersSent || this.res.destroyed) return;
    this.res.removeHeader('X-Powered-By');
    this.res.statusCode = 200;
    const all = this.isGzip ? { ...COMMON_HEADERS, ...this.headers, 'Content-Encoding': 'gzip' } : { ...COMMON_HEADERS, ...this.headers };
    for (const [name, value] of Object.entries(all)) this.res.setHeader(name, value);
    if (this.res.req.method === 'HEAD') this.res.end();
    else this.res.flushHeaders();
  }

  /** Writes `part` (never copied, so answers handed the same object share it). */
  write(part: Uint8Array): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    if (!this.hold(part)) {
      this.abort();
      return;
    }
    this.res.write(part);
  }

  /** Ends the body. */
  end(): void {
    if (!this.res.destroyed && !this.res.writableEnded) this.res.end();
  }

  /** Cuts the connection: the client must not take a body cut short for a whole one. */
  abort(): void {
    this.res.destroy();
  }
}
