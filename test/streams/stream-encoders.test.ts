import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/index.js';
import type { Collection, FamilySnapshot } from '../../src/registry/collection.js';
import { apiRequestMetrics } from '../../src/metrics/api-request.js';
import type { Destination } from '../../src/streams/resource.js';
import { datadogEncoder, DEFAULT_ENCODERS, otlpEncoder, remoteWriteEncoder } from '../../src/streams/stream-encoders.js';
import { decodeOtlp, encodeOtlpResponse } from '../support/proto-decoders.js';
import { ManualClock } from '../support/manual-clock.js';

const OTLP: Destination = { type: 'otlp', configuration: { endpoint: 'https://otlp.nr-data.net', protocol: 'http', auth_type: 'none' } };
const DATADOG: Destination = { type: 'datadog', configuration: { api_key: 'k', site: 'datadoghq.com' } };

/** Two frames of api_request traffic: three requests, then two more. */
async function frames() {
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 12));
  const registry = new Registry({ now: () => clock.now() });
  const api = apiRequestMetrics(registry);
  const request = { api: 'AUTHENTICATION', operationName: 'POST /oauth/token', operationResult: 'SUCCESS', tenant: 'acme' } as const;
  for (let i = 0; i < 3; i += 1) api.record(request);
  clock.advance({ seconds: 1 });
  const first = await registry.collect();
  for (let i = 0; i < 2; i += 1) api.record(request);
  clock.advance({ seconds: 1 });
  const second = await registry.collect();
  return [
    { current: first, previous: undefined },
    { current: second, previous: first },
  ];
}

