// What each exporter endpoint answers, on Node's own request and response objects: access control,
// negotiation, the in-flight cap and failure handling. Which path reaches which handler is server.ts's job.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type Clock } from '../registry/clock.js';
import { CONTENT_TYPES, type NamingProfile } from '../exposition/prometheus/prometheus-text.js';
import { PROTOBUF_CONTENT_TYPE } from '../exposition/prometheus-protobuf/protobuf-exposition.js';
import { jsonEntry, jsonView, type JsonIdOf } from '../exposition/am-json/json-view.js';
import { parseJsonQuery, type JsonQuery } from '../exposition/am-json/json-query.js';
import { JsonQueryError } from '../exposition/am-json/query-filter.js';
import { renderJson } from '../exposition/am-json/java-json.js';
import { Authenticator, type AuthOptions } from './auth.js';
import { AuthThrottle, type AuthThrottleOptions } from './auth-throttle.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import type { LivePage } from './page/monitoring-page.js';
import { defaultLogger, describeError, type Logger } from './logger.js';
import { chooseFormat, chooseTextFormat } from './negotiate.js';
import { isProtectedPath } from './paths.js';
import { sendJson, sendPlain } from './responses.js';
import { RenderedScrape, SharedScrape, sendRendered, type Collector } from './shared-scrape.js';

/** Scrape and JSON requests served at once; beyond it a request gets 503 with Retry-After. */
export const DEFAULT_MAX_CONCURRENT_SCRAPES = 10;
/** The `Retry-After` of a 503 for too many scrapes in flight. */
const BUSY_RETRY_AFTER_SECONDS = 1;

/** How the metrics endpoints behave; every field is optional. */
export interface MetricsRouterOptions {
  /** Who may read the metrics; default: everyone (see AuthOptions). */
  readonly auth?: AuthOptions | undefined;
  /** Throttling of failed authentications per client; defaults in auth-throttle.ts. */
  readonly authThrottle?: AuthThrottleOptions | undefined;
  /** Default DEFAULT_MAX_CONCURRENT_SCRAPES. */
  readonly maxConcurrentScrapes?: number | undefined;
  /** One line per failed gauge callback or failed render; default `console.error`. */
  readonly logger?: Logger | undefined;
  /** Times the auth-throttle windows (its `monotonic` reading); default the system clock. */
  readonly clock?: Clock | undefined;
  /** A live page to serve at `/monitoring` (e.g. the AM page, `amLivePage`); default none. */
  readonly page?: LivePage | undefined;
  /**
   * The JSON view's `_id` of a series (e.g. AM's dotted ids, `amJsonIds`); default, and for series it
   * returns undefined for, the metric name and label values (see jsonEntryId).
   */
  readonly jsonIds?: JsonIdOf | undefined;
}

const PROMETHEUS_VARY = 'Accept, Accept-Encoding';
const NOT_ACCEPTABLE = `Not Acceptable: this endpoint serves ${CONTENT_TYPES.prometheus} or ${CONTENT_TYPES.openmetrics}`;

/** The endpoint logic behind the router, independent of the web framework. */
export class MetricsHandlers {
  private readonly scrape: SharedScrape;
  private readonly auth: Authenticator;
  private readonly throttle: AuthThrottle;
  private readonly limit: ConcurrencyLimit;
  private readonly logger: Logger;
  private readonly jsonIds: JsonIdOf | undefined;
  /** Requests that passed authentication, so the route handler does not count them twice. */
  private readonly admitted = new WeakSet<IncomingMessage>();

  /** @throws ServerConfigError for unusable auth, throttle or limit settings. */
  constructor(
    source: Collector,
    options: MetricsRouterOptions = {},
  ) {
    const clock = options.clock ?? systemClock;
    this.logger = options.logger ?? defaultLogger;
    this.jsonIds = options.jsonIds;
    this.scrape = new SharedScrape(source, this.logger);
    this.auth = new Authenticator(options.auth);
    this.throttle = new AuthThrottle(options.authThrottle ?? {}, () => clock.monotonic());
    this.limit = new ConcurrencyLimit(options.maxConcurrentScrapes ?? DEFAULT_MAX_CONCURRENT_SCRAPES, 'maxConcurrentScrapes');
  }

