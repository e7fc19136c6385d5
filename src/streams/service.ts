// Metric streams assembled: the store, the delivery loop driven once a second, the management API
// that edits both, and self-metrics of delivery. cli.ts and host apps create it; server.ts mounts its API.
import type { MetricRegistry } from '../registry/registry.js';
import type { Collection } from '../registry/collection.js';
import { systemClock, type Clock } from '../registry/clock.js';
import type { Logger } from '../http/logger.js';
import { describeError, loggerOption } from '../http/logger.js';
import { checkSecret } from '../http/auth.js';
import { positiveInteger } from '../http/errors.js';
import { Delivery, DEFAULT_SHUTDOWN_FLUSH_MS } from './delivery.js';
import type { Encoders } from './encoder.js';
import { httpTransport } from './http-transport.js';
import { DEFAULT_MAX_STREAMS, ManagementApi } from './management-api.js';
import type { StreamHealth } from './resource.js';
import { StreamStore } from './store.js';
import { DEFAULT_ENCODERS } from './stream-encoders.js';
import type { Transport } from './transport.js';

/** How often the delivery loop ticks: frames are per second, so once a second. */
export const TICK_INTERVAL_MS = 1_000;

/** Anything that collects: a registry, or a cluster primary (`clusterMetrics.primary()`). */
export interface StreamSource {
  collect(): Promise<Collection>;
}

export interface MetricStreamsOptions {
  /** Where the streams' self-metrics go, and what they send unless `source` is given. */
  readonly registry: MetricRegistry;
  /**
   * What the streams send, collected once a second; default `registry`. In a `node:cluster` host give
   * the primary the scrape serves (`clusterMetrics.primary({ registry })`): each second's frame is then
   * the host's merged collection, so what the workers record is sent, and deltas are taken between
   * successive merged collections. That is exact because the merged counts never go down: a worker
   * that misses a round or exits is stood in for by its last answer (see ClusterPrimary), and what it
   * recorded meanwhile arrives with a later second.
   */
  readonly source?: StreamSource;
  /** The SQLite file (see StreamStore.open); `':memory:'` forgets streams at exit. */
  readonly storeFile: string;
  /** Bearer token of the management API, at least 16 characters. */
  readonly adminToken: string;
  /**
   * Wire formats by destination type; a type without one reports it in its streams' health.
   * Default DEFAULT_ENCODERS (OTLP, Datadog, remote write).
   */
  readonly encoders?: Encoders;
  /** Accept `http://` endpoints on non-loopback hosts. */
  readonly allowInsecureHttp?: boolean;
  /**
   * Most streams the store may hold, enabled or not; creating one more is answered 403
   * `too_many_metric_streams`. Default DEFAULT_MAX_STREAMS. Streams already stored beyond it (from
   * a run with a higher limit) keep running.
   */
  readonly maxStreams?: number;
  readonly clock?: Clock;
  readonly transport?: Transport;
  /**
   * Where the streams report problems, one line each: failed deliveries, and families their
   * once-a-second collections leave out (when it starts, then at most once a minute per family, see
   * LeftOutLog). Default `console.error`, as every other `logger` option.
   */
  readonly logger?: Logger;
}

/** Running metric streams: mount `api` (startServer's `streams` option), then `start()`. */
export interface MetricStreams {
  readonly api: ManagementApi;
  readonly delivery: Delivery;
  /** Ticks the delivery loop every TICK_INTERVAL_MS. */
  start(): void;
  /** Stops ticking and closes the store; sends in flight finish unobserved. */
  stop(): void;
  /**
   * Shutdown: stops ticking, sends what every stream holds for at most `timeoutMs` (real time, default
   * DEFAULT_SHUTDOWN_FLUSH_MS), counts the rest as dropped (reason `shutdown`), then stops. Resolves
   * with the points lost; never rejects.
   */
  flushAndStop(timeoutMs?: number): Promise<number>;
}

/**
 * Opens the store, resumes every enabled stream (from the counts since the exporter started), and
 * registers `am_metrics_stream_points_sent`, `am_metrics_stream_retries` and
 * `am_metrics_stream_points_dropped` (gauges by `stream`
 * id, dropped also by `reason`: totals since the stream was created, kept in the store; running streams only).
 * They report the streams of every instance running on the registry, so a second createMetricStreams on
 * it (after stopping the first) is reported, and a stopped instance's streams leave them.
 * @throws ServerConfigError when `adminToken` has fewer than 16 characters, `maxStreams` is not a whole
 *   number of at least 1, or `logger` is not a function; StreamStoreError when the
 *   store cannot be opened; MetricConflictError when the registry holds other metrics of those names.
 */
