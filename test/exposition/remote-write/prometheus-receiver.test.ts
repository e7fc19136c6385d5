// Remote write into Prometheus 2.42 with its receiver enabled: the stricter of the two real receivers
// (it rejects unsorted or duplicate labels and bad framing with a 400).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRemoteWrite, REMOTE_WRITE_HEADERS } from '../../../src/exposition/remote-write/remote-write.js';
import { writePrometheusText } from '../../../src/index.js';
import { parseExposition } from '../../support/prometheus-tools.js';
import { PrometheusServer } from '../../support/prometheus-server.js';
import { pushScenario } from '../../support/push-scenario.js';

const REQUEST_TIMEOUT_MS = 5_000;

describe('remote write into Prometheus', () => {
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    prometheus = await PrometheusServer.start({ jobs: [], extraFlags: ['--web.enable-remote-write-receiver'] });
  }, 30_000);

  afterAll(async () => {
    await prometheus?.stop();
  });

  it('accepts the request and answers each sample with the recorded value at the collection time', async () => {
    // Recent samples: Prometheus' head block takes nothing far older than its newest sample.
    const startMs = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
    const { second } = await pushScenario({ startMs, pod: 'prometheus' });
    const res = await fetch(`${prometheus.url}/api/v1/write`, {
      method: 'POST',
      body: encodeRemoteWrite(second),
      headers: REMOTE_WRITE_HEADERS,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    expect(res.status, await res.text()).toBe(204);

    const query = `{kubernetes_pod_name="prometheus"}`;
    const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}&time=${second.timeMs / 1000}`;
    const body = (await (await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    const stored = body.data.result.map((r) => ({ ...r.metric, value: r.value[1], at: r.value[0] * 1000 }));

    const families = await parseExposition(writePrometheusText(second), 'prometheus');
    const expected = families.flatMap((f) =>
      f.samples.map((s) => ({ __name__: s.name, ...s.labels, value: s.value === 'NaN' ? 'NaN' : String(s.value), at: second.timeMs })),
    );
    const order = (a: Record<string, unknown>, b: Record<string, unknown>): number => JSON.stringify(a).localeCompare(JSON.stringify(b));
    const sortKeys = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).sort(([x], [y]) => x.localeCompare(y)));
    expect(stored.map(sortKeys).sort(order)).toEqual(expected.map(sortKeys).sort(order));
  });
});
