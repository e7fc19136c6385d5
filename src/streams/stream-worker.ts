// One stream's side of delivery: its frames, the batches they become, retries and health. The loop
// that feeds every stream once a second is delivery.ts.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Collection } from '../registry/collection.js';
import { DEFAULT_MAX_BODY_BYTES, type DeliveryOptions } from './delivery.js';
import { DATADOG_MAX_POINT_AGE_MS, targetOf } from './destinations.js';
import type { DestinationEncoder, EncodedRequest, Frame } from './encoder.js';
import { RESPONSE_TOO_LARGE } from './http-transport.js';
import { CREDENTIAL_FIELDS, type DropReason, type MetricStream, type StreamHealth, type Temporality } from './resource.js';
import { backoffMs, isRetryable, retryAfterMs } from './retry-policy.js';
import { splitFrame, StreamView } from './stream-view.js';
import type { TransportResponse } from './transport.js';

/** How often a stream sends what it gathered, as Auth0's metric streams do. */
export const DEFAULT_FLUSH_INTERVAL_MS = 10_000;
/** Points (series × seconds) a stream holds while its destination is down; the oldest go first. */
export const DEFAULT_MAX_BUFFERED_POINTS = 200_000;
/** Frames (seconds) encoded into one batch. */
export const MAX_FRAMES_PER_BATCH = 60;

/** Frames not yet sent, and the requests they became once encoded (kept as they are for retries). */
interface Batch {
  readonly frames: Frame[];
  requests?: EncodedRequest[];
  /** Requests of `requests` delivered (or dropped) so far. */
  sent: number;
}

/** One stream's buffer, batches, backoff and health. */
export class StreamWorker {
  private readonly view: StreamView;
  private readonly frames: Frame[] = [];
  private readonly batches: Batch[] = [];
  private previous: Collection | undefined;
  private hasBaseline: boolean;
  /** When the next flush and the next retry are due, on the clock's `monotonic()`, which a wall clock stepped back does not hold up. */
  private nextFlushMs: number;
  private retryAtMs = Number.NEGATIVE_INFINITY;
  private attempts = 0;
  private isSending = false;
  /** The send under way, while isSending. */
  private sending: Promise<void> | undefined;
  private isAbandoned = false;
  health: StreamHealth;

  constructor(
    private stream: MetricStream,
    health: StreamHealth,
    private readonly options: DeliveryOptions,
    lastCollection: Collection | undefined,
    isFromStart: boolean,
  ) {
    this.view = new StreamView(stream);
    this.health = health;
    this.hasBaseline = isFromStart || lastCollection !== undefined;
    this.previous = lastCollection === undefined || isFromStart ? undefined : this.view.apply(lastCollection);
    this.nextFlushMs = options.clock.monotonic() + this.flushIntervalMs;
  }

  private get flushIntervalMs(): number {
    return this.options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
  }

  /**
   * Whether `stream` differs from this worker's only in name, timestamps or credentials (a rotated key):
   * what it holds is encoded the same, and requests take their headers from the stream when sent.
   */
  canAdopt(stream: MetricStream): boolean {
    const shape = (s: MetricStream) => {
      const configuration = Object.entries(s.destination.configuration).filter(([field]) => !CREDENTIAL_FIELDS.includes(field));
      return JSON.stringify([s.subscriptions, s.tags, s.max_series, s.destination.type, configuration]);
    };
    return shape(stream) === shape(this.stream);
  }

  /** Takes `stream`'s name and credentials (see canAdopt). */
  adopt(stream: MetricStream): void {
    this.stream = stream;
  }

  /** Stops for good: a send in flight finishes but changes nothing; unsent points count as dropped. */
  abandon(reason: DropReason = 'reconfigured'): void {
    this.isAbandoned = true;
    const unsent = this.heldPoints();
    if (unsent > 0) this.update(this.dropped(unsent, reason));
  }

  /** Points held and not yet delivered. */
  heldPoints(): number {
    return this.frames.reduce((n, f) => n + pointsOf(f), 0) + this.batches.reduce((n, b) => n + batchPoints(b), 0);
  }

  /**
   * Sends whatever is held now, ignoring the flush interval and backoff (shutdown's final flush). A send
   * under way settles first, so a slow destination's answer counts and what came after it still goes.
   */
  async flushNow(): Promise<void> {
    await this.sending?.catch(() => undefined);
    this.nextFlushMs = Number.NEGATIVE_INFINITY;
    this.retryAtMs = Number.NEGATIVE_INFINITY;
    await this.flushIfDue();
  }

