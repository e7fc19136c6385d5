// Metric streams in a `node:cluster` host: what real workers record reaches a loopback OTLP receiver,
// read through the same merged collection the primary's scrape serves, with exact counts per second.
// Delivery time moves by hand (ManualClock); the workers, the IPC and the sockets are real.
import type { Worker } from 'node:cluster';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { clusterMetrics } from '../../src/cluster.js';
import { Registry } from '../../src/index.js';
import { apiRequestMetrics, type ApiRequest } from '../../src/metrics/api-request.js';
import { createMetricStreams } from '../../src/streams/service.js';
import { ManualClock } from '../support/manual-clock.js';
import { OtlpReceiver } from '../support/otlp-receiver.js';
import { TEST_RECORD, TEST_RECORDED, type RecordMessage } from './observations.js';
import { forkWorkers, stopWorkers, within, WORKER_START_MS } from './workers.js';

const TOKEN = 'cluster-streams-admin-token';
const RESOURCE = { kubernetes_pod_name: 'am-0' };
const TOKEN_REQUEST: ApiRequest = { api: 'AUTHENTICATION', operationName: 'POST /oauth/token', operationResult: 'SUCCESS', tenant: 'acme' };
const USERS_REQUEST: ApiRequest = { api: 'MANAGEMENT', operationName: 'GET /api/v2/users', operationResult: 'FAILURE', failureCode: 'RATE_LIMIT', tenant: 'acme' };

let workers: Worker[] = [];
beforeAll(async () => {
  workers = await forkWorkers(['api', 'api']);
}, WORKER_START_MS + 5_000);
afterAll(() => stopWorkers(workers));

let recordIds = 0;
/** Has worker `index` record `requests`, and resolves once it says they are recorded. */
async function recordIn(index: number, requests: readonly ApiRequest[]): Promise<void> {
  const worker = workers[index]!;
  const id = (recordIds += 1);
  const recorded = new Promise<void>((resolve) => {
    const onMessage = (message: { type?: string; id?: number }): void => {
      if (message?.type !== TEST_RECORDED || message.id !== id) return;
      worker.off('message', onMessage);
      resolve();
    };
    worker.on('message', onMessage);
  });
  worker.send({ type: TEST_RECORD, id, requests } satisfies RecordMessage);
  await within(recorded, 5_000, `worker ${index} to record`);
}

const times = (n: number, request: ApiRequest): ApiRequest[] => Array.from({ length: n }, () => request);

/** Creates a delta OTLP stream of api requests to `port` through the streams' API; returns its id. */
function createStream(streams: ReturnType<typeof createMetricStreams>, port: number): string {
  const created = streams.api.handle({
    method: 'POST',
    id: undefined,
    query: {},
    authorization: `Bearer ${TOKEN}`,
    body: {
      name: 'cluster',
      subscriptions: [{ metric_type: 'auth0.api_request.count' }],
      destination: {
        type: 'otlp',
        configuration: { endpoint: `http://127.0.0.1:${port}`, protocol: 'http', auth_type: 'api_key', api_key: 'k', auth_header_name: 'x-key', temporality: 'delta' },
      },
    },
  });
  expect(created.status).toBe(201);
  return (created.body as { id: string }).id;
}

/**
 * A cluster primary on a manual clock with metric streams and one delta OTLP stream of api requests to
 * a real receiver; `second()` moves the clock a second on and lets delivery tick. Stops it all at the
 * end of the test.
 */
async function primaryWithStream() {
  const clock = new ManualClock(Math.floor(Date.now() / 1_000) * 1_000);
  const registry = new Registry({ defaultLabels: RESOURCE });
  const primary = clusterMetrics.primary({ registry, now: () => clock.now() });
  onTestFinished(() => primary.close());
  const logged: string[] = [];
  const streams = createMetricStreams({ registry, source: primary, storeFile: ':memory:', adminToken: TOKEN, clock, logger: (line) => logged.push(line) });
  onTestFinished(() => streams.stop());
  const receiver = new OtlpReceiver();
  const port = await receiver.start();
  onTestFinished(() => receiver.stop());
  const id = createStream(streams, port);
  const second = async (): Promise<void> => {
    clock.advance({ seconds: 1 });
    await streams.delivery.tick();
  };
  return { clock, registry, primary, streams, receiver, id, logged, second };
}

