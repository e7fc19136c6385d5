// End to end through the management API: a stream created over HTTP delivers, over real loopback
// sockets, exactly the requests recorded, also when its receiver is down for 30 s. Time moves by
// hand: the test ticks the delivery loop after each simulated second instead of waiting.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { MetricConflictError, Registry } from '../../src/index.js';
import { apiRequestMetrics } from '../../src/metrics/api-request.js';
import { createMetricStreams } from '../../src/streams/service.js';
import { serve } from '../server/helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { RestartableServer } from '../support/restartable-server.js';
import { decode, testEncoder, type TestPoint } from './test-encoder.js';

const TOKEN = 'e2e-admin-token-0123';

/** A loopback receiver that can be stopped and started again on the same port. */
class Receiver extends RestartableServer {
  readonly points: TestPoint[] = [];
  readonly headers: Record<string, unknown>[] = [];

  protected handle(body: Buffer, req: IncomingMessage, res: ServerResponse): void {
    this.headers.push(req.headers);
    this.points.push(...decode(body));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }

  total(): number {
    return this.points.reduce((n, p) => n + p.value, 0);
  }
}

async function setup(shared?: { registry: Registry; clock: ManualClock }, { isLoggerGiven = true } = {}) {
  const clock = shared?.clock ?? new ManualClock();
  const registry = shared?.registry ?? new Registry({ now: () => clock.now() });
  const api = apiRequestMetrics(registry);
  const logged: string[] = [];
  const streams = createMetricStreams({
    registry,
    storeFile: ':memory:',
    adminToken: TOKEN,
    encoders: { otlp: testEncoder() },
    clock,
    ...(isLoggerGiven ? { logger: (line: string) => logged.push(line) } : {}),
  });
  onTestFinished(() => streams.stop());
  const server = await serve({ source: registry, streams: streams.api });
  const receiver = new Receiver();
  await receiver.start();
  onTestFinished(() => receiver.stop());
  let recorded = 0;
  const seconds = async (n: number, perSecond = 0) => {
    for (let s = 0; s < n; s += 1) {
      for (let i = 0; i < perSecond; i += 1)
        api.record({ api: 'AUTHENTICATION', operationName: 'POST /oauth/token', operationResult: 'SUCCESS', tenant: 'acme', grantType: 'client_credentials' });
      recorded += perSecond;
      clock.advance({ seconds: 1 });
      await streams.delivery.tick();
    }
  };
  return { streams, server, receiver, seconds, recorded: () => recorded, registry, logged, clock };
}

/** A computed gauge whose callback always throws `Error: store offline`, as a store that went away. */
function offlineStoreGauge(registry: Registry): void {
  registry.gauge({
    name: 'am_store_size',
    help: 'Entries in a store that is offline.',
    collect: () => {
      throw new Error('store offline');
    },
  });
}

/** Creates an OTLP stream over the management API and ticks once, so it counts from now; its id. */
async function createStream(server: { url: string }, receiver: Receiver, name: string, streams: { delivery: { tick(): Promise<void> } }): Promise<string> {
  const response = await fetch(`${server.url}/api/v2/metric-streams`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      subscriptions: [{ metric_type: 'metrics_bridge.api_request' }],
      destination: { type: 'otlp', configuration: { endpoint: `http://127.0.0.1:${receiver.port}/otlp`, temporality: 'delta' } },
    }),
  });
  expect(response.status).toBe(201);
  await streams.delivery.tick();
  return ((await response.json()) as { id: string }).id;
}