  addFrame(collection: Collection): void {
    const current = this.view.apply(collection);
    const previous = this.previous;
    this.previous = current;
    if (!this.hasBaseline) {
      this.hasBaseline = true;
      return;
    }
    const frame = { current, previous };
    if (pointsOf(frame) === 0) return;
    if (this.attempts > 0 && targetOf(this.stream.destination).temporality === 'cumulative') this.keepLatestOnly();
    this.frames.push(frame);
    this.enforceBound();
  }

  /**
   * While a cumulative destination fails, every new frame supersedes what is held (each point carries
   * the whole count since its start), so nothing queues: batches not in flight and older frames go,
   * without counting as dropped.
   */
  private keepLatestOnly(): void {
    this.frames.length = 0;
    this.batches.splice(this.isSending ? 1 : 0);
  }

  async flushIfDue(): Promise<void> {
    const now = this.options.clock.monotonic();
    if (this.isSending || this.isAbandoned || now < this.nextFlushMs || now < this.retryAtMs) return;
    this.nextFlushMs = now + this.flushIntervalMs;
    while (this.frames.length > 0) this.batches.push({ frames: this.frames.splice(0, MAX_FRAMES_PER_BATCH), sent: 0 });
    if (this.batches.length === 0) return;
    this.isSending = true;
    this.sending = this.sendBatches().finally(() => {
      this.isSending = false;
      this.sending = undefined;
    });
    await this.sending;
  }

  /** Sends batches oldest first until they are gone or one fails. */
  private async sendBatches(): Promise<void> {
    const encoder = this.options.encoders[this.stream.destination.type];
    if (encoder === undefined) {
      this.fail(`no encoder for ${this.stream.destination.type} destinations in this build`, null, this.dropBatches(), 'encode_error');
      return;
    }
    const target = targetOf(this.stream.destination);
    this.dropTooOld();
    while (this.batches.length > 0 && !this.isAbandoned) {
      const batch = this.batches[0]!;
      if (batch.requests === undefined && !(await this.encode(batch, encoder, target.temporality))) continue;
      const request = batch.requests![batch.sent];
      if (request === undefined) {
        this.batches.shift();
        continue;
      }
      if (Math.max(request.body.length, request.uncompressedBytes ?? 0) > this.maxBodyBytes) {
        this.refuseOversized(batch, request, new URL(target.url).host);
        continue;
      }
      if (this.attempts > 0) this.update({ retries: this.health.retries + 1 });
      // Credentials as they are now: a key rotated during this flush (see adopt) goes with the next request.
      const { headers } = targetOf(this.stream.destination);
      const outcome = await this.send(target.url, { ...request.headers, ...headers }, request.body);
      if (this.isAbandoned) return;
      if (outcome.kind === 'sent') {
        batch.sent += 1;
        this.attempts = 0;
        const status = outcome.response.status;
        const note = encoder.inspect?.(outcome.response);
        const rejected = typeof note === 'object' ? Math.min(note.rejectedPoints, request.points) : 0;
        this.update({ last_success_at: this.iso(), last_status_code: status, points_sent: this.health.points_sent + request.points - rejected });
        if (typeof note === 'string') this.log(destinationText(note));
        else if (note !== undefined)
          this.fail(
            `${rejected} points rejected by ${new URL(target.url).host} (partial_success: ${destinationText(note.message)}); not retried`,
            status,
            rejected,
            'partial_success',
          );
        continue;
      }
      if (!this.handleFailure(batch, request, outcome)) return;
    }
  }

  /**
   * Drops, oldest first, the Datadog points past DATADOG_MAX_POINT_AGE_MS, which Datadog would ignore
   * while answering 202, and counts them (`too_old`) in one line per flush: the seconds of batches
   * not encoded yet one by one, a batch already sent once (retries resend its very bodies) whole once
   * its newest second is past, so such a batch may still carry points up to MAX_FRAMES_PER_BATCH
   * seconds older.
   */
  private dropTooOld(): void {
    if (this.stream.destination.type !== 'datadog') return;
    const oldestKeptMs = this.options.clock.now() - DATADOG_MAX_POINT_AGE_MS;
    const isOld = (frame: Frame | undefined): boolean => frame !== undefined && frame.current.timeMs < oldestKeptMs;
    let points = 0;
    for (let batch = this.batches[0]; batch !== undefined; batch = this.batches[0]) {
      if (batch.requests === undefined) {
        while (isOld(batch.frames[0])) points += pointsOf(batch.frames.shift()!);
        if (batch.frames.length > 0) break;
      } else if (isOld(batch.frames.at(-1))) points += batchPoints(batch);
      else break;
      this.batches.shift();
    }
    if (points === 0) return;
    this.update(this.dropped(points, 'too_old'));
    this.log(`${points} points over an hour old, which Datadog ignores, dropped while the destination was failing`);
  }

