// One collection and one render per format and naming profile at a time, shared by every scrape that
// arrives while it is in flight, gzip bytes included. Deciding what a request gets is the handlers' job.
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Collection } from '../registry/collection.js';
import type { ExpositionFormat } from '../exposition/prometheus/format.js';
import { renderPrometheusText, type NamingProfile } from '../exposition/prometheus/prometheus-text.js';
import { describeError, type Logger } from './logger.js';
import { acceptsGzip } from './negotiate.js';
import { sendBody, type Headers } from './responses.js';

const gzipAsync = promisify(gzip);

/** Anything the endpoints can read: a registry, a cluster primary, a merged view. */
export interface Collector {
  collect(): Promise<Collection>;
}

/** A rendered body; its gzip form is computed once, on first request, and shared. */
export class RenderedScrape {
  private compressed: Promise<Buffer> | undefined;

  constructor(readonly body: Buffer) {}

  /** The body gzip-compressed (node:zlib defaults). */
  gzipped(): Promise<Buffer> {
    this.compressed ??= gzipAsync(this.body);
    return this.compressed;
  }
}

/** Answers 200 with `rendered`, gzipped when the request's `Accept-Encoding` allows it. */
export async function sendRendered(req: IncomingMessage, res: ServerResponse, rendered: RenderedScrape, headers: Headers): Promise<void> {
  if (acceptsGzip(req.headers['accept-encoding'])) {
    sendBody(res, 200, await rendered.gzipped(), { ...headers, 'Content-Encoding': 'gzip' });
  } else {
    sendBody(res, 200, rendered.body, headers);
  }
}

/**
 * Collects and renders on behalf of concurrent requests. A computed gauge that fails is left out of
 * the collection and logged once per collection (one line each), not once per request.
 */
export class SharedScrape {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly source: Collector,
    private readonly logger: Logger,
  ) {}

  /** The collection in flight, or a new one. Rejects only if `collect` itself does. */
  collection(): Promise<Collection> {
    return this.shared('collection', () => this.collectAndLog());
  }

  /** The exposition in flight for `format` and `profile`, or a new one. Rejects when rendering throws. */
  exposition(format: ExpositionFormat, profile: NamingProfile): Promise<RenderedScrape> {
    return this.shared(`${format}:${profile}`, async () => {
      const text = await renderPrometheusText(await this.collection(), { format, profile });
      return new RenderedScrape(Buffer.from(text, 'utf8'));
    });
  }

  /** The promise in flight under `key`, or `start()`'s, forgotten once it settles. */
  private shared<T>(key: string, start: () => Promise<T>): Promise<T> {
    let running = this.inFlight.get(key) as Promise<T> | undefined;
    if (running === undefined) {
      const started = start();
      running = started;
      this.inFlight.set(key, started);
      const forget = (): void => {
        if (this.inFlight.get(key) === started) this.inFlight.delete(key);
      };
      started.then(forget, forget);
    }
    return running;
  }

  private async collectAndLog(): Promise<Collection> {
    const collection = await this.source.collect();
    for (const failure of collection.failures) {
      this.logger(`am-metrics: scrape left out ${failure.metric}: ${describeError(failure.error)}`);
    }
    return collection;
  }
}
