// The metric streams management API, framework-free: a parsed request in, a status and JSON body out.
// It checks the admin token, validates, stores, and tells the delivery what changed. server.ts mounts
// it on express; the body parser and the socket are its business.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../registry/clock.js';
import { checkSecret } from '../http/auth.js';
import { positiveInteger } from '../http/errors.js';
import { AuthThrottle } from '../http/auth-throttle.js';
import { StreamApiError, invalidQuery } from './errors.js';
import { newStreamId, streamView, type MetricStream, type StreamHealth } from './resource.js';
import type { StreamStore } from './store.js';
import { applyPatch, parseNewStream, type ValidationOptions } from './validation.js';

/** Where the API lives; `/{id}` below it addresses one stream. */
export const METRIC_STREAMS_PATH = '/api/v2/metric-streams';
/** Streams per page when `take` is not given with `from`. */
export const DEFAULT_TAKE = 50;
/** Most streams one page may hold. */
export const MAX_TAKE = 100;
/**
 * Most streams a store may hold, enabled or not (a disabled one may be enabled by a PATCH). Each
 * enabled stream costs a worker with its own view of every second's collection, a buffer of up to
 * DEFAULT_MAX_BUFFERED_POINTS points while its destination is down, and a request per flush; a
 * few destinations per host is the use, so a script creating streams in a loop stops here.
 */
export const DEFAULT_MAX_STREAMS = 20;

/** One request, as the adapter parsed it. */
export interface ManagementRequest {
  readonly method: string;
  /** The stream id when the path addresses one stream. */
  readonly id?: string | undefined;
  readonly query: Readonly<Record<string, unknown>>;
  /** The parsed JSON body; undefined when there was none. */
  readonly body?: unknown;
  readonly authorization?: string | undefined;
  /** The caller's address, by which failed tokens are counted (see AuthThrottle). */
  readonly client?: string | undefined;
}

export interface ManagementAnswer {
  readonly status: number;
  /** JSON to send; none with 204. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What happened to a stream, for the delivery loop to follow. */
export type StreamChange = { readonly kind: 'saved'; readonly stream: MetricStream } | { readonly kind: 'deleted'; readonly id: string };

export interface ManagementApiOptions extends ValidationOptions {
  /** The Bearer token admitting a caller (at least 16 characters); kept apart from scrape credentials. */
  readonly adminToken: string;
  readonly store: StreamStore;
  /** Stamps created_at and updated_at. */
  readonly clock: Clock;
  /** Told after every stored change. */
  readonly onChange?: (change: StreamChange) => void;
  /** A stream's live health; default what the store last saved. */
  readonly healthOf?: (id: string) => StreamHealth;
  /**
   * Most streams the store may hold, counted in the store (streams kept from earlier runs count);
   * a create beyond it is answered 403 `too_many_metric_streams`, after a body that fails validation
   * (400) and a name already taken (409) are told so. Default DEFAULT_MAX_STREAMS.
   */
  readonly maxStreams?: number;
}

/**
 * Auth0's metric streams resource (`POST`, `GET` list, and `GET`, `PATCH`, `DELETE` of one stream) over
 * a StreamStore. Every answer but 204 carries JSON; errors carry Auth0's body `{statusCode, error,
 * message, errorCode}` (see StreamApiError). Secrets are answered as `***` and never written to a log.
 * An address that sent a wrong token too often gets 429 for the rest of the window, as the scrape
 * paths do (AuthThrottle's defaults, timed by the clock's `monotonic()`); the right token is always served.
 */
export class ManagementApi {
  private tokenDigest: Buffer;
  private readonly throttle: AuthThrottle;
  private readonly maxStreams: number;

  /**
   * @throws ServerConfigError when `adminToken` is not a string of at least 16 characters, or
   *   `maxStreams` is not a whole number of at least 1.
   */
  constructor(private readonly options: ManagementApiOptions) {
    checkSecret('adminToken', options.adminToken);
    this.maxStreams = positiveInteger('maxStreams', options.maxStreams, DEFAULT_MAX_STREAMS);
    this.tokenDigest = digest(options.adminToken);
    this.throttle = new AuthThrottle({}, () => options.clock.monotonic());
  }

  /**
   * Admits `adminToken` from now on, and the old token no more (a rotated token file).
   * @throws ServerConfigError when it is not a string of at least 16 characters; the old token stays.
   */
  setAdminToken(adminToken: string): void {
    checkSecret('adminToken', adminToken);
    this.tokenDigest = digest(adminToken);
  }

  /** Answers one request; never throws for anything the request contains. */
  handle(request: ManagementRequest): ManagementAnswer {
    try {
      this.authorize(request.authorization, request.client ?? 'unknown');
      return this.route(request);
    } catch (error) {
      if (!(error instanceof StreamApiError)) throw error;
      return { status: error.statusCode, body: error.body(), ...(Object.keys(error.headers).length === 0 ? {} : { headers: error.headers }) };
    }
  }

