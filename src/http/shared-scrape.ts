// One collection and one render per format and naming profile at a time, shared by every scrape that
// arrives while it is in flight, gzip bytes included. Deciding what a request gets is the handlers' job.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Collection, FamilySnapshot } from '../registry/collection.js';
import { RENDER_ERRORS_FAMILY } from '../registry/registry.js';
import type { ExpositionFormat } from '../exposition/prometheus/format.js';
import { renderExpositionBytes, type LeftOutFamily, type NamingProfile } from '../exposition/prometheus/prometheus-text.js';
import { renderPrometheusProtobuf } from '../exposition/prometheus-protobuf/protobuf-exposition.js';
import type { ScrapeFormat } from './negotiate.js';
import { describeError, type Logger } from './logger.js';
import { acceptsGzip } from './negotiate.js';
import { sendBody, type Headers } from './responses.js';
import { Body } from './body.js';

/** Largest exposition a scrape renders; a family that would pass it is left out and counted. */
export const DEFAULT_MAX_EXPOSITION_BYTES = 64 * 1024 * 1024;

/** Anything the endpoints can read: a registry, a cluster primary, a merged view. */
export interface Collector {
  collect(): Promise<Collection>;
}

/** A rendered body; its gzip form is computed once, on first request, and shared. */
export class RenderedScrape {
  private compressed: Promise<Body> | undefined;

  constructor(readonly body: Body) {}

  /** The body gzip-compressed (node:zlib defaults). */
  gzipped(): Promise<Body> {
    this.compressed ??= this.body.gzipped();
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

/** A rendered exposition and the format it is in. */
export interface RenderedExposition {
  readonly format: ScrapeFormat;
  readonly rendered: RenderedScrape;
}

/**
 * Collects and renders on behalf of concurrent requests. A computed gauge that fails is left out of
 * the collection and logged once per collection (one line each), not once per request. A family that
 * fails to render, or would take the exposition past `maxBytes`, is left out of that exposition,
 * logged, and counted in `am_metrics_render_errors_total{metric}`; every other family is served.
 */
export class SharedScrape {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /**
   * The last body per format and profile (and its RenderedScrape, with the gzip bytes), for as long as
   * something still holds them: a response being written holds the body.
   */
  private readonly lastRendered = new Map<string, { readonly body: WeakRef<Body>; readonly rendered: WeakRef<RenderedScrape> }>();
  private readonly renderErrors = new Map<string, { startMs: number; count: number }>();

  constructor(
    private readonly source: Collector,
    private readonly logger: Logger,
    private readonly maxBytes: number = DEFAULT_MAX_EXPOSITION_BYTES,
  ) {}

  /** The collection in flight, or a new one. Rejects only if `collect` itself does. */
  collection(): Promise<Collection> {
    return this.shared('collection', () => this.collectAndLog());
  }

  /**
   * The exposition in flight for `format` and `profile`, or a new one. The protobuf exposition is
   * written only when the collection holds a native histogram (timer buckets); otherwise the scrape
   * gets `fallback`, so AM's paths answer exactly as before unless the option is on. Closely spaced
   * scrapes of unchanged data get the very body (and gzip bytes) an earlier scrape still holds, so
   * clients slow to read it hold one copy between them, not one each. Rejects when rendering throws.
   */
  exposition(format: ScrapeFormat, profile: NamingProfile, fallback: ExpositionFormat = 'prometheus'): Promise<RenderedExposition> {
    const key = `${format}:${fallback}:${profile}`;
    return this.shared(key, async () => {
      const collection = await this.collection();
      if (format === 'protobuf' && hasNativeHistogram(collection)) {
        return { format, rendered: new RenderedScrape(Body.of(Buffer.from(await renderPrometheusProtobuf(collection, { profile })))) };
      }
      const textFormat = format === 'protobuf' ? fallback : format;
      const trailer = (leftOut: readonly LeftOutFamily[]): FamilySnapshot[] => this.countRenderErrors(leftOut, collection.timeMs);
      const body = new Body((await renderExpositionBytes(collection, { format: textFormat, profile, maxBytes: this.maxBytes, trailer })).parts);
      const last = this.lastRendered.get(key);
      const lastBody = last?.body.deref();
      if (lastBody !== undefined && lastBody.equals(body)) {
        const lastRendered = last?.rendered.deref();
        if (lastRendered !== undefined) return { format: textFormat, rendered: lastRendered };
        return { format: textFormat, rendered: this.remember(key, new RenderedScrape(lastBody)) };
      }
      return { format: textFormat, rendered: this.remember(key, new RenderedScrape(body)) };
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

  private remember(key: string, rendered: RenderedScrape): RenderedScrape {
    this.lastRendered.set(key, { body: new WeakRef(rendered.body), rendered: new WeakRef(rendered) });
    return rendered;
  }

  /** Logs and counts the families left out of one render; the counter family, if any failed yet. */
  private countRenderErrors(leftOut: readonly LeftOutFamily[], nowMs: number): FamilySnapshot[] {
    for (const { metric, error } of leftOut) {
      this.logger(`am-metrics: exposition left out ${metric}: ${describeError(error)}`);
      const found = this.renderErrors.get(metric);
      if (found === undefined) this.renderErrors.set(metric, { startMs: nowMs, count: 1 });
      else found.count += 1;
    }
    if (this.renderErrors.size === 0) return [];
    const series = [...this.renderErrors].map(([metric, { startMs, count }]) => ({ labels: { metric }, startMs, value: count }));
    return [{ kind: 'counter', descriptor: RENDER_ERRORS_FAMILY, series }];
  }

  private async collectAndLog(): Promise<Collection> {
    const collection = await this.source.collect();
    for (const failure of collection.failures) {
      this.logger(`am-metrics: scrape left out ${failure.metric}: ${describeError(failure.error)}`);
    }
    return collection;
  }
}

function hasNativeHistogram(collection: Collection): boolean {
  return collection.families.some((f) => f.kind === 'histogram' && f.series.some((s) => s.native !== undefined));
}
