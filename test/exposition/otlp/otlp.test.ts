import { describe, expect, it } from 'vitest';
import { encodeOtlpJson } from '../../../src/exposition/otlp/otlp-json.js';
import { encodeOtlpProtobuf } from '../../../src/exposition/otlp/otlp-protobuf.js';
import type { OtlpOptions } from '../../../src/exposition/otlp/otlp-model.js';
import { expectBytesToMatchFixture } from '../../support/binary-fixtures.js';
import { expectToMatchFixture } from '../../support/fixtures.js';
import { decodeOtlp, protocDecodeOtlp } from '../../support/proto-decoders.js';
import { POD, pushScenario } from '../../support/push-scenario.js';

interface Point {
  attributes?: { key: string; value: { stringValue: string } }[];
  startTimeUnixNano: string;
  timeUnixNano: string;
  asDouble?: number;
  count?: string;
  sum?: number;
  quantileValues?: { quantile: number; value: number }[];
}
interface Metric {
  name: string;
  unit?: string;
  sum?: { dataPoints: Point[]; aggregationTemporality: number; isMonotonic: boolean };
  gauge?: { dataPoints: Point[] };
  summary?: { dataPoints: Point[] };
}
interface Request {
  resourceMetrics: { resource: { attributes: Point['attributes'] }; scopeMetrics: { scope: { name: string }; metrics: Metric[] }[] }[];
}

/** The decoded request's metrics, by name. */
function metricsOf(request: Record<string, unknown>): Map<string, Metric> {
  const [resourceMetrics] = (request as unknown as Request).resourceMetrics;
  return new Map(resourceMetrics!.scopeMetrics[0]!.metrics.map((m) => [m.name, m]));
}

/** The point whose attribute `key` is `value`. */
function pointWith(points: Point[] | undefined, key: string, value: string): Point | undefined {
  return points?.find((p) => p.attributes?.some((a) => a.key === key && a.value.stringValue === value));
}

const nanos = (ms: number): string => `${ms}000000`;

const VARIANTS: ReadonlyArray<[string, 'cumulative' | 'delta']> = [
  ['one-of-each.cumulative', 'cumulative'],
  ['one-of-each.delta', 'delta'],
];

