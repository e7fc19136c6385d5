import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES } from '../../src/index.js';
import { PROMETHEUS_ACCEPT, rawRequest, sampleRegistry, serve } from './helpers.js';

const TEXT = CONTENT_TYPES.prometheus;
const OPENMETRICS = CONTENT_TYPES.openmetrics;

describe('scrape content negotiation', () => {
  it.each([
    ["Prometheus 2.42's scrape header", PROMETHEUS_ACCEPT, OPENMETRICS],
    ['no Accept header', undefined, TEXT],
    ["curl's default */*", '*/*', TEXT],
    ['a browser', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', TEXT],
    ['bare OpenMetrics', 'application/openmetrics-text', OPENMETRICS],
    ['OpenMetrics 0.0.1, which is the same wire format', 'application/openmetrics-text; version=0.0.1', OPENMETRICS],
    ['application/*', 'application/*', OPENMETRICS],
    ['text/*', 'text/*', TEXT],
    ['text preferred by q-value', 'application/openmetrics-text;q=0.5, text/plain;q=0.9', TEXT],
    ['OpenMetrics preferred by q-value', 'text/plain;version=0.0.4;q=0.3, application/openmetrics-text;version=1.0.0;q=0.7', OPENMETRICS],
    ['an explicit type over a wildcard at equal q', '*/*, application/openmetrics-text', OPENMETRICS],
    ['the earlier of two equal explicit types', 'text/plain, application/openmetrics-text', TEXT],
    ['OpenMetrics refused, anything else welcome', 'application/openmetrics-text;q=0, */*', TEXT],
    ['text refused, anything else welcome', 'text/plain;q=0, */*', OPENMETRICS],
    ['an OpenMetrics version we cannot write', 'application/openmetrics-text;version=2.0.0, text/plain;q=0.1', TEXT],
    ['a text version we cannot write', 'text/plain;version=1.0.0, application/openmetrics-text;q=0.2', OPENMETRICS],
    ['a malformed q-value, which is ignored', 'application/openmetrics-text;q=high, text/plain;q=0.5', TEXT],
    ['an unrelated type (served 0.0.4, as client_golang does)', 'application/json', TEXT],
    ['upper case', 'Application/OpenMetrics-Text; Version=1.0.0', OPENMETRICS],
  ])('answers %s with the format it prefers', async (_client, accept, contentType) => {
    const server = await serve({ source: sampleRegistry() });
    const res = await rawRequest(`${server.url}/monitoring/prometheus/am`, { headers: accept === undefined ? {} : { accept } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(contentType);
    expect(res.headers.vary).toBe('Accept, Accept-Encoding');
    const text = res.body.toString();
    if (contentType === OPENMETRICS) {
      expect(text.endsWith('# EOF\n')).toBe(true);
      expect(text).not.toContain(',}');
    } else {
      expect(text).not.toContain('# EOF');
      expect(text).toContain(',}');
    }
  });

  it.each([
    ['both formats refused', 'text/plain;q=0, application/openmetrics-text;q=0'],
    ['text refused and nothing else offered', 'text/plain;q=0'],
    ['everything refused', '*/*;q=0'],
  ])('falls back to text 0.0.4 rather than 406 when %s, as Prometheus client libraries do', async (_case, accept) => {
    const server = await serve({ source: sampleRegistry() });
    const res = await rawRequest(`${server.url}/metrics/prometheus`, { headers: { accept } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(TEXT);
  });

  it.each([
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['x-gzip', true],
    ['*', true],
    ['identity', false],
    ['gzip;q=0', false],
    ['*;q=0.5, gzip;q=0', false],
    ['deflate', false],
    [undefined, false],
  ])('Accept-Encoding %s: gzip is %s', async (acceptEncoding, isGzip) => {
    const server = await serve({ source: sampleRegistry() });
    const plain = await rawRequest(`${server.url}/monitoring/prometheus/am`);
    const res = await rawRequest(`${server.url}/monitoring/prometheus/am`, {
      headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
    });
    expect(res.headers['content-encoding']).toBe(isGzip ? 'gzip' : undefined);
    expect(res.headers['transfer-encoding']).toBe('chunked'); // written while it renders
    expect((isGzip ? gunzipSync(res.body) : res.body).toString()).toBe(plain.body.toString());
  });

  it('gzips OpenMetrics and the JSON view as well', async () => {
    const server = await serve({ source: sampleRegistry() });
    const om = await rawRequest(`${server.url}/json/metrics/prometheus`, { headers: { accept: PROMETHEUS_ACCEPT, 'accept-encoding': 'gzip' } });
    expect(om.headers['content-type']).toBe(OPENMETRICS);
    expect(gunzipSync(om.body).toString()).toMatch(/am_x_total\{.*\} 3\.0\n[\s\S]*# EOF\n$/);
    const json = await rawRequest(`${server.url}/json/metrics/api`, { headers: { 'accept-encoding': 'gzip' } });
    expect(json.headers['content-encoding']).toBe('gzip');
    expect(json.headers.vary).toBe('Accept-Encoding');
    expect(JSON.parse(gunzipSync(json.body).toString()).resultCount).toBeGreaterThan(0);
  });
});
