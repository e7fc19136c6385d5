// What each exporter endpoint answers, on Node's own request and response objects: access control,
// negotiation, the in-flight cap and failure handling. Which path reaches which handler is server.ts's job.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type Clock } from '../registry/clock.js';
import type { Collection } from '../registry/collection.js';
import { CONTENT_TYPES, type NamingProfile } from '../exposition/prometheus/prometheus-text.js';
import type { ExpositionFormat } from '../exposition/prometheus/format.js';
import { PROTOBUF_CONTENT_TYPE } from '../exposition/prometheus-protobuf/protobuf-exposition.js';
import { jsonEntrySliced, jsonViewSliced, type JsonIdOf } from '../exposition/am-json/json-view.js';
import { parseJsonQuery, type JsonQuery } from '../exposition/am-json/json-query.js';
import { JsonQueryError } from '../exposition/am-json/query-filter.js';
import { renderJson, renderQueryResult } from '../exposition/am-json/java-json.js';
import { pacer } from '../registry/time-slice.js';
import { Authenticator, type AuthOptions } from './auth.js';
import { AuthThrottle, type AuthThrottleOptions } from './auth-throttle.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import type { LivePage } from './page/monitoring-page.js';
import { describeError, loggerOption, type Logger } from './logger.js';
import { acceptsGzip, chooseFormat, chooseTextFormat } from './negotiate.js';
import { isProtectedPath } from './paths.js';
import { sendBody, sendJson, sendPlain, type Headers } from './responses.js';
import { DEFAULT_MAX_EXPOSITION_BYTES, RenderedScrape, SharedScrape, type Collector } from './shared-scrape.js';
import { Body } from './body.js';
import { StreamedResponse } from './streamed-response.js';
import { positiveInteger } from './errors.js';
import { DEFAULT_MAX_UNSENT_BYTES, DEFAULT_WRITE_TIMEOUT_MS, UnsentBodies } from './unsent-bodies.js';

/** Scrape and JSON requests served at once; beyond it a request gets 503 with Retry-After. */
export const DEFAULT_MAX_CONCURRENT_SCRAPES = 10;
/** The `Retry-After` of a 503 for too many scrapes in flight. */
const BUSY_RETRY_AFTER_SECONDS = 1;
/**
 * Time kept back from Prometheus's scrape timeout for the answer to travel: a quarter of the budget,
 * at most this much, so that a 503 arrives before Prometheus gives up.
 */
const SCRAPE_TIMEOUT_MARGIN_MS = 250;

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
  /** Largest exposition in bytes; families past it are left out and counted. Default DEFAULT_MAX_EXPOSITION_BYTES. */
  readonly maxExpositionBytes?: number | undefined;
  /** Body bytes held for clients that have not read them yet, before new scrapes get 503. Default DEFAULT_MAX_UNSENT_BYTES. */
  readonly maxUnsentBytes?: number | undefined;
  /**
   * Time a response has to be written before its connection is cut; a text scrape's counts from its
   * first part written, not from its wait for the collection. Default DEFAULT_WRITE_TIMEOUT_MS.
   */
  readonly writeTimeoutMs?: number | undefined;
}

const PROMETHEUS_VARY = 'Accept, Accept-Encoding';
/** The methods every endpoint answers. */
const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';

/** The endpoint logic behind the router, independent of the web framework. */
export class MetricsHandlers {
  private readonly scrape: SharedScrape;
  /** Replaced whole by setAuth when the credentials rotate; never changed in place. */
  private auth: Authenticator;
  private readonly throttle: AuthThrottle;
  private readonly limit: ConcurrencyLimit;
  private readonly unsent: UnsentBodies;
  private readonly logger: Logger;
  private readonly jsonIds: JsonIdOf | undefined;
  /** Requests that passed authentication, so the route handler does not count them twice. */
  private readonly admitted = new WeakSet<IncomingMessage>();
  /**
   * Failures logged in this turn of the event loop. Scrapes share their collection and render, so one
   * failure rejects every scrape of it with the same error, at once: logged once, not once per scrape.
   * Forgotten on the next turn, so an error a source throws again later is logged again.
   */
  private loggedThisTurn: Set<unknown> | undefined;