describe('encodeOtlpProtobuf', () => {
  it.each(VARIANTS)('writes %s exactly as the golden bytes, which protoc decodes to the golden text', async (fixture, temporality) => {
    const { first, second } = await pushScenario();
    const body = encodeOtlpProtobuf(second, { temporality, previous: first });
    expectBytesToMatchFixture(body, `otlp/${fixture}.pb`);
    const decoded = await protocDecodeOtlp(body);
    expect(decoded.stderr).toBe('');
    expect(decoded.code).toBe(0);
    expectToMatchFixture(decoded.stdout, `otlp/${fixture}.txt`);
  });

  it('sends cumulative counts from each series start, with the collection time and the pod as resource', async () => {
    const { second } = await pushScenario();
    const request = decodeOtlp(encodeOtlpProtobuf(second));
    const resource = (request as unknown as Request).resourceMetrics[0]!.resource;
    expect(resource.attributes).toEqual([{ key: 'kubernetes_pod_name', value: { stringValue: POD } }]);
    const counts = metricsOf(request).get('am_authentication_count')!.sum!;
    expect(counts).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
    const success = pointWith(counts.dataPoints, 'outcome', 'success')!;
    expect(success.asDouble).toBe(5);
    const series = second.families.find((f) => f.descriptor.name === 'am_authentication')!.series[0]!;
    expect(success.startTimeUnixNano).toBe(nanos(series.startMs));
    expect(success.timeUnixNano).toBe(nanos(second.timeMs));
  });

  it('sends delta counts as what happened since the previous collection, from its time', async () => {
    const { first, second } = await pushScenario();
    const metrics = metricsOf(decodeOtlp(encodeOtlpProtobuf(second, { temporality: 'delta', previous: first })));
    const counts = metrics.get('am_authentication_count')!.sum!;
    expect(counts.aggregationTemporality).toBe(1);
    expect(pointWith(counts.dataPoints, 'outcome', 'success')).toMatchObject({ asDouble: 2, startTimeUnixNano: nanos(first.timeMs) });
    expect(pointWith(counts.dataPoints, 'outcome', 'failure')?.asDouble ?? 0).toBe(0);
  });

  it('counts a series in full from its own start when the previous collection lacks it or it was reset', async () => {
    const { second } = await pushScenario();
    const options: OtlpOptions = { temporality: 'delta', previous: { ...second, timeMs: second.timeMs - 10_000, families: [] } };
    const counts = metricsOf(decodeOtlp(encodeOtlpProtobuf(second, options))).get('am_authentication_count')!.sum!;
    expect(pointWith(counts.dataPoints, 'outcome', 'success')?.asDouble).toBe(5);
  });

  it('sends timers as Summary points with count, sum and quantiles, and an idle timer without quantiles', async () => {
    const { second } = await pushScenario();
    const metrics = metricsOf(decodeOtlp(encodeOtlpProtobuf(second, { temporality: 'delta' })));
    const cts = metrics.get('am_cts_task_seconds')!;
    expect(cts.unit).toBe('s');
    const create = pointWith(cts.summary!.dataPoints, 'operation', 'create')!;
    expect(create.count).toBe('5');
    expect(create.sum).toBeCloseTo(0.275, 12);
    expect(create.quantileValues!.map((q) => q.quantile)).toEqual([0.5, 0.75, 0.95, 0.98, 0.99, 0.999]);
    const idle = metrics.get('am_cts_connection_seconds')!.summary!.dataPoints[0]!;
    expect(idle.count).toBe('1');
    expect(idle.quantileValues ?? []).toEqual([]);
  });

  it("sends the registry's own counters as monotonic Sums named with _total", async () => {
    const { first, second } = await pushScenario();
    const errors = metricsOf(decodeOtlp(encodeOtlpProtobuf(second, { temporality: 'delta', previous: first }))).get('am_metrics_collect_errors_total')!.sum!;
    expect(errors).toMatchObject({ isMonotonic: true, aggregationTemporality: 1 });
    expect(pointWith(errors.dataPoints, 'metric', 'am_ldap_pool_size')!.asDouble).toBe(1);
  });

  it('sends gauges and distinct counts as Gauge points', async () => {
    const { second } = await pushScenario();
    const metrics = metricsOf(decodeOtlp(encodeOtlpProtobuf(second)));
    expect(metrics.get('am_session_cts_based_cache_size')!.gauge!.dataPoints[0]!.asDouble).toBe(42);
    expect(metrics.get('am_authentication_unique_uuid')!.gauge!.dataPoints[0]!.asDouble).toBe(3);
  });

  it('writes nanosecond timestamps exactly for any whole millisecond up to the year 2262', async () => {
    const { second } = await pushScenario();
    for (const timeMs of [0, 1, 2 ** 20 - 1, 2 ** 20, 1_795_694_800_123, 9_223_372_036_853]) {
      const [resourceMetrics] = (decodeOtlp(encodeOtlpProtobuf({ ...second, timeMs })) as unknown as Request).resourceMetrics;
      const point = resourceMetrics!.scopeMetrics[0]!.metrics[0]!.sum!.dataPoints[0]!;
      expect(point.timeUnixNano).toBe((BigInt(timeMs) * 1_000_000n).toString());
    }
  });
});

describe('encodeOtlpJson', () => {
  it.each(VARIANTS)('carries the same request as the protobuf encoding (%s)', async (_fixture, temporality) => {
    const { first, second } = await pushScenario();
    const options = { temporality, previous: first };
    const json = JSON.parse(new TextDecoder().decode(encodeOtlpJson(second, options))) as unknown;
    expect(json).toEqual(decodeOtlp(encodeOtlpProtobuf(second, options)));
  });

  it('writes the golden JSON', async () => {
    const { first, second } = await pushScenario();
    const json = JSON.stringify(JSON.parse(new TextDecoder().decode(encodeOtlpJson(second, { previous: first }))), null, 1);
    expectToMatchFixture(`${json}\n`, 'otlp/one-of-each.cumulative.json');
  });
});