describe('metric streams in a cluster primary', () => {
  it("send what the workers record, from the merged collection the scrape serves, with each second's exact counts", async () => {
    const { clock, registry, primary, streams, receiver, id, logged, second } = await primaryWithStream();
    await second(); // the stream's baseline: nothing recorded yet

    await recordIn(0, times(3, TOKEN_REQUEST));
    await recordIn(1, [...times(5, TOKEN_REQUEST), ...times(2, USERS_REQUEST)]);
    apiRequestMetrics(registry).record(TOKEN_REQUEST); // the primary's own traffic merges too
    await second();
    await recordIn(1, times(4, TOKEN_REQUEST));
    await second();
    await second(); // a quiet second
    clock.advance({ seconds: 10 });
    await streams.delivery.tick(); // the flush interval has passed: everything goes out

    expect(logged).toEqual([]);
    expect(receiver.total('POST /oauth/token')).toBe(3 + 5 + 1 + 4);
    expect(receiver.total('GET /api/v2/users')).toBe(2);
    // One point per series and second (a quiet second sends 0), each second's own count.
    const perSecond = (operation: string) => receiver.points.filter((p) => p.operation === operation);
    expect(perSecond('POST /oauth/token').map((p) => p.value)).toEqual([9, 4, 0, 0]);
    expect(perSecond('GET /api/v2/users').map((p) => p.value)).toEqual([2, 0, 0, 0]);
    expect(new Set(perSecond('POST /oauth/token').map((p) => p.timeUnixNano)).size).toBe(4);
    // The scrape reads the same merged collection: its cumulative count is what the stream sent.
    const scraped = (await primary.collect()).families.find((f) => f.descriptor.name === 'auth0_api_request');
    const scrapedCounts = (scraped?.series ?? []).map((s) => [s.labels.operation_name, (s as { count: number }).count]);
    expect(Object.fromEntries(scrapedCounts)).toEqual({ 'POST /oauth/token': 13, 'GET /api/v2/users': 2 });
    expect(streams.delivery.health(id)).toMatchObject({ points_dropped: 0 });
  });

  // Shutdown of `am-metrics serve --workers`: the workers stop first, each sending its final state,
  // then the streams' final flush collects. What a worker recorded after the primary last asked it
  // (up to a second of counts) must be in that flush, not lost with the worker.
  it(
    "sends, in shutdown's final flush, what a worker recorded after its last answer, from the final state it sent as it stopped",
    async () => {
      const [worker] = await forkWorkers(['api'], 10);
      onTestFinished(() => stopWorkers([worker!]));
      const index = workers.push(worker!) - 1; // so that recordIn reaches it
      const { streams, receiver, logged, second } = await primaryWithStream();
      await second(); // the stream's baseline
      const CLOSING: ApiRequest = { ...TOKEN_REQUEST, operationName: 'POST /oauth/revoke' };
      await recordIn(index, times(6, CLOSING));
      await second(); // the primary collects: 6
      await recordIn(index, times(4, CLOSING)); // recorded after the primary's last request

      const exited = new Promise<void>((resolve) => worker!.once('exit', () => resolve()));
      const disconnected = worker!.isConnected() ? new Promise<void>((resolve) => worker!.once('disconnect', () => resolve())) : Promise.resolve();
      worker!.process.kill('SIGTERM');
      await within(Promise.all([exited, disconnected]), 10_000, 'the worker to report and exit');
      // Within the second of the last frame, as a shutdown usually is.
      expect(await streams.flushAndStop()).toBe(0);

      expect(receiver.total('POST /oauth/revoke')).toBe(6 + 4);
      expect(worker!.process.exitCode).toBe(0);
      expect(logged).toEqual([]);
    },
    WORKER_START_MS + 20_000,
  );

  // `pkill -f am-metrics` (or systemd stopping the unit's whole control group) sends SIGTERM to the
  // primary and to its workers, which are copies of the command; the primary then sends its own
  // SIGTERM to each worker as it stops them. That second signal must not cut the final report short.
  it(
    'keeps a worker reporting its final state through the second SIGTERM the primary sends after a SIGTERM to every process',
    async () => {
      const [worker] = await forkWorkers(['api'], 20);
      onTestFinished(() => stopWorkers([worker!]));
      const index = workers.push(worker!) - 1;
      const { streams, receiver, second } = await primaryWithStream();
      await second(); // the stream's baseline
      const CLOSING: ApiRequest = { ...TOKEN_REQUEST, operationName: 'POST /oauth/logout' };
      await recordIn(index, times(7, CLOSING)); // never asked for: only the final state carries them

      const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));
      const disconnected = new Promise<void>((resolve) => worker!.once('disconnect', () => resolve()));
      worker!.process.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 1)); // two signals sent at once would merge into one
      worker!.process.kill('SIGTERM');
      const [code] = await within(Promise.all([exited, disconnected]), 10_000, 'the worker to report and exit');
      expect(await streams.flushAndStop()).toBe(0);

      expect(code).toBe(0);
      expect(worker!.process.signalCode).toBeNull();
      expect(receiver.total('POST /oauth/logout')).toBe(7);
    },
    WORKER_START_MS + 20_000,
  );
});
