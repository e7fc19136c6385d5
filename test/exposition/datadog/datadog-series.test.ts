import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DATADOG_TYPE, DEFAULT_MAX_BODY_BYTES, encodeDatadogSeries, type DatadogBody } from '../../../src/exposition/datadog/datadog-series.js';
import { expectToMatchFixture } from '../../support/fixtures.js';
import { apiRequestCollection } from '../../support/push-load.js';
import { POD, pushScenario } from '../../support/push-scenario.js';

interface Series {
  metric: string;
  type: number;
  points: { timestamp: number; value: number }[];
  interval?: number;
  tags: string[];
  resources?: { name: string; type: string }[];
}

function seriesOf(bodies: readonly DatadogBody[]): Series[] {
  return bodies.flatMap((b) => (JSON.parse(Buffer.from(b.body).toString('utf8')) as { series: Series[] }).series);
}

function find(series: Series[], metric: string, tag: string): Series | undefined {
  return series.find((s) => s.metric === metric && s.tags.includes(tag));
}

/** Datadog's limits per request (metrics API v2, "Submit metrics"). */
const MAX_COMPRESSED_BYTES = 512_000;
const MAX_RAW_BYTES = 5 * 1024 * 1024;

describe('encodeDatadogSeries', () => {
  it('writes the golden body', async () => {
    const { first, second } = await pushScenario();
    const bodies = encodeDatadogSeries(second, { previous: first, resources: [{ type: 'host', name: POD }] });
    expect(bodies).toHaveLength(1);
    expectToMatchFixture(`${Buffer.from(bodies[0]!.body).toString('utf8')}\n`, 'datadog/one-of-each.delta.json');
  });

  it('sends counts as the change since the previous collection, over the interval between them', async () => {
    const { first, second } = await pushScenario();
    const series = seriesOf(encodeDatadogSeries(second, { previous: first }));
    const success = find(series, 'am_authentication_count', 'outcome:success')!;
    expect(success).toMatchObject({ type: DATADOG_TYPE.count, interval: 10, points: [{ timestamp: second.timeMs / 1000, value: 2 }] });
    expect(success.tags).toEqual(['kubernetes_pod_name:' + POD, 'outcome:success']);
    expect(find(series, 'am_authentication_count', 'outcome:failure')!.points[0]!.value).toBe(0);
    expect(find(series, 'am_cts_task_count', 'operation:create')!.points[0]!.value).toBe(1);
    expect(find(series, 'am_cts_task_seconds_sum', 'operation:create')!.points[0]!.value).toBeCloseTo(0.01, 12);
  });

  it('sends the totals since each series started when there is no previous collection', async () => {
    const { second } = await pushScenario();
    const series = seriesOf(encodeDatadogSeries(second));
    expect(find(series, 'am_authentication_count', 'outcome:success')).toMatchObject({ points: [{ value: 5 }], interval: 10 });
  });

  it('sends gauges and timer quantiles as gauges, leaving out the quantiles of an idle timer', async () => {
    const { second } = await pushScenario();
    const series = seriesOf(encodeDatadogSeries(second));
    expect(find(series, 'am_session_cts_based_cache_size', 'kubernetes_pod_name:' + POD)).toMatchObject({ type: DATADOG_TYPE.gauge, points: [{ value: 42 }] });
    const quantiles = series.filter((s) => s.metric === 'am_cts_task_seconds' && s.tags.includes('operation:create'));
    expect(quantiles.map((s) => s.tags.at(-1))).toEqual(['quantile:0.5', 'quantile:0.75', 'quantile:0.95', 'quantile:0.98', 'quantile:0.99', 'quantile:0.999']);
    expect(series.filter((s) => s.metric === 'am_cts_connection_seconds')).toEqual([]);
    expect(find(series, 'am_cts_connection_count', 'outcome:success')!.points[0]!.value).toBe(1);
  });

  it('renames samples given a Datadog metric name', async () => {
    const { second } = await pushScenario();
    const series = seriesOf(encodeDatadogSeries(second, { metricNames: { am_authentication_count: 'am.authentication.count' } }));
    expect(find(series, 'am.authentication.count', 'outcome:success')!.points[0]!.value).toBe(5);
  });

  it("splits a large collection into bodies under Datadog's compressed and raw limits, each series once", async () => {
    const collection = await apiRequestCollection(6_000);
    const bodies = encodeDatadogSeries(collection);
    expect(bodies.length).toBeGreaterThan(1);
    for (const { body } of bodies) {
      expect(body.byteLength).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES);
      expect(body.byteLength).toBeLessThanOrEqual(MAX_RAW_BYTES);
      expect(gzipSync(body).byteLength).toBeLessThan(MAX_COMPRESSED_BYTES);
    }
    const series = seriesOf(bodies);
    expect(series).toHaveLength(12_000);
    expect(new Set(series.map((s) => `${s.metric} ${s.tags.join(',')}`)).size).toBe(12_000);
    expect(bodies.reduce((n, b) => n + b.seriesCount, 0)).toBe(12_000);
  });

  it('keeps every series when the bound is small, and a series larger than the bound goes alone', async () => {
    const { second } = await pushScenario();
    const whole = seriesOf(encodeDatadogSeries(second));
    const bodies = encodeDatadogSeries(second, { maxBodyBytes: 600 });
    expect(seriesOf(bodies)).toEqual(whole);
    for (const b of bodies) expect(b.body.byteLength <= 600 || b.seriesCount === 1).toBe(true);
  });

  it('writes no body for an empty collection', () => {
    expect(encodeDatadogSeries({ timeMs: 0, resource: {}, families: [], failures: [] })).toEqual([]);
  });
});
