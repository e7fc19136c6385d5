// The three push encodings against a real receiver: VictoriaMetrics ingests each body and its export
// holds the recorded values. Skips when scripts/install-victoria-metrics.sh has not been run.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDatadogSeries } from '../../../src/exposition/datadog/datadog-series.js';
import { encodeOtlpProtobuf, OTLP_PROTOBUF_CONTENT_TYPE } from '../../../src/exposition/otlp/otlp-protobuf.js';
import { encodeRemoteWrite, REMOTE_WRITE_HEADERS } from '../../../src/exposition/remote-write/remote-write.js';
import { writePrometheusText } from '../../../src/index.js';
import { parseExposition } from '../../support/prometheus-tools.js';
import { apiRequestCollection } from '../../support/push-load.js';
import { pushScenario, type PushScenario } from '../../support/push-scenario.js';
import { hasVictoriaMetrics, VICTORIA_METRICS_BIN, VictoriaMetrics, type ExportedSeries } from '../../support/victoria-metrics.js';

if (!hasVictoriaMetrics) {
  console.warn(`VictoriaMetrics receiver tests skipped: ${VICTORIA_METRICS_BIN} is missing; run scripts/install-victoria-metrics.sh`);
}

/** Recent enough for any retention, and on a whole second so Datadog's second timestamps are exact. */
function recentStart(): number {
  return Math.floor((Date.now() - 15 * 60_000) / 1000) * 1000;
}

/** `name{sorted labels}` of a series, leaving out the labels in `ignore`. */
function seriesKey(metric: Readonly<Record<string, string>>, ignore: readonly string[] = []): string {
  const { __name__: name, ...labels } = metric;
  const kept = Object.entries(labels).filter(([label]) => !ignore.includes(label));
  return `${name}${JSON.stringify(kept.sort())}`;
}

/** Every finite sample the text exposition shows for the collection, by series key. */
async function textSamples(collection: PushScenario['second'], rename: (name: string) => string = (n) => n): Promise<Map<string, number>> {
  const families = await parseExposition(writePrometheusText(collection), 'prometheus');
  const samples = new Map<string, number>();
  for (const s of families.flatMap((f) => f.samples)) {
    if (typeof s.value === 'number') samples.set(seriesKey({ __name__: rename(s.name), ...s.labels }), s.value);
  }
  return samples;
}

/** The last value of each exported series, by series key, and the timestamps seen. */
function lastValues(series: readonly ExportedSeries[], ignore: readonly string[] = []): Map<string, number> {
  return new Map(series.map((s) => [seriesKey(s.metric, ignore), s.values.at(-1)!]));
}

/**
 * Asserts both maps hold the same series with the same values. VictoriaMetrics keeps 12 significant
 * decimal digits of a float (its storage converts values to scaled integers), hence the tolerance.
 */
function expectSameSamples(actual: Map<string, number>, expected: Map<string, number>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, value] of expected) {
    const stored = actual.get(key)!;
    expect(Math.abs(stored - value), `${key}: stored ${stored}, sent ${value}`).toBeLessThanOrEqual(Math.abs(value) * 1e-11);
  }
}

/** Labels VictoriaMetrics adds to OTLP series from the instrumentation scope. */
const SCOPE_LABELS = ['scope.name', 'scope.version'];

/** Series counted in the split test: 3,000 summary series, a count and a sum each. */
const SPLIT_SERIES = 3_000;