  private route(request: ManagementRequest): ManagementAnswer {
    const { method, id } = request;
    if (id === undefined && method === 'POST') return this.create(request.body);
    if (id === undefined && method === 'GET') return this.list(request.query);
    if (id !== undefined && method === 'GET') return { status: 200, body: this.view(this.find(id)) };
    if (id !== undefined && method === 'PATCH') return this.patch(this.find(id), request.body);
    if (id !== undefined && method === 'DELETE') return this.remove(id);
    throw new StreamApiError(404, 'Not Found', 'not_found');
  }

  private create(body: unknown): ManagementAnswer {
    const fields = parseNewStream(body, this.options);
    // A body that is wrong (400), then a name taken (409), then the cap (403): a duplicate at the cap
    // is told about its name, which it can change, since deleting a stream would not let it in.
    if (this.options.store.idByName(fields.name) !== undefined) throw duplicateName(fields.name);
    if (this.options.store.count() >= this.maxStreams) throw tooManyStreams(this.maxStreams);
    const at = new Date(this.options.clock.now()).toISOString();
    const stream: MetricStream = { id: newStreamId(), ...fields, created_at: at, updated_at: at };
    if (!this.options.store.insert(stream)) throw duplicateName(stream.name);
    this.options.onChange?.({ kind: 'saved', stream });
    return { status: 201, body: this.view(stream) };
  }

  /**
   * Without `from` and `take`, every stream as an array; with either, `{metric_streams, next}`, where
   * `next` is an opaque cursor that stays valid when streams are deleted (see StreamStore.page).
   */
  private list(query: Readonly<Record<string, unknown>>): ManagementAnswer {
    const unknown = Object.keys(query).filter((key) => key !== 'from' && key !== 'take');
    if (unknown.length > 0) throw invalidQuery(`Additional properties not allowed: ${unknown.join(',')}`, unknown[0] ?? '');
    if (query.from === undefined && query.take === undefined) return { status: 200, body: this.options.store.all().map((s) => this.view(s)) };
    const take = takeOf(query.take);
    if (query.from !== undefined && (typeof query.from !== 'string' || query.from === ''))
      throw invalidQuery('Expected the next cursor of a page or the id of a stream', 'from');
    const page = this.options.store.page(take, query.from);
    if (page === undefined) throw invalidQuery('Expected the next cursor of a page or the id of a stream', 'from');
    return { status: 200, body: { metric_streams: page.streams.map((s) => this.view(s)), ...(page.next === undefined ? {} : { next: page.next }) } };
  }

  private patch(stored: MetricStream, body: unknown): ManagementAnswer {
    const fields = applyPatch(stored, body, this.options);
    const stream: MetricStream = { id: stored.id, ...fields, created_at: stored.created_at, updated_at: new Date(this.options.clock.now()).toISOString() };
    if (!this.options.store.update(stream)) {
      if (this.options.store.get(stored.id) === undefined) throw notFound();
      throw duplicateName(stream.name);
    }
    this.options.onChange?.({ kind: 'saved', stream });
    return { status: 200, body: this.view(stream) };
  }

  private remove(id: string): ManagementAnswer {
    if (!this.options.store.delete(id)) throw notFound();
    this.options.onChange?.({ kind: 'deleted', id });
    return { status: 204 };
  }

  private find(id: string): MetricStream {
    const stream = this.options.store.get(id);
    if (stream === undefined) throw notFound();
    return stream;
  }

  private view(stream: MetricStream) {
    return streamView(stream, (this.options.healthOf ?? ((id: string) => this.options.store.health(id)))(stream.id));
  }

  /**
   * Compares digests in constant time, so neither the token nor its length leaks through timing. A
   * wrong token counts against `client`, who gets 429 once it had too many.
   */
  private authorize(header: string | undefined, client: string): void {
    const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
    if (match === null) throw new StreamApiError(401, 'Missing authentication', 'missing_authentication', CHALLENGE);
    if (timingSafeEqual(digest(match[1] ?? ''), this.tokenDigest)) return;
    const retryAfter = this.throttle.retryAfterSeconds(client);
    if (retryAfter !== undefined) {
      throw new StreamApiError(429, 'Too many failed authentications; try again later.', 'too_many_requests', { 'Retry-After': String(retryAfter) });
    }
    this.throttle.recordFailure(client);
    throw new StreamApiError(401, 'Invalid token', 'invalid_token', CHALLENGE);
  }
}

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="am-metrics streams"' };

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function takeOf(value: unknown): number {
  if (value === undefined) return DEFAULT_TAKE;
  const take = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(take >= 1 && take <= MAX_TAKE)) throw invalidQuery(`Expected an integer from 1 to ${MAX_TAKE}`, 'take');
  return take;
}

function notFound(): StreamApiError {
  return new StreamApiError(404, 'The metric stream does not exist.', 'inexistent_metric_stream');
}

/** Auth0 answers a tenant's entity limit with 403 Forbidden and its error body. */
function tooManyStreams(max: number): StreamApiError {
  return new StreamApiError(403, `No more than ${max} metric streams may exist; delete one first.`, 'too_many_metric_streams');
}

function duplicateName(name: string): StreamApiError {
  return new StreamApiError(409, `A metric stream named ${JSON.stringify(name)} already exists.`, 'metric_stream_conflict');
}
