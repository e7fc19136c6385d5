import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES, Registry } from '../../src/index.js';
import { PROTOBUF_CONTENT_TYPE } from '../../src/exposition/prometheus-protobuf/protobuf-exposition.js';
import { decodeRawDelimited } from '../support/protoc.js';
import { ManualClock } from '../support/manual-clock.js';
import { rawRequest, sampleRegistry, serve } from './helpers.js';

/** The `Accept` header Prometheus 2.42 sends when started with `--enable-feature=native-histograms`. */
const NATIVE_ACCEPT =
  'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

function bucketRegistry(): Registry {
  const clock = new ManualClock();
  const registry = new Registry({ now: () => clock.now(), defaultLabels: { kubernetes_pod_name: 'am-0' }, timerBuckets: true });
  registry.timer({ name: 'am_t', help: 'CTS operations.', labelNames: ['outcome'] }).observe({ outcome: 'success' }, 0.3);
  return registry;
}

describe('protobuf exposition negotiation', () => {
  it('answers a native-histogram Prometheus with delimited protobuf when timers keep buckets, gzipped too', async () => {
    const server = await serve({ source: bucketRegistry() });
    for (const encoding of [undefined, 'gzip']) {
      const res = await rawRequest(`${server.url}/monitoring/prometheus/am`, {
        headers: { accept: NATIVE_ACCEPT, ...(encoding === undefined ? {} : { 'accept-encoding': encoding }) },
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(PROTOBUF_CONTENT_TYPE);
      const body = encoding === undefined ? res.body : gunzipSync(res.body);
      const decoded = await decodeRawDelimited(body);
      expect(decoded).toContain('1: "am_t_duration_seconds"');
      expect(decoded).toContain('1: "am_t_count"');
    }
  });

  it("answers it with the text it prefers next, exactly AM's, when no timer keeps buckets", async () => {
    const server = await serve({ source: sampleRegistry() });
    const res = await rawRequest(`${server.url}/monitoring/prometheus/am`, { headers: { accept: NATIVE_ACCEPT } });
    expect(res.headers['content-type']).toBe(CONTENT_TYPES.openmetrics);
    const plain = await rawRequest(`${server.url}/monitoring/prometheus/am`, { headers: { accept: 'application/openmetrics-text' } });
    expect(res.body.toString()).toBe(plain.body.toString());
  });

  // The protobuf check collects to look for timer buckets; the text answer must use that collection,
  // or every such scrape collects twice (gauge callbacks called twice, collection time doubled).
  it('collects once for a scrape it answers with text', async () => {
    const registry = sampleRegistry();
    let calls = 0;
    registry.gauge({ name: 'am_calls', help: 'Collections.', collect: () => (calls += 1) });
    const server = await serve({ source: registry });
    const res = await rawRequest(`${server.url}/monitoring/prometheus/am`, { headers: { accept: NATIVE_ACCEPT } });
    expect(res.headers['content-type']).toBe(CONTENT_TYPES.openmetrics);
    expect(res.body.toString()).toContain('am_calls{kubernetes_pod_name="am-0"} 1.0');
    expect(calls).toBe(1);
  });

  it.each([
    ['a wildcard', '*/*'],
    ['application/*', 'application/*'],
    ['protobuf without proto and encoding', 'application/vnd.google.protobuf'],
    ['another protobuf message', 'application/vnd.google.protobuf;proto=io.prometheus.client.Other;encoding=delimited'],
    ['text encoding of the message', 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text'],
  ])('never answers %s with protobuf', async (_case, accept) => {
    const server = await serve({ source: bucketRegistry() });
    const res = await rawRequest(`${server.url}/monitoring/prometheus/am`, { headers: { accept } });
    expect(res.headers['content-type']).not.toBe(PROTOBUF_CONTENT_TYPE);
  });
});
