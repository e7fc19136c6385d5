import { describe, expect, it } from 'vitest';
import { targetOf } from '../../src/streams/destinations.js';
import type { Destination } from '../../src/streams/resource.js';

const otlp = (endpoint: string): Destination => ({
  type: 'otlp',
  configuration: { endpoint, protocol: 'http', auth_type: 'api_key', api_key: 'Basic abc', auth_header_name: 'Authorization' },
});

describe('targetOf', () => {
  it.each([
    ['New Relic base', 'https://otlp.nr-data.net', 'https://otlp.nr-data.net/v1/metrics'],
    ['a base with a slash', 'https://otlp.nr-data.net/', 'https://otlp.nr-data.net/v1/metrics'],
    ['Grafana Cloud /otlp', 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp', 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp/v1/metrics'],
    ['Splunk full path', 'https://ingest.us1.signalfx.com/v2/datapoint/otlp', 'https://ingest.us1.signalfx.com/v2/datapoint/otlp'],
    ['VictoriaMetrics full path', 'http://127.0.0.1:8428/opentelemetry/v1/metrics', 'http://127.0.0.1:8428/opentelemetry/v1/metrics'],
  ])('posts OTLP to the %s as the issue says', (_case, endpoint, url) => {
    expect(targetOf(otlp(endpoint))).toEqual({ url, headers: { Authorization: 'Basic abc' }, temporality: 'cumulative' });
  });

  it('posts Datadog series to the site API or the endpoint, with DD-API-KEY and delta counts', () => {
    expect(targetOf({ type: 'datadog', configuration: { api_key: 'k', site: 'datadoghq.eu' } })).toEqual({
      url: 'https://api.datadoghq.eu/api/v2/series',
      headers: { 'DD-API-KEY': 'k' },
      temporality: 'delta',
    });
    expect(targetOf({ type: 'datadog', configuration: { api_key: 'k', site: 'datadoghq.com', endpoint: 'http://127.0.0.1:8428/datadog/' } }).url).toBe(
      'http://127.0.0.1:8428/datadog/api/v2/series',
    );
    // The series path goes after the endpoint's path, not into its query (a proxy's token, a tenant).
    expect(targetOf({ type: 'datadog', configuration: { api_key: 'k', site: 'datadoghq.com', endpoint: 'http://127.0.0.1:8428/dd?tenant=a' } }).url).toBe(
      'http://127.0.0.1:8428/dd/api/v2/series?tenant=a',
    );
  });

  it('authenticates remote write with basic auth or a header', () => {
    expect(
      targetOf({ type: 'prometheus_remote_write', configuration: { endpoint: 'https://m/api/v1/push', auth_type: 'basic', username: 'u', password: 'p' } }).headers,
    ).toEqual({ Authorization: 'Basic dTpw' });
    expect(
      targetOf({
        type: 'prometheus_remote_write',
        configuration: { endpoint: 'https://m/api/v1/push', auth_type: 'api_key', api_key: 't', auth_header_name: 'X-Scope-OrgID' },
      }).headers,
    ).toEqual({ 'X-Scope-OrgID': 't' });
  });

  it('lets an OTLP stream choose delta temporality', () => {
    const delta: Destination = { type: 'otlp', configuration: { endpoint: 'https://otlp.nr-data.net', protocol: 'http', auth_type: 'none', temporality: 'delta' } };
    expect(targetOf(delta).temporality).toBe('delta');
  });
});
