// The exporter's HTTP scrape of a registry of many small families (5,000 one-series gauges: 10,000
// small encoded parts), plain and gzipped, against `metrics()` of the same registry. A guard, not a
// product goal: the scrape also collects, compares with the last body and is read by a client in this
// process, so it costs about twice the render (2.1x before the body was sent as parts); written part
// by part it took 664 ms plain and 319 ms gzipped against 63 ms, ~20x (the part joining in
// src/http/body.ts). Loopback only; stops by itself.
import { Registry } from '../src/index.js';
import { startServer } from '../src/server.js';
import { report } from './support.js';

const FAMILIES = 5_000;
const ROUNDS = 15;
const MAX_RATIO = 3;

const registry = new Registry({ maxSeries: 2 * FAMILIES });
const gauges = Array.from({ length: FAMILIES }, (_, i) => registry.gauge({ name: `am_bench_gauge_${i}`, help: 'Gauge.' }));
gauges.forEach((gauge, i) => gauge.set({}, i));
const server = await startServer({ source: registry, port: 0, host: '127.0.0.1', logger: () => {} });
const url = `${server.url}/monitoring/prometheus/am`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Wall time of `work`, after one value changed (so no scrape is answered with an earlier body). */
async function timed(round: number, work: () => Promise<unknown>): Promise<number> {
  gauges[round % FAMILIES]!.set({}, -round);
  const start = performance.now();
  await work();
  return performance.now() - start;
}

const scrape = (headers: Record<string, string>) => async () => (await fetch(url, { headers })).arrayBuffer();
try {
  for (const [name, headers] of [
    // fetch asks for gzip unless told otherwise.
    ['plain', { 'accept-encoding': 'identity' }],
    ['gzip', { 'accept-encoding': 'gzip' }],
  ] as const) {
    const rendered: number[] = [];
    const served: number[] = [];
    await registry.metrics(); // warm-up
    await scrape(headers)();
    for (let r = 0; r < ROUNDS; r += 1) {
      rendered.push(await timed(r, () => registry.metrics()));
      served.push(await timed(r, scrape(headers)));
    }
    const [m, s] = [median(rendered), median(served)];
    const detail = `${s.toFixed(1)} ms vs metrics() ${m.toFixed(1)} ms (medians of ${ROUNDS} alternating rounds)`;
    report(`HTTP scrape (${name}) of ${FAMILIES} one-series families`, detail, s / m, MAX_RATIO, 'x the cost', true);
  }
} finally {
  await server.close();
}
