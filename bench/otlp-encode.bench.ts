// Encoding 10,000 points (5,000 summary series: a count and a sum each) to an OTLP/HTTP protobuf body:
// ours from a Collection vs @opentelemetry/otlp-transformer's ProtobufMetricsSerializer from the
// ResourceMetrics the OpenTelemetry SDK would collect for the same data. Same seeded input for both.
import { ValueType } from '@opentelemetry/api';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { encodeOtlpProtobuf } from '../src/exposition/otlp/otlp-protobuf.js';
import type { Collection, CountSum } from '../src/index.js';
import { apiRequestCollection } from '../test/support/push-load.js';
import { report } from './support.js';

const SERIES = 5_000;
const ROUNDS = 31;
const WARMUP_ROUNDS = 10;

const collection = await apiRequestCollection(SERIES);
const family = collection.families.find((f) => f.descriptor.name === 'am_api_request');
if (family?.kind !== 'summary') throw new Error('expected the am_api_request summary');

/** The same points as the SDK hands its exporter: two cumulative monotonic Sums. */
function resourceMetricsOf(c: Collection, series: readonly CountSum[]): ResourceMetrics {
  const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6];
  const sum = (name: string, value: (s: CountSum) => number): SumMetricData => ({
    descriptor: { name, description: 'API requests by operation and result.', unit: '', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: series.map((s) => ({ attributes: s.labels, startTime: hr(s.startMs), endTime: hr(c.timeMs), value: value(s) })),
  });
  return {
    resource: resourceFromAttributes(c.resource),
    scopeMetrics: [{ scope: { name: 'am-metrics' }, metrics: [sum('am_api_request_count', (s) => s.count), sum('am_api_request_sum', (s) => s.sum)] }],
  };
}

const resourceMetrics = resourceMetricsOf(collection, family.series);

/** Median ms of each encoder over ROUNDS rounds after WARMUP_ROUNDS; rounds alternate, so a busy moment of the machine hits all alike. */
function measure(encoders: ReadonlyArray<() => Uint8Array>): { ms: number; bytes: number }[] {
  const bytes = encoders.map(() => 0);
  const times: number[][] = encoders.map(() => []);
  for (let r = 0; r < WARMUP_ROUNDS + ROUNDS; r += 1) {
    encoders.forEach((encode, i) => {
      const start = performance.now();
      bytes[i] = encode().byteLength;
      if (r >= WARMUP_ROUNDS) times[i]!.push(performance.now() - start);
    });
  }
  return times.map((t, i) => ({ ms: t.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!, bytes: bytes[i]! }));
}

/** A copy of the collection with fresh label objects: a first push, before any series' attributes were encoded. */
function freshLabels(c: Collection): Collection {
  return { ...c, families: c.families.map((f) => ({ ...f, series: f.series.map((s) => ({ ...s, labels: { ...s.labels } })) })) as Collection['families'] };
}

const firstPushes = Array.from({ length: ROUNDS + WARMUP_ROUNDS }, () => freshLabels(collection));
const [theirs, ours, oursFirst] = measure([
  () => ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!,
  () => encodeOtlpProtobuf(collection),
  () => encodeOtlpProtobuf(firstPushes.pop()!),
]) as [{ ms: number; bytes: number }, { ms: number; bytes: number }, { ms: number; bytes: number }];

const detail = (o: { ms: number; bytes: number }): string => `${o.ms.toFixed(2)} ms (${o.bytes} bytes)`;
report('OTLP protobuf, 10,000 points', `${detail(ours)} vs otlp-transformer ProtobufMetricsSerializer ${detail(theirs)}`, theirs.ms / ours.ms, 1);
report('OTLP protobuf, 10,000 points, first push (no cached attributes)', `${detail(oursFirst)} vs ${theirs.ms.toFixed(2)} ms`, theirs.ms / oursFirst.ms, 1);
