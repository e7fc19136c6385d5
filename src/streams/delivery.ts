// The delivery loop: once a second it takes one collection and gives every enabled stream its frame;
// every flush interval a stream encodes what it holds and sends it. Retries, backoff, the bounded
// buffer and health live here; wire formats (encoders) and sockets (the transport) do not.
import type { Clock } from '../registry/clock.js';
import type { Collection } from '../registry/collection.js';
import { describeError, type Logger } from '../http/logger.js';
import type { Encoders } from './encoder.js';
import { LeftOutLog } from './left-out-log.js';
import { EMPTY_HEALTH, type DestinationType, type MetricStream, type StreamHealth } from './resource.js';
import { StreamWorker } from './stream-worker.js';
import type { Transport } from './transport.js';

export { DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_MAX_BUFFERED_POINTS, MAX_FRAMES_PER_BATCH } from './stream-worker.js';

export interface DeliveryOptions {
  /**
   * Frames are stamped and health is dated with its wall time, `now()`; when frames, flushes and
   * retries are due is measured on its `monotonic()`, so a wall clock stepped back never pauses sending.
   */
  readonly clock: Clock;
  readonly transport: Transport;
  readonly encoders: Encoders;
  /** Collects the registry once per second for every stream. */
  readonly collect: () => Promise<Collection>;
  readonly flushIntervalMs?: number;
  readonly maxBufferedPoints?: number;
  /** Told whenever a stream's health changes (for the store and self-metrics). */
  readonly onHealth?: (id: string, health: StreamHealth) => void;
  /**
   * One line per delivery problem, and per family left out of the collections (at most one a minute
   * per family, see LeftOutLog); never given a secret.
   */
  readonly logger?: Logger;
  /**
   * Largest request body per destination type (default DEFAULT_MAX_BODY_BYTES), in bytes as sent and,
   * where the encoder reports it, before compression; a stream's `max_request_bytes` overrides it.
   * A batch encoded over it is split before sending, and a single point over it dropped (`too_large`).
   */
  readonly maxBodyBytes?: Readonly<Partial<Record<DestinationType, number>>>;
  /** Jitter of the backoff, in [0, 1); default Math.random. */
  readonly random?: () => number;
}

/**
 * The body limit of OTLP and remote-write streams that set no `max_request_bytes`: 4 MiB, before and
 * after compression. Why this much: it is under what the usual receivers take uncompressed (the
 * OpenTelemetry Collector's HTTP receiver 20 MiB since v0.102, VictoriaMetrics 32 MiB, Mimir 100 MiB),
 * and metric bodies compress tenfold or more, under the 1,000,000 bytes New Relic takes compressed.
 * A frame rarely comes near it: 1,000 api_request series with every tag set are 0.5 MB of OTLP
 * protobuf (13 KB gzipped), 1.1 MB of OTLP JSON, 0.5 MB of WriteRequest (35 KB with snappy).
 */
export const DEFAULT_MAX_REQUEST_BYTES = 4_194_304;

/**
 * Body limits by destination type: Datadog's intake takes 512,000 bytes compressed (its v2 series API
 * documentation; its raw limit is the encoder's business), the others DEFAULT_MAX_REQUEST_BYTES.
 */
export const DEFAULT_MAX_BODY_BYTES: Readonly<Partial<Record<DestinationType, number>>> = {
  datadog: 512_000,
  otlp: DEFAULT_MAX_REQUEST_BYTES,
  prometheus_remote_write: DEFAULT_MAX_REQUEST_BYTES,
};

/** How long shutdown's final flush may take before what is still held counts as dropped. */
export const DEFAULT_SHUTDOWN_FLUSH_MS = 5_000;

/**
 * Sends every enabled stream's metrics to its destination. Call `tick()` about once a second (the
 * service does, tests do by hand after moving a manual clock): it never sleeps, and time only comes
 * from the clock. Streams never wait on each other: a stream whose request is in flight is skipped
 * by later ticks until it settles, the others go on. While no stream runs, ticks collect nothing.
 */