  /**
   * Access control for every request passing through: true lets it go on. Requests for a metrics path
   * in any spelling (see isProtectedPath) need credentials when auth is configured; others pass.
   * The endpoint handlers check again, so a spelling this check misses can reach no data either.
   */
  guard(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.auth.isEnabled || this.admitted.has(req) || !isProtectedPath(req.url ?? '/')) return true;
    return this.authenticate(req, res);
  }

  /** A Prometheus scrape in `profile` names, in the format `Accept` prefers, gzipped if allowed. */
  async prometheus(profile: NamingProfile, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.isAdmitted(req, res)) return;
    const format = chooseFormat(req.headers.accept);
    if (format === undefined) return sendPlain(res, 406, NOT_ACCEPTABLE, { Vary: PROMETHEUS_VARY });
    await this.withSlot(req, res, async () => {
      const { format: sent, rendered } = await this.scrape.exposition(format, profile, chooseTextFormat(req.headers.accept));
      const contentType = sent === 'protobuf' ? PROTOBUF_CONTENT_TYPE : CONTENT_TYPES[sent];
      await sendRendered(req, res, rendered, { 'Content-Type': contentType, Vary: PROMETHEUS_VARY });
    });
  }

  /**
   * AM's JSON view as a CREST query (`_queryFilter`, `prefix`, `_fields`, paging; see parseJsonQuery),
   * numbers as Java writes them; 400 in CREST's error form for a query it cannot answer.
   */
  async json(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.isAdmitted(req, res)) return;
    const query = this.queryOf(req, res);
    if (query === undefined) return;
    await this.withSlot(req, res, async () => {
      const view = jsonView(await this.scrape.collection(), query, { idOf: this.jsonIds });
      await this.sendJsonText(req, res, renderJson(view));
    });
  }

  /** One entry of the JSON view by `_id` (`_fields` applies); 404 in CREST's error form for an unknown id. */
  async jsonEntry(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.isAdmitted(req, res)) return;
    const query = this.queryOf(req, res);
    if (query === undefined) return;
    await this.withSlot(req, res, async () => {
      const entry = jsonEntry(await this.scrape.collection(), id, query.fields, { idOf: this.jsonIds });
      if (entry === undefined) return sendJson(res, 404, crestError(404, 'Not Found', `Resource '${id}' not found`));
      await this.sendJsonText(req, res, renderJson(entry));
    });
  }

  /** The request's JSON-view query, or undefined once a 400 has been sent. */
  private queryOf(req: IncomingMessage, res: ServerResponse): JsonQuery | undefined {
    try {
      return parseJsonQuery(new URL(req.url ?? '/', 'http://localhost').searchParams);
    } catch (error) {
      if (!(error instanceof JsonQueryError)) throw error;
      sendJson(res, 400, crestError(400, 'Bad Request', error.message));
      return undefined;
    }
  }

  /**
   * The live page's JSON (`LivePage.view`), from the collection shared with scrapes and under the same
   * in-flight limit. Only routed when a page is configured.
   */
  async pageData(page: LivePage, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.isAdmitted(req, res)) return;
    await this.withSlot(req, res, async () => {
      await this.sendJsonBody(req, res, page.view(await this.scrape.collection()));
    });
  }

  /** Liveness: 200 while the process serves HTTP; reads no metric. */
  health(_req: IncomingMessage, res: ServerResponse): void {
    sendJson(res, 200, { status: 'UP' });
  }

  /** 405 for a method a path does not serve. */
  methodNotAllowed(_req: IncomingMessage, res: ServerResponse): void {
    sendPlain(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
  }

  /** Whether `req` may read metrics; if not, the 401 or 429 has been sent. Counts each request once. */
  private isAdmitted(req: IncomingMessage, res: ServerResponse): boolean {
    return !this.auth.isEnabled || this.admitted.has(req) || this.authenticate(req, res);
  }

  private authenticate(req: IncomingMessage, res: ServerResponse): boolean {
    const client = req.socket.remoteAddress ?? 'unknown';
    const retryAfter = this.throttle.retryAfterSeconds(client);
    if (retryAfter !== undefined) {
      sendPlain(res, 429, 'Too Many Requests: too many failed authentications', { 'Retry-After': String(retryAfter) });
      return false;
    }
    const outcome = this.auth.check(req.headers.authorization, { key: headerOf(req, 'x-api-key'), secret: headerOf(req, 'x-api-secret') });
    if (outcome === 'granted' || outcome === 'open') {
      this.throttle.recordSuccess(client);
      this.admitted.add(req);
      return true;
    }
    if (outcome === 'denied') this.throttle.recordFailure(client);
    sendPlain(res, 401, 'Unauthorized', { 'WWW-Authenticate': this.auth.challenges });
    return false;
  }

  /** Runs `work` within the in-flight cap (503 beyond it); a failure becomes a bare 500 and one log line. */
  private async withSlot(req: IncomingMessage, res: ServerResponse, work: () => Promise<void>): Promise<void> {
    const release = this.limit.tryAcquire();
    if (release === undefined) {
      return sendPlain(res, 503, 'Service Unavailable: too many scrapes in flight', { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) });
    }
    // A client that hangs up frees its slot at once; the shared render carries on for the others.
    res.once('close', release);
    try {
      await work();
    } catch (error) {
      this.logger(`am-metrics: answering ${req.method ?? 'GET'} ${pathOf(req)} failed: ${describeError(error)}`);
      sendPlain(res, 500, 'Internal Server Error');
    } finally {
      release();
    }
  }

  private async sendJsonBody(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    await this.sendJsonText(req, res, JSON.stringify(body));
  }

  private async sendJsonText(req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
    const rendered = new RenderedScrape(Buffer.from(text, 'utf8'));
    await sendRendered(req, res, rendered, { 'Content-Type': 'application/json; charset=utf-8', Vary: 'Accept-Encoding' });
  }


}

/** A request header's value; repeated headers (which Node joins with ", ") count as one value. */
function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** CREST's error body: `{"code":404,"reason":"Not Found","message":"…"}`. */
function crestError(code: number, reason: string, message: string): { code: number; reason: string; message: string } {
  return { code, reason, message };
}

/** The path of a request without its query, which may carry anything a client typed. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?', 1)[0] ?? '/';
}
