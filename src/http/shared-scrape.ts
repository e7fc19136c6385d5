// One collection at a time, and one text render per format and naming profile, shared by the scrapes
// that arrive while they are under way (see TextBroadcast). Deciding what a request gets is the
// handlers' job.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Collection, FamilySnapshot } from '../registry/collection.js';
import { RENDER_ERRORS_FAMILY } from '../registry/registry.js';
import type { ExpositionFormat } from '../exposition/prometheus/format.js';
import { writeExposition, type ExpositionSink, type LeftOutFamily, type NamingProfile } from '../exposition/prometheus/prometheus-text.js';
import { renderPrometheusProtobuf } from '../exposition/prometheus-protobuf/protobuf-exposition.js';
import type { ScrapeFormat } from './negotiate.js';
import { describeError, type Logger } from './logger.js';
import { acceptsGzip } from './negotiate.js';
import { sendBody, type Headers } from './responses.js';
import { Body, PartReuse } from './body.js';
import { TextBroadcast, type LastBodies } from './text-broadcast.js';

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

  /** The body gzip-compressed (SCRAPE_GZIP). */
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

/**
 * What a scrape gets: a protobuf exposition rendered once and shared, or text in `format` (see
 * `text`), with the collection the protobuf check took, if it took one.
 */
export type Exposition =
  { readonly format: 'protobuf'; readonly rendered: RenderedScrape } | { readonly format: ExpositionFormat; readonly collection?: Collection | undefined };

/** A text exposition a scrape has joined, and its being written: settles once written, not read. */
export interface JoinedText {
  readonly broadcast: TextBroadcast;
  readonly written: Promise<void>;
}

/**
 * Collects and renders on behalf of concurrent requests. A computed gauge that fails is left out of
 * the collection and logged once per collection (one line each), not once per request. A family that
 * fails to render, or would take the exposition past `maxBytes`, is left out of that exposition,
 * logged, and counted in `am_metrics_render_errors_total{metric}`; every other family is served.
 */
export class SharedScrape {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Per format and profile, the broadcast scrapes join now: it begins once the one being written has ended. */
  private readonly joinable = new Map<string, JoinedText>();
  /** Per format and profile, the broadcast being written, if any. */
  private readonly writing = new Map<string, Promise<void>>();
  private readonly lastBodies = new Map<string, LastBodies>();
  private readonly renderErrors = new Map<string, { startMs: number; count: number }>();

  /**
   * @param isHeld whether a response still holds a part unflushed (UnsentBodies.holds): what a text
   *   exposition may write again where the next one repeats it (see PartReuse).
   */
  constructor(
    private readonly source: Collector,
    private readonly logger: Logger,
    private readonly maxBytes: number,
    private readonly isHeld: (part: Uint8Array) => boolean,
  ) {}

  /** The collection in flight, or a new one. Rejects only if `collect` itself does. */
  collection(): Promise<Collection> {
    return this.shared('collection', () => this.collectAndLog());
  }

  /**
   * The format a scrape asking for `format` gets. The protobuf exposition is written only when the
   * collection holds a native histogram (timer buckets), rendered once for the scrapes asking at the
   * same time; otherwise the scrape gets the text format `fallback`, so AM's paths answer exactly as
   * before unless the option is on. Rejects when collecting or the protobuf render does.
   */
  async exposition(format: ScrapeFormat, profile: NamingProfile, fallback: ExpositionFormat = 'prometheus'): Promise<Exposition> {
    if (format !== 'protobuf') return { format };
    const collection = await this.collection();
    if (!hasNativeHistogram(collection)) return { format: fallback, collection };
    const rendered = this.shared(`protobuf:${profile}`, async () => new RenderedScrape(Body.of(Buffer.from(await renderPrometheusProtobuf(collection, { profile })))));
    return { format, rendered: await rendered };
  }

  /**
   * The `format` text in `profile` names for a scrape arriving now: the broadcast it joins (see
   * TextBroadcast), which begins as soon as the one of this kind being written has ended and its
   * collection is in; scrapes arriving until then join it too. `written` rejects when collecting or
   * rendering fails.
   * @param collected a collection taken for this scrape (the protobuf check's), used when the
   *   broadcast it starts can begin at once, so the scrape collects once; not when it would wait for
   *   the one being written, as scrapes joining it meanwhile must not get data older than they are.
   */
  text(format: ExpositionFormat, profile: NamingProfile, collected?: Collection): JoinedText {
    const key = `${format}:${profile}`;
    const found = this.joinable.get(key);
    if (found !== undefined) return found;
    const broadcast = new TextBroadcast();
    const last = this.lastBodiesOf(key);
    const before = this.writing.get(key);
    const collect = before === undefined && collected !== undefined ? () => Promise.resolve(collected) : () => this.collection();
    const written = (before ?? Promise.resolve()).then(async () => {
      const collection = await collect().finally(() => this.joinable.delete(key));
      await broadcast.run((sink) => this.writeText(collection, format, profile, sink), last);
    });
    const joined = { broadcast, written };
    this.joinable.set(key, joined);
    const settled = written.catch(() => undefined);
    this.writing.set(key, settled);
    void settled.then(() => {
      if (this.writing.get(key) === settled) this.writing.delete(key);
    });
    return joined;
  }

  /**
   * The `format` text in `profile` names rendered whole, for a client a body written while it renders
   * does not suit: over HTTP/1.0, which has no chunked encoding, such a body ends when the connection
   * closes, so one cut short would look whole; this one goes out with its Content-Length. Shared by the
   * scrapes asking at the same time; `collected` as for `text`. Rejects when collecting does.
   */
  textBody(format: ExpositionFormat, profile: NamingProfile, collected?: Collection): Promise<RenderedScrape> {
    return this.shared(`whole:${format}:${profile}`, async () => {
      const collection = collected ?? (await this.collection());
      const parts: Uint8Array[] = [];
      await this.writeText(collection, format, profile, (part) => void parts.push(part));
      return new RenderedScrape(new Body(parts));
    });
  }

  /** Renders `collection` to `sink`, leaving out (logged, counted) the families that fail. */
  private async writeText(collection: Collection, format: ExpositionFormat, profile: NamingProfile, sink: ExpositionSink): Promise<void> {
    const trailer = (leftOut: readonly LeftOutFamily[]): FamilySnapshot[] => this.countRenderErrors(leftOut, collection.timeMs);
    await writeExposition(collection, sink, { format, profile, maxBytes: this.maxBytes, trailer });
  }

  private lastBodiesOf(key: string): LastBodies {
    let last = this.lastBodies.get(key);
    if (last === undefined) {
      last = { plain: new PartReuse(this.isHeld), gzipped: new PartReuse(this.isHeld) };
      this.lastBodies.set(key, last);
    }
    return last;
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