  /** @throws ServerConfigError for unusable auth, throttle or limit settings. */
  constructor(source: Collector, options: MetricsRouterOptions = {}) {
    const clock = options.clock ?? systemClock;
    this.logger = loggerOption(options.logger);
    this.jsonIds = options.jsonIds;
    this.auth = new Authenticator(options.auth);
    this.throttle = new AuthThrottle(options.authThrottle ?? {}, () => clock.monotonic());
    this.limit = new ConcurrencyLimit(options.maxConcurrentScrapes ?? DEFAULT_MAX_CONCURRENT_SCRAPES, 'maxConcurrentScrapes');
    this.unsent = new UnsentBodies(
      positiveInteger('maxUnsentBytes', options.maxUnsentBytes, DEFAULT_MAX_UNSENT_BYTES),
      positiveInteger('writeTimeoutMs', options.writeTimeoutMs, DEFAULT_WRITE_TIMEOUT_MS),
    );
    const maxExpositionBytes = positiveInteger('maxExpositionBytes', options.maxExpositionBytes, DEFAULT_MAX_EXPOSITION_BYTES);
    this.scrape = new SharedScrape(source, this.logger, maxExpositionBytes, (part) => this.unsent.holds(part));
  }

  /**
   * Checks requests from now on against `auth`, e.g. a password rotated in its file; requests already
   * admitted stay admitted.
   * @throws ServerConfigError for unusable credentials; the current ones stay in force then.
   */
  setAuth(auth: AuthOptions): void {
    this.auth = new Authenticator(auth);
  }