  /**
   * Encodes a batch once. With an encoder that has `encodeFrame` (the built-in ones) it goes a frame at
   * a time, after a turn of the event loop each: encoders are synchronous, and a frame of 1,000
   * Datadog api_request series took 15-30 ms here, so a batch of 10 to MAX_FRAMES_PER_BATCH frames in
   * one go stalled the host's requests and scrapes for 0.3 s to over a second. An encoder that throws
   * loses the batch (counted) rather than wedging the stream. False when the batch was not encoded
   * (dropped, or the stream abandoned meanwhile).
   */
  private async encode(batch: Batch, encoder: DestinationEncoder, temporality: Temporality): Promise<boolean> {
    const options = { temporality, destination: this.stream.destination, maxRequestBytes: this.maxBodyBytes };
    const { encodeFrame } = encoder;
    try {
      if (encodeFrame === undefined) {
        batch.requests = encoder.encode(batch.frames, options);
        return true;
      }
      const requests: EncodedRequest[] = [];
      for (const frame of batch.frames) {
        await nextTurn();
        if (this.isAbandoned) return false;
        requests.push(...encodeFrame(frame, options));
      }
      batch.requests = requests;
      return true;
    } catch (error) {
      this.batches.shift();
      this.fail(
        `cannot encode for ${this.stream.destination.type}: ${error instanceof Error ? error.message : String(error)}; points dropped`,
        null,
        batchPoints(batch),
        'encode_error',
      );
      return false;
    }
  }