export class Delivery {
  private readonly workers = new Map<string, StreamWorker>();
  /** The wall-clock second of the last frame, and when (on the monotonic clock) it was taken. */
  private lastSecond = Number.NEGATIVE_INFINITY;
  private lastFrameMonotonicMs = Number.NEGATIVE_INFINITY;
  private lastCollection: Collection | undefined;
  /** The collection under way, while one is. */
  private collecting: Promise<void> | undefined;
  private readonly leftOutLog: LeftOutLog;

  constructor(private readonly options: DeliveryOptions) {
    this.leftOutLog = new LeftOutLog(options.logger);
  }

  /**
   * Starts, updates or stops a stream. A new stream counts from the last collection, taken for the
   * streams already running, or else from its first, within a second. A disabled stream stops and
   * forgets what it had not sent. A change of subscriptions, tags, cap or destination restarts it
   * from the last second (unsent points are dropped and counted); a rename or new credentials (a
   * rotated key) keep everything, and the next request carries them. A stream enabled again goes on
   * from `health`.
   * @param isFromStart true for streams loaded at start: their first frame carries the counts since
   *   each series started, not since the stream did.
   */
  upsert(stream: MetricStream, health: StreamHealth = EMPTY_HEALTH, isFromStart = false): void {
    const existing = this.workers.get(stream.id);
    if (stream.status === 'disabled') {
      existing?.abandon();
      this.workers.delete(stream.id);
      return;
    }
    if (existing !== undefined && existing.canAdopt(stream)) {
      existing.adopt(stream);
      return;
    }
    const worker = new StreamWorker(stream, existing?.health ?? health, this.options, this.lastCollection, isFromStart);
    if (existing !== undefined) {
      existing.abandon();
      worker.health = existing.health; // with the unsent points the abandon counted as dropped
    }
    this.workers.set(stream.id, worker);
  }

  remove(id: string): void {
    this.workers.get(id)?.abandon();
    this.workers.delete(id);
  }

  /** Every running stream's id and live health. */
  healths(): [string, StreamHealth][] {
    return [...this.workers].map(([id, worker]) => [id, worker.health]);
  }

  /**
   * Points a running stream holds and has not delivered (series × seconds, what shutdown would lose
   * now); undefined for streams not running. Bounded by `maxBufferedPoints` plus a request in flight.
   */
  heldPoints(id: string): number | undefined {
    return this.workers.get(id)?.heldPoints();
  }

  /** The live health of an enabled stream; undefined for streams not running. */
  health(id: string): StreamHealth | undefined {
    return this.workers.get(id)?.health;
  }