  /**
   * Access control for every request passing through: true lets it go on. Requests for a metrics path
   * in any spelling (see isProtectedPath) need credentials when auth is configured; others pass.
   * The endpoint handlers check again, so a spelling this check misses can reach no data either.
   */
  guard(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.auth.isEnabled || this.admitted.has(req) || req.method === 'OPTIONS' || !isProtectedPath(req.url ?? '/')) return true;
    return this.authenticate(req, res);
  }

  /**
   * A Prometheus scrape in `profile` names, in the format `Accept` prefers, gzipped if allowed. Text
   * is written while it renders, shared with the scrapes that arrive meanwhile (see TextBroadcast).
   * With `X-Prometheus-Scrape-Timeout-Seconds`, a scrape whose answer has not begun within that
   * budget (less SCRAPE_TIMEOUT_MARGIN_MS) gets 503 in time; the work carries on for the others.
   */
  async prometheus(profile: NamingProfile, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.isAdmitted(req, res)) return;
    const format = chooseFormat(req.headers.accept);
    const deadline = scrapeDeadline(req.headers['x-prometheus-scrape-timeout-seconds']);
    await this.withSlot(req, res, async () => {
      const exposition = await beforeDeadline(this.scrape.exposition(format, profile, chooseTextFormat(req.headers.accept)), deadline);
      if (exposition === undefined) return sendTooLate(res);
      const headers = { 'Content-Type': exposition.format === 'protobuf' ? PROTOBUF_CONTENT_TYPE : CONTENT_TYPES[exposition.format], Vary: PROMETHEUS_VARY };
      if ('rendered' in exposition) return this.sendEncoded(req, res, exposition.rendered, headers);
      await this.sendText(req, res, { ...exposition, profile, headers }, deadline);
    });
  }

  /**
   * Joins `res` to the text exposition being prepared, or answers 503 when clients that stopped
   * reading already hold maxUnsentBytes, or when it has not begun by `deadline` (see scrapeDeadline).
   * HEAD waits for the collection, then gets the headers alone. `text.collection`, taken for this
   * scrape, spares it a second one (see SharedScrape.text). HTTP/1.0 gets the text rendered whole,
   * with its length (see SharedScrape.textBody).
   */
  private async sendText(req: IncomingMessage, res: ServerResponse, text: TextAnswer, deadline: number | undefined): Promise<void> {
    const { format, profile, headers, collection } = text;
    if (res.destroyed) return;
    if (req.httpVersion === '1.0') {
      const rendered = await beforeDeadline(this.scrape.textBody(format, profile, collection), deadline);
      return rendered === undefined ? sendTooLate(res) : this.sendEncoded(req, res, rendered, headers);
    }
    const hold = this.unsent.admitStreamed(res);
    if (hold === undefined) return sendTooMuchUnread(res);
    const response = new StreamedResponse(res, headers, acceptsGzip(req.headers['accept-encoding']), hold);
    if (req.method === 'HEAD') {
      if (collection === undefined && (await beforeDeadline(this.scrape.collection(), deadline)) === undefined) return sendTooLate(res);
      return response.start();
    }
    const { broadcast, written } = this.scrape.text(format, profile, collection);
    broadcast.join(response);
    const hasBegun = await beforeDeadline(
      Promise.race([broadcast.begun, written]).then(() => true),
      deadline,
    );
    if (hasBegun === undefined && broadcast.leave(response)) return sendTooLate(res);
    await written;
  }

  /**
   * AM's JSON view as a CREST query (`_queryFilter`, `prefix`, `_fields`, paging; see parseJsonQuery),
   * numbers as Java writes them; 400 in CREST's error form for a query it cannot answer. Built and
   * written in slices, as scrapes are, so a large registry's view never stalls other work.
   */
  async json(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.isAdmitted(req, res)) return;
    const query = this.queryOf(req, res);
    if (query === undefined) return;
    await this.withSlot(req, res, async (clientGone) => {
      const pace = pacer(() => performance.now());
      const view = await jsonViewSliced(await this.scrape.collection(), query, { idOf: this.jsonIds }, pace, clientGone);
      await this.sendJsonText(req, res, await renderQueryResult(view, pace, clientGone));
    });
  }

  /** One entry of the JSON view by `_id` (`_fields` applies); 404 in CREST's error form for an unknown id. */
  async jsonEntry(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.isAdmitted(req, res)) return;
    const query = this.queryOf(req, res);
    if (query === undefined) return;
    await this.withSlot(req, res, async (clientGone) => {
      const pace = pacer(() => performance.now());
      const entry = await jsonEntrySliced(await this.scrape.collection(), id, query.fields, { idOf: this.jsonIds }, pace, clientGone);
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
    sendPlain(res, 405, 'Method Not Allowed', { Allow: ALLOWED_METHODS });
  }

  /** OPTIONS: 204 with `Allow`, no body, no credentials asked (it reveals nothing but the methods). */
  options(_req: IncomingMessage, res: ServerResponse): void {
    if (res.headersSent || res.destroyed) return;
    res.statusCode = 204;
    res.setHeader('Allow', ALLOWED_METHODS);
    res.setHeader('Cache-Control', 'no-store');
    res.end();
  }

  /** Whether `req` may read metrics; if not, the 401 or 429 has been sent. Counts each request once. */
  private isAdmitted(req: IncomingMessage, res: ServerResponse): boolean {
    return !this.auth.isEnabled || this.admitted.has(req) || this.authenticate(req, res);
  }

  /**
   * Valid credentials are always served, whatever else came from the same address (a NAT, an ingress,
   * Prometheus's own host): the throttle only refuses failed attempts, so nobody can lock the scraper
   * out, and MIN_SECRET_LENGTH makes guessing pointless anyway.
   */
  private authenticate(req: IncomingMessage, res: ServerResponse): boolean {
    const client = req.socket.remoteAddress ?? 'unknown';
    const outcome = this.auth.check(req.headers.authorization, { key: headerOf(req, 'x-api-key'), secret: headerOf(req, 'x-api-secret') });
    if (outcome === 'granted' || outcome === 'open') {
      this.admitted.add(req);
      return true;
    }
    if (outcome === 'denied') {
      const retryAfter = this.throttle.retryAfterSeconds(client);
      if (retryAfter !== undefined) {
        sendPlain(res, 429, 'Too Many Requests: too many failed authentications', { 'Retry-After': String(retryAfter) });
        return false;
      }
      this.throttle.recordFailure(client);
    }
    sendPlain(res, 401, 'Unauthorized', { 'WWW-Authenticate': this.auth.challenges });
    return false;
  }

  /**
   * Runs `work` within the in-flight cap (503 beyond it); a failure becomes a bare 500 and one log line.
   * `work` is handed a signal aborted once the response closes, so work of this request alone (a JSON
   * view) can stop when its client leaves; rejecting with the signal's reason then is no failure.
   */
  private async withSlot(req: IncomingMessage, res: ServerResponse, work: (clientGone: AbortSignal) => Promise<void>): Promise<void> {
    const release = this.limit.tryAcquire();
    if (release === undefined) {
      return sendPlain(res, 503, 'Service Unavailable: too many scrapes in flight', { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) });
    }
    // A client that hangs up frees its slot at once; the shared render carries on for the others, and
    // work of its own must stop too, or clients hanging up at once could start any number of them.
    const gone = new AbortController();
    res.once('close', () => {
      release();
      gone.abort();
    });
    try {
      await work(gone.signal);
    } catch (error) {
      if (gone.signal.aborted && error === gone.signal.reason) return;
      this.logFailure(req, error);
      sendPlain(res, 500, 'Internal Server Error');
    } finally {
      release();
    }
  }

  /** Logs that answering `req` failed with `error`, unless another request logged that same error in this turn. */
  private logFailure(req: IncomingMessage, error: unknown): void {
    if (this.loggedThisTurn?.has(error) === true) return;
    if (this.loggedThisTurn === undefined) {
      this.loggedThisTurn = new Set();
      setImmediate(() => (this.loggedThisTurn = undefined));
    }
    this.loggedThisTurn.add(error);
    this.logger(`am-metrics: answering ${req.method ?? 'GET'} ${pathOf(req)} failed: ${describeError(error)}`);
  }

  private async sendJsonBody(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    await this.sendJsonText(req, res, JSON.stringify(body));
  }

  private async sendJsonText(req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
    const rendered = new RenderedScrape(Body.of(Buffer.from(text, 'utf8')));
    await this.sendEncoded(req, res, rendered, { 'Content-Type': 'application/json; charset=utf-8', Vary: 'Accept-Encoding' });
  }

  /** Sends the body, or 503 when clients that stopped reading already hold maxUnsentBytes (see UnsentBodies). */
  private async sendEncoded(req: IncomingMessage, res: ServerResponse, rendered: RenderedScrape, headers: Headers): Promise<void> {
    const isGzip = acceptsGzip(req.headers['accept-encoding']);
    const body = isGzip ? await rendered.gzipped() : rendered.body;
    if (res.destroyed) return;
    if (!this.unsent.admit(res, body)) return sendTooMuchUnread(res);
    sendBody(res, 200, body, isGzip ? { ...headers, 'Content-Encoding': 'gzip' } : headers);
  }
}