export function createMetricStreams(options: MetricStreamsOptions): MetricStreams {
  checkSecret('adminToken', options.adminToken); // as the management API will, but before the store opens
  positiveInteger('maxStreams', options.maxStreams, DEFAULT_MAX_STREAMS);
  const logger = loggerOption(options.logger);
  const store = StreamStore.open(options.storeFile);
  const clock = options.clock ?? systemClock;
  let isStopped = false;
  const delivery = new Delivery({
    clock,
    transport: options.transport ?? httpTransport(),
    encoders: options.encoders ?? DEFAULT_ENCODERS,
    collect: () => (options.source ?? options.registry).collect(),
    // A send still in flight at stop() settles after the store closed: its health is not kept.
    onHealth: (id, health) => (isStopped ? undefined : store.saveHealth(id, health)),
    logger,
  });
  for (const stream of store.all()) delivery.upsert(stream, store.health(stream.id), true);
  const api = new ManagementApi({
    adminToken: options.adminToken,
    store,
    clock,
    allowInsecureHttp: options.allowInsecureHttp ?? false,
    ...(options.maxStreams === undefined ? {} : { maxStreams: options.maxStreams }),
    // A stream enabled again starts a new worker: it goes on from the health kept while it was off.
    onChange: (change) => (change.kind === 'saved' ? delivery.upsert(change.stream, store.health(change.stream.id)) : delivery.remove(change.id)),
    healthOf: (id) => delivery.health(id) ?? store.health(id),
  });
  let stopCounting: () => void;
  try {
    stopCounting = registerSelfMetrics(options.registry, delivery);
  } catch (error) {
    store.close(); // else its lock holds the file, and the host's next try is told another process has it
    throw error;
  }
  let ticker: NodeJS.Timeout | undefined;
  return {
    api,
    delivery,
    start() {
      ticker ??= setInterval(() => {
        delivery.tick().catch((error: unknown) => logger(`am-metrics: metric streams: ${describeError(error)}`));
      }, TICK_INTERVAL_MS);
    },
    async flushAndStop(timeoutMs = DEFAULT_SHUTDOWN_FLUSH_MS) {
      if (isStopped) return 0;
      clearInterval(ticker);
      const lost = await delivery.shutdown(timeoutMs).catch(() => 0);
      if (lost > 0) logger(`am-metrics: metric streams: ${lost} points not delivered at shutdown`);
      this.stop();
      return lost;
    },
    stop() {
      if (isStopped) return;
      isStopped = true;
      clearInterval(ticker);
      stopCounting();
      store.close();
    },
  };
}

/**
 * The deliveries of the metric streams running on each registry. Why not close over one delivery: a
 * registry hands back the gauge first registered under a name (get-or-create), collect callback and
 * all, so a second createMetricStreams on the registry (a host that restarts its streams, a reload)
 * would keep reading the first instance, stopped or not. The gauges read this set instead: every
 * running instance (stream ids never repeat), none once stopped.
 */
const runningDeliveries = new WeakMap<MetricRegistry, Set<Delivery>>();

/** Every running stream's id and live health, over the instances running on `registry`. */
function runningHealths(registry: MetricRegistry): [string, StreamHealth][] {
  return [...(runningDeliveries.get(registry) ?? [])].flatMap((delivery) => delivery.healths());
}

/** Registers the self-metrics (once per registry) and counts `delivery` in them; the function returned stops counting it. */
function registerSelfMetrics(registry: MetricRegistry, delivery: Delivery): () => void {
  registry.gauge({
    name: 'am_metrics_stream_points_dropped',
    labelNames: ['stream', 'reason'] as const,
    help: 'Points a metric stream dropped since it was created, by reason (buffer_full, rejected, too_large, response_too_large, partial_success, shutdown, reconfigured, encode_error, too_old).',
    collect: (gauge) => {
      for (const entry of [...gauge.entries()]) gauge.remove(entry.labels);
      for (const [id, health] of runningHealths(registry)) {
        for (const [reason, points] of Object.entries(health.points_dropped_by_reason)) gauge.set({ stream: id, reason }, points ?? 0);
      }
    },
  });
  for (const [field, name, help] of [
    ['points_sent', 'am_metrics_stream_points_sent', 'Points a metric stream delivered since it was created.'],
    ['retries', 'am_metrics_stream_retries', 'Requests a metric stream sent again after a failure since it was created.'],
  ] as const) {
    registry.gauge({
      name,
      help,
      labelNames: ['stream'] as const,
      collect: (gauge) => {
        const healths = runningHealths(registry);
        const ids = new Set(healths.map(([id]) => id));
        for (const entry of [...gauge.entries()]) if (!ids.has(entry.labels.stream ?? '')) gauge.remove(entry.labels);
        for (const [id, health] of healths) gauge.set({ stream: id }, health[field]);
      },
    });
  }
  const running = runningDeliveries.get(registry) ?? new Set<Delivery>();
  runningDeliveries.set(registry, running);
  running.add(delivery);
  return () => running.delete(delivery);
}