describe('metric streams end to end', () => {
  it('delivers exactly the recorded counts to a stream created through the API, across a 30 s outage', async () => {
    const { streams, server, receiver, seconds, recorded, registry, logged } = await setup();
    await seconds(1);
    const created = await fetch(`${server.url}/api/v2/metric-streams`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'e2e',
        subscriptions: [{ metric_type: 'auth0.api_request.count' }],
        destination: {
          type: 'otlp',
          configuration: {
            endpoint: `http://127.0.0.1:${receiver.port}/otlp`,
            protocol: 'http',
            auth_type: 'api_key',
            api_key: 'Basic secret',
            auth_header_name: 'Authorization',
            temporality: 'delta',
          },
        },
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await streams.delivery.tick(); // the stream's first collection, which it counts from
    await seconds(20, 3);
    expect(receiver.total()).toBe(recorded());
    expect(receiver.headers[0]).toMatchObject({ authorization: 'Basic secret', 'content-type': 'application/json' });

    await receiver.stop();
    await seconds(30, 2);
    await receiver.start();
    await seconds(40, 1);
    await seconds(20);
    expect(receiver.total()).toBe(recorded());
    expect(new Set(receiver.points.map((p) => p.second)).size).toBe(receiver.points.length);

    const health = (
      (await (await fetch(`${server.url}/api/v2/metric-streams/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
        delivery_health: Record<string, unknown>;
      }
    ).delivery_health;
    expect(health).toMatchObject({ points_sent: receiver.points.length, points_dropped: 0, last_error_status_code: null });
    expect(health.last_error).toMatch(/cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.filter((line) => line.includes('secret'))).toEqual([]);
    const text = await (await fetch(`${server.url}/metrics/prometheus/0.0.4`)).text();
    expect(text).toContain(`am_metrics_stream_points_sent{stream="${id}",} ${receiver.points.length}`);
    expect((await registry.collect()).failures).toEqual([]);

    await fetch(`${server.url}/api/v2/metric-streams/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await (await fetch(`${server.url}/metrics/prometheus/0.0.4`)).text()).not.toContain(`stream="${id}"`);
  });

  // A host that stops its metric streams and creates them again on the same registry (a restart of
  // that part, a reload) must see the new instance's streams on the scrape, not the old one's.
  it('reports the self-metrics of the instance running on the registry, not of an earlier one stopped', async () => {
    const first = await setup();
    const firstId = await createStream(first.server, first.receiver, 'first', first.streams);
    await first.seconds(12, 1);
    expect(first.receiver.points.length).toBeGreaterThan(0);
    first.streams.stop();

    const second = await setup({ registry: first.registry, clock: first.clock });
    const secondId = await createStream(second.server, second.receiver, 'second', second.streams);
    await second.seconds(12, 2);
    expect(second.receiver.points.length).toBeGreaterThan(0);
    const text = await (await fetch(`${second.server.url}/metrics/prometheus/0.0.4`)).text();
    expect(text).toContain(`am_metrics_stream_points_sent{stream="${secondId}",} ${second.receiver.points.length}`);
    expect(text).not.toContain(`stream="${firstId}"`);

    second.streams.stop();
    expect(await (await fetch(`${second.server.url}/metrics/prometheus/0.0.4`)).text()).not.toContain('stream="mst_');
  });

  it('keeps delivery_health totals when a stream is disabled and enabled again', async () => {
    const { streams, server, receiver, seconds } = await setup();
    const call = async (method: string, path = '', body?: unknown) => {
      const response = await fetch(`${server.url}/api/v2/metric-streams${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await response.json()) as { id: string; delivery_health: { points_sent: number; last_success_at: string | null } };
    };
    const { id } = await call('POST', '', {
      name: 'paused',
      subscriptions: [{ metric_type: 'metrics_bridge.api_request' }],
      destination: { type: 'otlp', configuration: { endpoint: `http://127.0.0.1:${receiver.port}/otlp`, temporality: 'delta' } },
    });
    await streams.delivery.tick();
    await seconds(25, 1);
    const before = (await call('GET', `/${id}`)).delivery_health;
    expect(before.points_sent).toBe(receiver.points.length);
    expect(before.points_sent).toBeGreaterThan(0);

    await call('PATCH', `/${id}`, { status: 'disabled' });
    await seconds(10, 1);
    expect((await call('PATCH', `/${id}`, { status: 'enabled' })).delivery_health).toMatchObject({
      points_sent: before.points_sent,
      last_success_at: before.last_success_at,
    });
    await seconds(20, 1);
    expect((await call('GET', `/${id}`)).delivery_health.points_sent).toBe(receiver.points.length);
  });

  // An exporter that only pushes has no scrape to log what its collections leave out: the streams'
  // logger must say it, once a minute at most, while the other families keep going out.
  it('logs through its logger a gauge that fails every second, nobody scraping, and keeps sending the rest', async () => {
    const { streams, server, receiver, seconds, recorded, registry, logged } = await setup();
    offlineStoreGauge(registry);
    await createStream(server, receiver, 'pushed', streams);
    await seconds(70, 2);
    expect(logged.filter((line) => line.includes('left out'))).toEqual([
      'am-metrics: metric streams left out am_store_size: Error: store offline',
      'am-metrics: metric streams left out am_store_size (60 times since the last line): Error: store offline',
    ]);
    expect(receiver.total()).toBe(recorded());
  });

  it('logs to console.error when given no logger, as every other logger option', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    onTestFinished(() => errors.mockRestore());
    const { streams, server, receiver, seconds, registry } = await setup(undefined, { isLoggerGiven: false });
    offlineStoreGauge(registry);
    await createStream(server, receiver, 'pushed', streams);
    await seconds(2);
    expect(errors).toHaveBeenCalledWith('am-metrics: metric streams left out am_store_size: Error: store offline');
  });

  it('leaves the store file free when the registry refuses its self-metrics, so the host can try again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'streams-conflict-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const storeFile = join(dir, 'streams.db');
    const taken = new Registry();
    taken.summary({ name: 'am_metrics_stream_points_sent', help: 'Something else of the host' });
    expect(() => createMetricStreams({ registry: taken, storeFile, adminToken: TOKEN })).toThrow(MetricConflictError);

    const streams = createMetricStreams({ registry: new Registry(), storeFile, adminToken: TOKEN });
    streams.stop();
  });
});