/** A text scrape's answer: its format and naming, its headers, and a collection taken for it, if any. */
interface TextAnswer {
  readonly format: ExpositionFormat;
  readonly profile: NamingProfile;
  readonly headers: Headers;
  readonly collection?: Collection | undefined;
}

/** 503 for a scrape while clients that stopped reading hold maxUnsentBytes. */
function sendTooMuchUnread(res: ServerResponse): void {
  sendPlain(res, 503, 'Service Unavailable: too many responses still unread', { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) });
}

/** 503 for a scrape not answered within Prometheus's scrape timeout. */
function sendTooLate(res: ServerResponse): void {
  sendPlain(res, 503, 'Service Unavailable: not collected within the scrape timeout', { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) });
}

/**
 * When (a `performance.now()` time) a scrape arriving now must be answered by Prometheus's timeout
 * header, or undefined without a usable one. A deadline, not a duration: a scrape waits in steps (the
 * protobuf check's collection, then its text's turn), and each step gets only what is left.
 */
function scrapeDeadline(header: string | string[] | undefined): number | undefined {
  const seconds = typeof header === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(header) ? Number(header) : Number.NaN;
  if (!(seconds > 0)) return undefined;
  const ms = Math.min(seconds * 1_000, 2_147_483_647);
  return performance.now() + ms - Math.min(SCRAPE_TIMEOUT_MARGIN_MS, ms / 4);
}

/** `work`'s result, or undefined once `deadline` passed first; `work` itself is not cancelled. */
async function beforeDeadline<T>(work: Promise<T>, deadline: number | undefined): Promise<T | undefined> {
  if (deadline === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - performance.now()), undefined)));
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
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
