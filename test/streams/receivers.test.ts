// End to end with a real receiver: streams created through the management API deliver, with the
// default encoders and the HTTP transport, to VictoriaMetrics' OTLP, Datadog and remote-write
// endpoints on loopback, which then hold exactly the recorded counts, also across a 30 s outage.
// Time moves by hand (ManualClock); only the sockets are real. Skips without VictoriaMetrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Registry } from '../../src/index.js';
import { apiRequestMetrics, type ApiRequest } from '../../src/metrics/api-request.js';
import { createMetricStreams } from '../../src/streams/service.js';
import { serve } from '../server/helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { RestartableServer } from '../support/restartable-server.js';
import { hasVictoriaMetrics, VictoriaMetrics, type ExportedSeries } from '../support/victoria-metrics.js';

const TOKEN = 'receivers-admin-token';

/** A forwarding proxy in front of VictoriaMetrics that can be stopped (connection refused) and started on the same port. */
class Outage extends RestartableServer {
  constructor(private readonly target: string) {
    super();
  }

  protected handle(body: Buffer, req: IncomingMessage, res: ServerResponse): void {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
    fetch(this.target + (req.url ?? '/'), { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) })
      .then(async (answer) =>
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' }).end(Buffer.from(await answer.arrayBuffer())),
      )
      .catch(() => res.writeHead(502).end());
  }
}

const TRAFFIC: readonly ApiRequest[] = [
  { api: 'AUTHENTICATION', operationName: 'POST /oauth/token', operationResult: 'SUCCESS', tenant: 'acme', grantType: 'client_credentials' },
  { api: 'MANAGEMENT', operationName: 'GET /api/v2/users', operationResult: 'FAILURE', failureCode: 'RATE_LIMIT', tenant: 'acme' },
];

/** Recent enough for VictoriaMetrics to take, on a whole second so Datadog's second timestamps are exact. */
function recentStart(): number {
  return Math.floor((Date.now() - 15 * 60_000) / 1000) * 1000;
}

/** The operation of each exported series and the values it holds. */
function byOperation(series: readonly ExportedSeries[]): Map<string, number[]> {
  return new Map(series.map((s) => [s.metric.operation_name ?? '', [...s.values]]));
}

describe.skipIf(!hasVictoriaMetrics)('metric streams into VictoriaMetrics', () => {
  let vm: VictoriaMetrics;
  beforeAll(async () => {
    vm = await VictoriaMetrics.start();
  }, 30_000);
  afterAll(async () => {
    await vm?.stop();
  });

  it('holds exactly the recorded counts from OTLP, Datadog and remote-write streams, across a 30 s outage', async () => {
    const clock = new ManualClock(recentStart());
    const registry = new Registry({ now: () => clock.now() });
    const api = apiRequestMetrics(registry);
    const logged: string[] = [];
    const streams = createMetricStreams({ registry, storeFile: ':memory:', adminToken: TOKEN, clock, logger: (line) => logged.push(line) });
    onTestFinished(() => streams.stop());
    const server = await serve({ source: registry, streams: streams.api });
    const proxy = new Outage(vm.url);
    await proxy.start();
    onTestFinished(() => proxy.stop());
    const recorded = new Map<string, number>();
    const seconds = async (n: number, perSecond: readonly number[] = [0, 0]) => {
      for (let s = 0; s < n; s += 1) {
        TRAFFIC.forEach((request, i) => {
          for (let k = 0; k < perSecond[i]!; k += 1) api.record(request);
          recorded.set(request.operationName, (recorded.get(request.operationName) ?? 0) + perSecond[i]!);
        });
        clock.advance({ seconds: 1 });
        await streams.delivery.tick();
      }
    };
    const create = async (name: string, destination: unknown) => {
      const answer = await fetch(`${server.url}/api/v2/metric-streams`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, subscriptions: [{ metric_type: 'auth0.api_request.count' }], destination }),
      });
      expect(answer.status, await answer.clone().text()).toBe(201);
      return ((await answer.json()) as { id: string }).id;
    };
    await seconds(1);
    const base = () => `http://127.0.0.1:${proxy.port}`;
    const ids = [
      await create('otlp', { type: 'otlp', configuration: { endpoint: `${base()}/opentelemetry/v1/metrics`, protocol: 'http', auth_type: 'none' } }),
      await create('datadog', { type: 'datadog', configuration: { api_key: 'dd-secret', site: 'datadoghq.com', endpoint: `${base()}/datadog` } }),
      await create('remote write', { type: 'prometheus_remote_write', configuration: { endpoint: `${base()}/api/v1/write?extra_label=via=remote_write` } }),
    ];
    await streams.delivery.tick(); // the streams' first collection, which they count from

    await seconds(20, [3, 1]);
    await proxy.stop();
    await seconds(30, [2, 1]);
    await proxy.start();
    await seconds(40, [1, 2]);
    await seconds(30);

    // Cumulative points: the last value is the total; a resend repeats a timestamp, never a count.
    // Cumulative points (OTLP, remote write): the last value is the total; a resend repeats a count, never adds one.
    const cumulative = await vm.export('{__name__="auth0_api_request_count"}');
    const otlp = cumulative.filter((series) => series.metric['scope.name'] === 'am-metrics');
    const remoteWrite = cumulative.filter((series) => series.metric.via === 'remote_write');
    expect([otlp.length, remoteWrite.length, cumulative.length]).toEqual([2, 2, 4]);
    for (const received of [otlp, remoteWrite]) expect(new Map([...byOperation(received)].map(([operation, values]) => [operation, values.at(-1)]))).toEqual(recorded);
    // Delta counts (Datadog): their sum is the total, so nothing was lost and nothing sent twice.
    const deltas = await vm.export('{__name__="auth0.api_request.count"}');
    expect(new Map([...byOperation(deltas)].map(([operation, values]) => [operation, values.reduce((a, b) => a + b, 0)]))).toEqual(recorded);

    for (const id of ids) {
      const health = (
        (await (await fetch(`${server.url}/api/v2/metric-streams/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
          delivery_health: Record<string, unknown>;
        }
      ).delivery_health;
      expect(health).toMatchObject({ points_dropped: 0 });
      expect(health.last_error).toMatch(/ECONNREFUSED/);
    }
    expect(logged.filter((line) => line.includes('dd-secret'))).toEqual([]);
  }, 60_000);
});
