// The registry shape the collect and scrape benches share: half timer series with OBSERVATIONS each,
// half summary series with one event, 3 labels, spread over metrics of SERIES_PER_METRIC series.
import type { Meter } from '@opentelemetry/api';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { Registry, type Timer } from '../src/index.js';
import { otelMeter } from './otel.js';
import { latencies } from './support.js';

export const SERIES_PER_METRIC = 1_000;
export const OBSERVATIONS_PER_TIMER_SERIES = 200;
const LABELS = ['operation', 'outcome', 'client'];

const values = latencies(OBSERVATIONS_PER_TIMER_SERIES, 7);
const labelsOf = (i: number) => ({ operation: ['create', 'read', 'update', 'delete'][i % 4]!, outcome: i % 10 === 0 ? 'failure' : 'success', client: `client-${i}` });

/** A registry of `series` series (half timers, half summaries). */
export function ourShape(series: number): Registry {
  const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' }, maxSeriesPerMetric: SERIES_PER_METRIC });
  for (let m = 0; m < series / 2 / SERIES_PER_METRIC; m += 1) {
    const timer = registry.timer({ name: `am_bench_timer_${m}`, help: 'Timer', labelNames: LABELS });
    const summary = registry.summary({ name: `am_bench_summary_${m}`, help: 'Summary', labelNames: LABELS });
    for (let i = 0; i < SERIES_PER_METRIC; i += 1) {
      const labels = labelsOf(i);
      summary.record(labels);
      for (const v of values) timer.observe(labels, v);
    }
  }
  return registry;
}

/** The same shape in OpenTelemetry: histograms for timers, counters for summaries; its meter and reader. */
export function otelShape(series: number): { readonly meter: Meter; readonly reader: MetricReader } {
  const { meter, reader } = otelMeter();
  for (let m = 0; m < series / 2 / SERIES_PER_METRIC; m += 1) {
    const histogram = meter.createHistogram(`am_bench_timer_${m}_seconds`, { unit: 's' });
    const counter = meter.createCounter(`am_bench_summary_${m}`);
    for (let i = 0; i < SERIES_PER_METRIC; i += 1) {
      const labels = { ...labelsOf(i), kubernetes_pod_name: 'am-0' };
      counter.add(1, labels);
      for (const v of values) histogram.record(v, labels);
    }
  }
  return { meter, reader };
}

/**
 * A function that records one more observation into every timer series of both shapes (same value),
 * for collects of busy series; it looks the metrics up once.
 */
export function busyBetweenCollects(ours: Registry, meter: Meter, series: number): () => void {
  const timers = Array.from({ length: series / 2 / SERIES_PER_METRIC }, (_, m) => ours.getSingleMetric(`am_bench_timer_${m}`) as Timer<string>);
  const histograms = timers.map((_, m) => meter.createHistogram(`am_bench_timer_${m}_seconds`, { unit: 's' }));
  return () => {
    timers.forEach((timer, m) => {
      for (let i = 0; i < SERIES_PER_METRIC; i += 1) {
        timer.observe(labelsOf(i), values[i % values.length]!);
        histograms[m]!.record(values[i % values.length]!, { ...labelsOf(i), kubernetes_pod_name: 'am-0' });
      }
    });
  };
}

/** Median wall time of `rounds` runs of `work`, in ms. */
export async function medianMs(rounds: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}