describe.skipIf(!hasVictoriaMetrics)('push encoders into VictoriaMetrics', () => {
  let vm: VictoriaMetrics;

  beforeAll(async () => {
    vm = await VictoriaMetrics.start();
  }, 30_000);

  afterAll(async () => {
    await vm?.stop();
  });

  /** POSTs one Datadog body gzipped, as the transport sends it. */
  const pushDatadog = (body: Uint8Array): Promise<void> =>
    vm.push('/datadog/api/v2/series', gzipSync(body), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'DD-API-KEY': 'test' });

  it('stores every sample of a remote-write request under the text exposition name, value and time', async () => {
    const { second } = await pushScenario({ startMs: recentStart(), pod: 'remote-write' });
    await vm.push('/api/v1/write', encodeRemoteWrite(second), REMOTE_WRITE_HEADERS);
    const exported = await vm.export('{kubernetes_pod_name="remote-write"}');
    expectSameSamples(lastValues(exported), await textSamples(second));
    for (const s of exported) expect(s.timestamps).toEqual([second.timeMs]);
  });

  it('stores an OTLP protobuf request: Sums, Gauges and Summaries with their cumulative values', async () => {
    const { second } = await pushScenario({ startMs: recentStart(), pod: 'otlp' });
    await vm.push('/opentelemetry/v1/metrics', encodeOtlpProtobuf(second), { 'Content-Type': OTLP_PROTOBUF_CONTENT_TYPE });
    const exported = await vm.export('{kubernetes_pod_name="otlp"}');
    // A Summary `X_seconds` lands as X_seconds{quantile}, X_seconds_sum and X_seconds_count; AM's text calls the count X_count.
    const timerCounts = new Set(['am_cts_task_count', 'am_cts_connection_count']);
    const expected = await textSamples(second, (name) => (timerCounts.has(name) ? name.replace(/_count$/, '_seconds_count') : name));
    expectSameSamples(lastValues(exported, SCOPE_LABELS), expected);
    for (const s of exported) expect(s.timestamps).toEqual([second.timeMs]);
  });

  it('stores gzipped OTLP delta Sums as the change since the previous push (VictoriaMetrics keeps them raw)', async () => {
    const { first, second } = await pushScenario({ startMs: recentStart(), pod: 'otlp-delta' });
    const body = gzipSync(encodeOtlpProtobuf(second, { temporality: 'delta', previous: first }));
    await vm.push('/opentelemetry/v1/metrics', body, { 'Content-Type': OTLP_PROTOBUF_CONTENT_TYPE, 'Content-Encoding': 'gzip' });
    const values = lastValues(await vm.export('{kubernetes_pod_name="otlp-delta"}'), SCOPE_LABELS);
    const key = (name: string, outcome: string): string => seriesKey({ __name__: name, kubernetes_pod_name: 'otlp-delta', outcome });
    expect(values.get(key('am_authentication_count', 'success'))).toBe(2);
    expect(values.get(key('am_authentication_count', 'failure'))).toBe(0);
    // Summaries have no temporality: the timer's count stays cumulative.
    expect(values.get(key('am_cts_connection_seconds_count', 'success'))).toBe(1);
  });

  it('stores Datadog series: counts as the change since the previous push, gauges as they are', async () => {
    const { first, second } = await pushScenario({ startMs: recentStart(), pod: 'datadog' });
    for (const { body } of encodeDatadogSeries(second, { previous: first })) await pushDatadog(body);
    const exported = await vm.export('{kubernetes_pod_name="datadog"}');
    for (const s of exported) expect(s.timestamps).toEqual([second.timeMs]);
    const values = lastValues(exported);
    const key = (name: string, labels: Record<string, string>): string => seriesKey({ __name__: name, kubernetes_pod_name: 'datadog', ...labels });
    expect(values.get(key('am_authentication_count', { outcome: 'success' }))).toBe(2);
    expect(values.get(key('am_authentication_count', { outcome: 'failure' }))).toBe(0);
    expect(values.get(key('am_cts_task_count', { operation: 'create', outcome: 'success', token_type: 'session' }))).toBe(1);
    expect(values.get(key('am_session_cts_based_cache_size', {}))).toBe(42);
    expect(values.get(key('am_authentication_unique_uuid', { outcome: 'success' }))).toBe(3);
    expect(values.get(key('am_cts_task_seconds', { operation: 'create', outcome: 'success', token_type: 'session', quantile: '0.5' }))).toBeGreaterThan(0);
  });

  it('stores every series of a collection split into many Datadog bodies, each once', async () => {
    const collection = await apiRequestCollection(SPLIT_SERIES, 9, recentStart());
    const bodies = encodeDatadogSeries(collection, { maxBodyBytes: 50_000 });
    expect(bodies.length).toBeGreaterThan(10);
    for (const { body } of bodies) await pushDatadog(body);
    const exported = await vm.export('{__name__=~"am_api_request_(count|sum)"}');
    expect(exported).toHaveLength(2 * SPLIT_SERIES);
    const family = collection.families[0]!;
    const counts = new Map(family.series.map((s) => [s.labels.client_id, (s as { count: number }).count]));
    for (const s of exported) expect(s.values).toEqual([counts.get(s.metric.client_id!)]);
  }, 30_000);
});
