// Writing a 200 answer while its body is still being produced (a large scrape), plain or gzipped.
// What to produce is the handlers' job; bounding what unread answers hold is UnsentBodies'.
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import { createGzip, type Gzip } from 'node:zlib';
import { PartJoiner } from './body.js';
import { COMMON_HEADERS, type Headers } from './responses.js';

/**
 * A 200 answer written part by part as its body is produced, with no `Content-Length` (HTTP/1.1 sends
 * it chunked), so the body never lies whole in memory. Writes never wait for the client: what it
 * has not read yet waits in the response's buffer (the caller counts it through `count`), and the
 * producer runs at its own pace, so a client that reads slowly or not at all cannot hold the work
 * that produces the body, or its in-flight slot. A gzipped body does wait for the compressor, which
 * runs on libuv's thread pool, so parts do not pile up in front of it.
 *
 * A failure after the headers are out cannot become an error status: `abort()` then cuts the
 * connection, so the client sees a body that never ended (chunked, no final chunk) rather than one
 * that looks complete.
 */
export class StreamedResponse {
  private readonly joiner = new PartJoiner();
  private readonly gzip: Gzip | undefined;

  /**
   * Sends the status line and `headers` at once; HEAD gets them and no body.
   * @param count called with the size of every piece handed to the response (compressed if gzipped).
   * @param clientGone aborted once the response closed; writing then rejects with its reason.
   */
  constructor(
    private readonly res: ServerResponse,
    headers: Headers,
    isGzip: boolean,
    private readonly count: (bytes: number) => void,
    private readonly clientGone: AbortSignal,
  ) {
    res.removeHeader('X-Powered-By');
    res.statusCode = 200;
    const all = isGzip ? { ...COMMON_HEADERS, ...headers, 'Content-Encoding': 'gzip' } : { ...COMMON_HEADERS, ...headers };
    for (const [name, value] of Object.entries(all)) res.setHeader(name, value);
    res.flushHeaders();
    if (isGzip) {
      this.gzip = createGzip();
      this.gzip.on('data', (chunk: Buffer) => this.send(chunk));
      // Its failure shows in `write` and `end` (events.once rejects on 'error').
      this.gzip.on('error', () => undefined);
      clientGone.addEventListener('abort', () => this.gzip?.destroy(), { once: true });
    }
  }

  /** Whether the body is worth producing: not for HEAD, not once the client is gone. */
  get isWanted(): boolean {
    return this.res.req.method !== 'HEAD' && !this.clientGone.aborted;
  }

  /** Writes `part` (small parts are joined first; see PartJoiner). @throws the abort reason once the client is gone. */
  async write(part: Uint8Array): Promise<void> {
    this.clientGone.throwIfAborted();
    for (const ready of this.joiner.push(part)) await this.forward(ready);
  }

  /** Writes what is left and ends the body. @throws the abort reason once the client is gone. */
  async end(): Promise<void> {
    this.clientGone.throwIfAborted();
    for (const ready of this.joiner.flush()) await this.forward(ready);
    if (this.gzip !== undefined) {
      const ended = once(this.gzip, 'end', { signal: this.clientGone });
      this.gzip.end();
      await ended.catch((error: unknown) => this.rethrow(error));
    }
    this.res.end();
  }

  /** Cuts the connection: the client must not take a body cut short for a whole one. */
  abort(): void {
    this.gzip?.destroy();
    this.res.destroy();
  }

  private async forward(part: Uint8Array): Promise<void> {
    if (this.gzip === undefined) {
      this.send(part);
      return;
    }
    if (this.gzip.write(part)) return;
    await once(this.gzip, 'drain', { signal: this.clientGone }).catch((error: unknown) => this.rethrow(error));
  }

  private send(part: Uint8Array): void {
    if (this.res.destroyed) return;
    this.count(part.length);
    this.res.write(part);
  }

  /** The abort reason once the client is gone (what the handlers expect then), else `error`. */
  private rethrow(error: unknown): never {
    this.clientGone.throwIfAborted();
    throw error;
  }
}
