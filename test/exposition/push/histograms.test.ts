// Histogram families (timer buckets) on the push paths: OTLP Histogram points and Datadog bucket
// counts, decoded independently (protobufjs and protoc over the official .proto files) and read back
// from VictoriaMetrics. Remote write's classic buckets are covered in remote-write.test.ts.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDatadogSeries } from '../../../src/exposition/datadog/datadog-series.js';
import { encodeOtlpProtobuf, OTLP_PROTOBUF_CONTENT_TYPE } from '../../../src/exposition/otlp/otlp-protobuf.js';
import { encodeOtlpJson } from '../../../src/exposition/otlp/otlp-json.js';
import { Registry, type Collection } from '../../../src/index.js';
import { ManualClock } from '../../support/manual-clock.js';
import { decodeOtlp, protocDecodeOtlp } from '../../support/proto-decoders.js';
import { hasVictoriaMetrics, VictoriaMetrics } from '../../support/victoria-metrics.js';

const CREATE = { operation: 'create', outcome: 'success' };
const NAME = 'am_cts_task_duration_seconds';

interface HistogramPoint {
  attributes: { key: string; value: { stringValue: string } }[];
  count: string;
  sum: number;
  bucketCounts: string[];
  explicitBounds?: number[];
}
interface Metric {
  name: string;
  unit?: string;
  histogram?: { dataPoints: HistogramPoint[]; aggregationTemporality: number };
}

/** Two collections of a bucketed timer, 30 s apart: six observations, then two more. */
async function scenario(startMs = Date.UTC(2026, 10, 26, 12)): Promise<[Collection, Collection]> {
  const clock = new ManualClock(startMs);
  const registry = new Registry({ now: () => clock.now(), timerBuckets: true });
  const cts = registry.timer({ name: 'am_cts_task', help: 'CTS operations.', labelNames: ['operation', 'outcome'] });
  for (const seconds of [0, 0.004, 0.005, 0.006, 0.25, 100]) cts.observe(CREATE, seconds);
  clock.advance({ seconds: 30 });
  const first = await registry.collect();
  for (const seconds of [0.006, 2]) cts.observe(CREATE, seconds);
  clock.advance({ seconds: 30 });
  return [first, await registry.collect()];
}

function histogramOf(body: Uint8Array): { metric: Metric; point: HistogramPoint } {
  const request = decodeOtlp(body) as unknown as { resourceMetrics: { scopeMetrics: { metrics: Metric[] }[] }[] };
  const metric = request.resourceMetrics[0]!.scopeMetrics[0]!.metrics.find((m) => m.name === NAME)!;
  return { metric, point: metric.histogram!.dataPoints[0]! };
}

/** Observations at most `le`, from per-bucket counts and bounds. */
function cumulativeAt(point: HistogramPoint, le: number): number {
  const bounds = point.explicitBounds ?? [];
  return point.bucketCounts.slice(0, bounds.filter((b) => b <= le).length).reduce((n, c) => n + Number(c), 0);
}

describe('OTLP histograms', () => {
  it('writes explicit bounds and per-bucket counts, cumulative by default', async () => {
    const [first] = await scenario();
    const { metric, point } = histogramOf(encodeOtlpProtobuf(first));
    expect(metric.unit).toBe('s');
    expect(metric.histogram!.aggregationTemporality).toBe(2);
    expect(point).toMatchObject({ count: '6', sum: 100.265 });
    expect(point.bucketCounts.length).toBe((point.explicitBounds ?? []).length + 1);
    expect(point.bucketCounts.reduce((n, c) => n + Number(c), 0)).toBe(6);
    expect(cumulativeAt(point, 0.25)).toBe(5);
    expect((point.explicitBounds ?? []).every((b) => Number.isFinite(b))).toBe(true);
  });

  it('writes what happened since the previous collection when delta', async () => {
    const [first, second] = await scenario();
    const { metric, point } = histogramOf(encodeOtlpProtobuf(second, { temporality: 'delta', previous: first }));
    expect(metric.histogram!.aggregationTemporality).toBe(1);
    expect(point).toMatchObject({ count: '2' });
    expect(point.sum).toBeCloseTo(2.006, 12);
    expect(cumulativeAt(point, 0.25)).toBe(1);
    expect(point.bucketCounts.reduce((n, c) => n + Number(c), 0)).toBe(2);
  });

  it('is read by protoc with the official .proto files, and the JSON encoding says the same', async () => {
    const [first] = await scenario();
    const decoded = await protocDecodeOtlp(encodeOtlpProtobuf(first));
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(decoded.stdout).toContain('histogram {');
    expect(decoded.stdout).toContain('explicit_bounds: 0.25');
    const json = JSON.parse(Buffer.from(encodeOtlpJson(first)).toString('utf8')) as { resourceMetrics: { scopeMetrics: { metrics: Metric[] }[] }[] };
    const jsonPoint = json.resourceMetrics[0]!.scopeMetrics[0]!.metrics.find((m) => m.name === NAME)!.histogram!.dataPoints[0]!;
    expect(jsonPoint.bucketCounts).toEqual(histogramOf(encodeOtlpProtobuf(first)).point.bucketCounts);
  });
});