  private async send(url: string, headers: Record<string, string>, body: Buffer): Promise<SendOutcome> {
    try {
      const response = await this.options.transport.send({ url, headers, body });
      if (response.status >= 200 && response.status < 300) return { kind: 'sent', response };
      return { kind: 'refused', response };
    } catch (error) {
      return { kind: 'unreachable', reason: (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error)) };
    }
  }

  /** Records a failed request and decides what follows; true when sending may go on at once (after a split). */
  private handleFailure(batch: Batch, request: EncodedRequest, outcome: Exclude<SendOutcome, { kind: 'sent' }>): boolean {
    const host = new URL(targetOf(this.stream.destination).url).host;
    if (outcome.kind === 'unreachable' && outcome.reason === RESPONSE_TOO_LARGE) {
      this.batches.shift();
      this.fail(`answer from ${host} too long to read; points dropped, not retried`, null, batchPoints(batch), 'response_too_large');
      return false;
    }
    if (outcome.kind === 'unreachable') {
      this.retryLater(undefined);
      this.fail(`cannot reach ${host} (${outcome.reason}); retrying`, null, 0);
      return false;
    }
    const { status, headers } = outcome.response;
    this.update({ last_status_code: status });
    if (isRetryable(status)) {
      this.retryLater(retryAfterMs(headers, this.options.clock.now()));
      this.fail(`HTTP ${status} from ${host}; retrying`, status, 0);
    } else if (status === 413 && batch.sent === 0 && this.split(batch)) {
      this.fail(`HTTP 413 from ${host}; sending the batch in halves`, status, 0);
      return true;
    } else if (status === 413 && batch.sent > 0) {
      // Part of the batch went out, so it cannot be encoded again in halves; only this request is over.
      batch.sent += 1;
      this.fail(`HTTP 413 from ${host}; a request of ${request.points} points dropped, not retried`, status, request.points, 'too_large');
      return true;
    } else {
      this.batches.shift();
      const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
      const tooLarge = status === 413 ? ' (a single point over the limit)' : '';
      this.fail(`HTTP ${status} from ${host}${redirect}${tooLarge}; points dropped, not retried`, status, batchPoints(batch), status === 413 ? 'too_large' : 'rejected');
      // One point over the limit says nothing about the rest of the batch's halves: they go on now.
      return status === 413;
    }
    return false;
  }

  /** The stream's `max_request_bytes`, else the delivery's limit for its destination type. */
  private get maxBodyBytes(): number {
    const type = this.stream.destination.type;
    return targetOf(this.stream.destination).maxRequestBytes ?? (this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)[type] ?? Number.POSITIVE_INFINITY;
  }

  /**
   * A body over the destination's limit, compressed or not, is never sent: the batch splits, or the
   * request's points are dropped.
   */
  private refuseOversized(batch: Batch, request: EncodedRequest, host: string): void {
    if (batch.sent === 0 && this.split(batch)) return;
    batch.sent += 1;
    const size = request.uncompressedBytes === undefined ? `${request.body.length} bytes` : `${request.body.length} bytes (${request.uncompressedBytes} uncompressed)`;
    this.fail(
      `a body of ${size} is over ${host}'s ${this.maxBodyBytes}-byte limit and cannot be split; ${request.points} points dropped before sending`,
      null,
      request.points,
      'too_large',
    );
  }

  /** Replaces the head batch by its halves: by frames, or by series for a single frame. */
  private split(batch: Batch): boolean {
    const halves: Frame[][] =
      batch.frames.length > 1
        ? [batch.frames.slice(0, batch.frames.length >> 1), batch.frames.slice(batch.frames.length >> 1)]
        : (splitFrame(batch.frames[0]!)?.map((f) => [f]) ?? []);
    if (halves.length === 0) return false;
    this.batches.splice(0, 1, ...halves.map((frames) => ({ frames, sent: 0 })));
    return true;
  }

  private retryLater(askedMs: number | undefined): void {
    this.attempts += 1;
    this.retryAtMs = this.options.clock.monotonic() + (askedMs ?? backoffMs(this.attempts, this.options.random));
    this.nextFlushMs = Math.min(this.nextFlushMs, this.retryAtMs);
  }

  /**
   * Drops the oldest points while more than the bound are held: a frame (one second) or an encoded
   * request at a time, oldest batch first, then the frames not yet batched. A request in flight stays.
   */
  private enforceBound(): void {
    const max = this.options.maxBufferedPoints ?? DEFAULT_MAX_BUFFERED_POINTS;
    let held = this.frames.reduce((n, f) => n + pointsOf(f), 0) + this.batches.reduce((n, b) => n + batchPoints(b), 0);
    let dropped = 0;
    while (held > max) {
      const points = this.dropOldest();
      if (points === undefined) break;
      held -= points;
      dropped += points;
    }
    if (dropped > 0) {
      this.update(this.dropped(dropped, 'buffer_full'));
      this.log(`buffer full while the destination is failing; ${dropped} oldest points dropped`);
    }
  }

  /** Removes the oldest unit of points that is not in flight; its points, or undefined when none is left. */
  private dropOldest(): number | undefined {
    for (const [index, batch] of this.batches.entries()) {
      if (this.isSending && index === 0) continue;
      if (batch.requests === undefined && batch.frames.length > 0) return pointsOf(batch.frames.shift()!);
      const request = batch.requests?.[batch.sent];
      if (request !== undefined) {
        batch.sent += 1;
        return request.points;
      }
    }
    const frame = this.frames.shift();
    return frame === undefined ? undefined : pointsOf(frame);
  }

  private dropBatches(): number {
    const points = this.batches.reduce((n, b) => n + batchPoints(b), 0);
    this.batches.length = 0;
    return points;
  }

  private fail(reason: string, status: number | null, dropped: number, dropReason: DropReason = 'rejected'): void {
    this.update({ last_error_at: this.iso(), last_error: reason, last_error_status_code: status, ...this.dropped(dropped, dropReason) });
    this.log(reason);
  }

  /** The health counters after dropping `points` for `reason`. */
  private dropped(points: number, reason: DropReason): Partial<StreamHealth> {
    if (points === 0) return {};
    const byReason = this.health.points_dropped_by_reason;
    return { points_dropped: this.health.points_dropped + points, points_dropped_by_reason: { ...byReason, [reason]: (byReason[reason] ?? 0) + points } };
  }

  private update(change: Partial<StreamHealth>): void {
    this.health = { ...this.health, ...change };
    this.options.onHealth?.(this.stream.id, this.health);
  }

  private log(line: string): void {
    this.options.logger?.(`am-metrics: metric stream ${JSON.stringify(this.stream.name)} (${this.stream.id}): ${line}`);
  }

  private iso(): string {
    return new Date(this.options.clock.now()).toISOString();
  }
}

type SendOutcome = { readonly kind: 'sent' | 'refused'; readonly response: TransportResponse } | { readonly kind: 'unreachable'; readonly reason: string };

/** The most of a destination's own words (an OTLP error_message) a log line or `last_error` quotes. */
const MAX_DESTINATION_TEXT_LENGTH = 500;

/**
 * What a destination wrote, fit to quote in one log line and in `last_error`: control characters and
 * line separators (a newline would start a forged log line) become spaces, and the text is cut at
 * MAX_DESTINATION_TEXT_LENGTH characters (an answer may carry 16 KiB of it).
 */
function destinationText(text: string): string {
  const line = text.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ');
  return line.length <= MAX_DESTINATION_TEXT_LENGTH ? line : `${line.slice(0, MAX_DESTINATION_TEXT_LENGTH)}…`;
}

/** Series in a frame: the points it adds to a destination. */
export function pointsOf(frame: Frame): number {
  return frame.current.families.reduce((n, family) => n + family.series.length, 0);
}

/** Points of a batch not yet delivered. */
function batchPoints(batch: Batch): number {
  if (batch.requests === undefined) return batch.frames.reduce((n, f) => n + pointsOf(f), 0);
  return batch.requests.slice(batch.sent).reduce((n, r) => n + r.points, 0);
}