describe('stream encoders', () => {
  it('has one for every destination type', () => {
    expect(Object.keys(DEFAULT_ENCODERS).sort()).toEqual(['datadog', 'otlp', 'prometheus_remote_write']);
  });

  it('sends OTLP as gzipped protobuf, one request per frame, delta against the frame before', async () => {
    const requests = otlpEncoder.encode(await frames(), { temporality: 'delta', destination: OTLP });
    expect(requests.map((r) => r.headers)).toEqual([1, 2].map(() => ({ 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' })));
    const counts = requests.map((r) => {
      const decoded = JSON.stringify(decodeOtlp(gunzipSync(r.body)));
      return /"name":"auth0_api_request_count".*?"asDouble":(\d+)/.exec(decoded)?.[1];
    });
    expect(counts).toEqual(['3', '2']);
    expect(requests.map((r) => r.points)).toEqual([1, 1]);
  });

  it('sends OTLP JSON when the destination asks for it', async () => {
    const destination: Destination = { type: 'otlp', configuration: { ...OTLP.configuration, encoding: 'json' } } as Destination;
    const [request] = otlpEncoder.encode((await frames()).slice(0, 1), { temporality: 'cumulative', destination });
    expect(request!.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(gunzipSync(request!.body).toString('utf8'))).toHaveProperty('resourceMetrics');
  });

  it('counts the points an OTLP partial success rejects, in protobuf and JSON answers, and nothing for a full one', () => {
    const inspect = (body: Uint8Array, contentType: string) => otlpEncoder.inspect?.({ status: 200, headers: { 'content-type': contentType }, bytes: body });
    expect(inspect(new Uint8Array(), 'application/x-protobuf')).toBeUndefined();
    expect(inspect(encodeOtlpResponse({}), 'application/x-protobuf')).toBeUndefined();
    expect(inspect(Buffer.from('{}'), 'application/json')).toBeUndefined();
    const rejected = { rejectedPoints: 300, message: 'too old' };
    expect(inspect(encodeOtlpResponse({ partialSuccess: { rejectedDataPoints: 300, errorMessage: 'too old' } }), 'application/x-protobuf')).toEqual(rejected);
    expect(inspect(Buffer.from('{"partialSuccess":{"rejectedDataPoints":"300","errorMessage":"too old"}}'), 'application/json')).toEqual(rejected);
    expect(inspect(encodeOtlpResponse({ partialSuccess: { errorMessage: 'renamed a label' } }), 'application/x-protobuf')).toBe(
      'partial success with no rejected points: renamed a label',
    );
    expect(inspect(Buffer.from('{"partialSuccess":'), 'application/json')).toMatch(/^unreadable OTLP JSON answer of 18 bytes/);
  });

  it('sends Datadog counts as auth0.api_request.count, gzipped, tagged key:value', async () => {
    const requests = datadogEncoder.encode(await frames(), { temporality: 'delta', destination: DATADOG });
    const series = requests.map(
      (r) => (JSON.parse(gunzipSync(r.body).toString('utf8')) as { series: { metric: string; points: { value: number }[]; tags: string[] }[] }).series,
    );
    const counts = series.map((s) => s.find((x) => x.metric === 'auth0.api_request.count'));
    expect(counts.map((c) => c?.points[0]?.value)).toEqual([3, 2]);
    expect(counts[0]?.tags).toEqual(expect.arrayContaining(['api:AUTHENTICATION', 'operation_name:POST /oauth/token', 'operation_result:SUCCESS', 'tenant:acme']));
    expect(requests[0]!.headers).toEqual({ 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
  });

  it('sends no auth0_api_request_sum to Datadog, a paid custom metric always equal to the count, but keeps other sums', async () => {
    const [first] = await frames();
    const registry = new Registry();
    registry.summary({ name: 'am_authentication', help: 'logins', labelNames: ['outcome'] }).record({ outcome: 'success' }, 3);
    const am = await registry.collect();
    const withAm = { current: { ...first!.current, families: [...first!.current.families, ...am.families] }, previous: undefined };
    const [request] = datadogEncoder.encode([withAm], { temporality: 'delta', destination: DATADOG });
    const metrics = (JSON.parse(gunzipSync(request!.body).toString('utf8')) as { series: { metric: string }[] }).series.map((s) => s.metric);
    expect(metrics.sort()).toEqual(['am_authentication_count', 'am_authentication_sum', 'auth0.api_request.count']);
    expect(request!.points).toBe(2);
  });

  it('cuts an OTLP frame over maxRequestBytes by series, every body under it before gzip, each series in one body', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 30, 12));
    const registry = new Registry({ now: () => clock.now() });
    const api = apiRequestMetrics(registry);
    for (let i = 0; i < 100; i += 1) api.record({ api: 'MANAGEMENT', operationName: `GET /api/v2/op${i}`, operationResult: 'SUCCESS', tenant: 'acme' });
    clock.advance({ seconds: 1 });
    const frame = { current: await registry.collect(), previous: undefined };
    const [whole] = otlpEncoder.encode([frame], { temporality: 'cumulative', destination: OTLP });
    const limit = 8_192;
    const parts = otlpEncoder.encode([frame], { temporality: 'cumulative', destination: OTLP, maxRequestBytes: limit });
    expect(whole!.uncompressedBytes).toBeGreaterThan(4 * limit);
    expect(parts.length).toBeGreaterThan(4);
    for (const part of parts) expect(gunzipSync(part.body).length).toBe(part.uncompressedBytes);
    expect(Math.max(...parts.map((p) => p.uncompressedBytes!))).toBeLessThanOrEqual(limit);
    expect(parts.reduce((n, p) => n + p.points, 0)).toBe(100);
    const operations = parts.flatMap((p) => [...JSON.stringify(decodeOtlp(gunzipSync(p.body))).matchAll(/"stringValue":"GET \/api\/v2\/(op\d+)"/g)].map((m) => m[1]));
    expect(new Set(operations).size).toBe(100);
    expect(operations).toHaveLength(200); // each series' count and sum, once
  });

  it('cuts a delta frame in many parts with the same points as whole, indexing the previous frame once, not once per part', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 30, 12));
    const registry = new Registry({ now: () => clock.now() });
    const api = apiRequestMetrics(registry);
    const record = (times: number) => {
      for (let i = 0; i < 1_000; i += 1)
        for (let n = 0; n < times + (i % 3); n += 1) api.record({ api: 'MANAGEMENT', operationName: `GET /api/v2/op${i}`, operationResult: 'SUCCESS', tenant: 'acme' });
      clock.advance({ seconds: 1 });
    };
    record(1);
    const first = await registry.collect();
    record(2);
    const second = await registry.collect();
    let indexed = 0; // reads of a previous series' labels: what building a delta baseline costs, per series
    const counted = (collection: Collection): Collection => ({
      ...collection,
      families: collection.families.map(
        (f) =>
          ({
            ...f,
            series: f.series.map((s) => Object.defineProperty({ ...s }, 'labels', { get: () => ((indexed += 1), s.labels), enumerable: true })),
          }) as FamilySnapshot,
      ),
    });
    const destination = { type: 'otlp', configuration: { ...OTLP.configuration, encoding: 'json' } } as Destination;
    const points = (requests: { body: Buffer }[]) => requests.flatMap((r) => otlpJsonPoints(gunzipSync(r.body).toString('utf8'))).sort();
    const [wholeRequest] = otlpEncoder.encode([{ current: second, previous: counted(first) }], { temporality: 'delta', destination });
    const whole = points([wholeRequest!]);
    indexed = 0;
    const limit = 16_384;
    const parts = otlpEncoder.encode([{ current: second, previous: counted(first) }], { temporality: 'delta', destination, maxRequestBytes: limit });
    expect(parts.length).toBeGreaterThan(20);
    expect(indexed).toBeLessThanOrEqual(1_000); // was (encoder runs) × 1,000: quadratic in the series
    expect(parts.length).toBeLessThanOrEqual(Math.ceil((1.25 * wholeRequest!.uncompressedBytes!) / limit)); // parts seldom cut again
    expect(Math.max(...parts.map((p) => p.uncompressedBytes!))).toBeLessThanOrEqual(limit);
    expect(points(parts)).toEqual(whole);
    expect(whole).toHaveLength(2_000); // each series' count and sum, once
    expect(whole).toContain('auth0_api_request_count GET /api/v2/op2 start 1796040001000000000 value 4'); // 2 + 2 since the first frame
  });

  it('returns a single series over maxRequestBytes whole, with its uncompressed size for delivery to refuse', async () => {
    const [frame] = await frames();
    const [request] = remoteWriteEncoder.encode([frame!], { temporality: 'cumulative', destination: OTLP, maxRequestBytes: 100 });
    expect(request!.points).toBe(1);
    expect(request!.uncompressedBytes).toBeGreaterThan(100);
  });

  it('sends remote write with the remote-write 1.0 headers', async () => {
    const [request] = remoteWriteEncoder.encode((await frames()).slice(0, 1), { temporality: 'cumulative', destination: DATADOG });
    expect(request!.headers).toMatchObject({ 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' });
  });
});

/** Each Sum point of an OTLP JSON request as "metric operation start time value", to compare requests by. */
function otlpJsonPoints(json: string): string[] {
  interface Point {
    readonly attributes: readonly { readonly key: string; readonly value: { readonly stringValue?: string } }[];
    readonly startTimeUnixNano: string;
    readonly asDouble: number;
  }
  const request = JSON.parse(json) as { resourceMetrics: { scopeMetrics: { metrics: { name: string; sum?: { dataPoints: Point[] } }[] }[] }[] };
  return request.resourceMetrics.flatMap((r) =>
    r.scopeMetrics.flatMap((s) =>
      s.metrics.flatMap((m) =>
        (m.sum?.dataPoints ?? []).map((p) => {
          const operation = p.attributes.find((a) => a.key === 'operation_name')?.value.stringValue;
          return `${m.name} ${operation} start ${p.startTimeUnixNano} value ${p.asDouble}`;
        }),
      ),
    ),
  );
}