describe('Datadog histograms', () => {
  type Series = { metric: string; points: [{ value: number }]; tags: string[] };
  const seriesOf = (collection: Collection, previous?: Collection): Series[] =>
    encodeDatadogSeries(collection, { previous }).flatMap((b) => (JSON.parse(Buffer.from(b.body).toString('utf8')) as { series: Series[] }).series);
  const valueOf = (series: Series[], metric: string, tag?: string) =>
    series.find((s) => s.metric === metric && (tag === undefined || s.tags.includes(tag)))?.points[0].value;

  it('sends a count per bucket tagged upper_bound, and the sum and count', async () => {
    const [first] = await scenario();
    const series = seriesOf(first);
    expect(valueOf(series, `${NAME}_bucket`, 'upper_bound:0.25')).toBe(5);
    expect(valueOf(series, `${NAME}_bucket`, 'upper_bound:inf')).toBe(6);
    expect(valueOf(series, `${NAME}_count`)).toBe(6);
    expect(valueOf(series, `${NAME}_sum`)).toBe(100.265);
  });

  it('sends the change since the previous collection', async () => {
    const [first, second] = await scenario();
    const series = seriesOf(second, first);
    expect(valueOf(series, `${NAME}_bucket`, 'upper_bound:0.25')).toBe(1);
    expect(valueOf(series, `${NAME}_bucket`, 'upper_bound:inf')).toBe(2);
    expect(valueOf(series, `${NAME}_count`)).toBe(2);
  });
});

describe.skipIf(!hasVictoriaMetrics)('histograms read back from VictoriaMetrics', () => {
  let vm: VictoriaMetrics;
  beforeAll(async () => {
    vm = await VictoriaMetrics.start();
  }, 30_000);
  afterAll(async () => {
    await vm?.stop();
  });

  it('holds the buckets sent over OTLP and Datadog', async () => {
    const [first] = await scenario(Math.floor((Date.now() - 15 * 60_000) / 1000) * 1000);
    await vm.push('/opentelemetry/v1/metrics?extra_label=via=otlp', gzipSync(encodeOtlpProtobuf(first)), {
      'Content-Type': OTLP_PROTOBUF_CONTENT_TYPE,
      'Content-Encoding': 'gzip',
    });
    for (const { body } of encodeDatadogSeries(first)) {
      await vm.push('/datadog/api/v2/series?extra_label=via=datadog', gzipSync(body), {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        'DD-API-KEY': 'k',
      });
    }
    const otlp = await vm.export(`{__name__="${NAME}_bucket",via="otlp"}`);
    const le = (series: typeof otlp, bound: string) => series.find((s) => s.metric.le === bound)?.values.at(-1);
    expect([le(otlp, '0.25'), le(otlp, '+Inf')]).toEqual([5, 6]);
    expect((await vm.export(`{__name__="${NAME}_count",via="otlp"}`))[0]?.values.at(-1)).toBe(6);
    const datadog = await vm.export(`{__name__="${NAME}_bucket",via="datadog"}`);
    const upper = (bound: string) => datadog.find((s) => s.metric.upper_bound === bound)?.values.at(-1);
    expect([upper('0.25'), upper('inf')]).toEqual([5, 6]);
  });
});