  /**
   * Shutdown's final flush: takes one last frame (after a collection under way, and even within the
   * second of the last one, see finalFrame), sends everything every stream holds, and waits at most
   * `timeoutMs` (real time, default DEFAULT_SHUTDOWN_FLUSH_MS). What is still held then counts as
   * dropped (reason `shutdown`) and every stream stops; resolves with the points lost.
   */
  async shutdown(timeoutMs = DEFAULT_SHUTDOWN_FLUSH_MS): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const flush = (async () => {
      // A final collection that fails costs only its own frame: the frames taken before still go out.
      await this.finalFrame().catch((error: unknown) => this.options.logger?.(`am-metrics: metric streams: final frame left out: ${describeError(error)}`));
      await Promise.all([...this.workers.values()].map((worker) => worker.flushNow()));
    })();
    await Promise.race([flush.catch(() => undefined), deadline]).finally(() => clearTimeout(timer));
    let lost = 0;
    for (const worker of this.workers.values()) {
      lost += worker.heldPoints();
      worker.abandon('shutdown');
    }
    this.workers.clear();
    return lost;
  }

  /**
   * Takes this second's frame (once per second of the clock) and starts every due flush. Resolves
   * when the flushes started by this tick have settled; callers that must not wait need not await it.
   * When the collection fails, the due flushes still run, and the tick then rejects with its error.
   */
  async tick(): Promise<void> {
    if (this.workers.size === 0) {
      // Nothing to give a frame to: no collection (a cluster primary's asks every worker for its
      // state), and no baseline kept, since it would age; a stream started now counts from its first.
      this.lastCollection = undefined;
      this.lastSecond = Number.NEGATIVE_INFINITY;
      this.lastFrameMonotonicMs = Number.NEGATIVE_INFINITY;
      return;
    }
    const second = Math.floor(this.options.clock.now() / 1_000);
    const monotonicMs = this.options.clock.monotonic();
    try {
      if (this.collecting === undefined && this.isFrameDue(second, monotonicMs)) await this.takeFrame(second, monotonicMs);
    } finally {
      // A failed collection costs only this second's frame: the frames taken before and the retries
      // due still go out, and the tick rejects after them, for its caller to report.
      await Promise.all([...this.workers.values()].map((worker) => worker.flushIfDue()));
    }
  }

  /**
   * Shutdown's frame, so that what was recorded since the last one goes out too (in a cluster, the
   * workers' final states). Within the second of the last frame it is stamped with the start of the
   * next second: a second point of a series in one second would overwrite the first at Datadog, whose
   * timestamps are whole seconds, so that point is dated less than a second ahead instead.
   */
  private async finalFrame(): Promise<void> {
    if (this.workers.size === 0) return;
    await this.collecting?.catch(() => undefined);
    const second = Math.floor(this.options.clock.now() / 1_000);
    const isSameSecond = second === this.lastSecond;
    await this.takeFrame(isSameSecond ? second + 1 : second, this.options.clock.monotonic(), isSameSecond ? (second + 1) * 1_000 : undefined);
  }

  /**
   * Collects once, gives every stream its frame, then logs the families the collection left out (see
   * LeftOutLog): with nobody scraping, no other log line would tell of them.
   * `stampMs` replaces the collection's earlier time.
   */
  private takeFrame(second: number, monotonicMs: number, stampMs?: number): Promise<void> {
    const collecting = (async () => {
      const collected = await this.options.collect();
      const collection = stampMs === undefined || collected.timeMs >= stampMs ? collected : { ...collected, timeMs: stampMs };
      this.lastSecond = second;
      this.lastFrameMonotonicMs = monotonicMs;
      this.lastCollection = collection;
      for (const [id, worker] of this.workers) this.addFrame(id, worker, collection);
      this.leftOutLog.note(collected.failures, monotonicMs);
    })().finally(() => (this.collecting = undefined));
    this.collecting = collecting;
    return collecting;
  }

  /**
   * One frame per second of the wall clock, whose seconds stamp the points. Once the wall clock was
   * stepped back (NTP, a VM resumed) its seconds come again: waiting for them to pass the last frame's
   * would stop every stream for as long as the step, so a frame is then due each monotonic second,
   * stamped with the wall clock's (earlier) second, as a scrape at that moment would be.
   */
  private isFrameDue(second: number, monotonicMs: number): boolean {
    return second > this.lastSecond || (second < this.lastSecond && monotonicMs - this.lastFrameMonotonicMs >= 1_000);
  }

  /**
   * Gives `worker` this second's frame. A stream that cannot take it (a bug in its view of the
   * collection) is logged and skips the second, and the other streams go on: its next frame still
   * counts from its last one, so a delta destination loses nothing once the fault is gone.
   */
  private addFrame(id: string, worker: StreamWorker, collection: Collection): void {
    try {
      worker.addFrame(collection);
    } catch (error) {
      this.options.logger?.(`am-metrics: metric stream ${id}: frame of this second left out: ${describeError(error)}`);
    }
  }
}
