import { describe, expect, it } from 'vitest';
import { StreamApiError } from '../../src/streams/errors.js';
import type { MetricStream } from '../../src/streams/resource.js';
import { applyPatch, isLoopback, parseNewStream } from '../../src/streams/validation.js';

const base = { name: 's', subscriptions: [{ metric_type: 'am.cts' }] };
const otlp = (configuration: Record<string, unknown>) => ({
  ...base,
  destination: { type: 'otlp', configuration: { endpoint: 'https://otlp.nr-data.net', ...configuration } },
});
const rw = (configuration: Record<string, unknown>) => ({
  ...base,
  destination: { type: 'prometheus_remote_write', configuration: { endpoint: 'https://mimir/api/v1/push', ...configuration } },
});

function problem(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof StreamApiError)) throw error;
    expect(error.statusCode).toBe(400);
    return error.message;
  }
}

describe('parseNewStream', () => {
  it.each([
    ['an OTLP key without auth_type api_key', otlp({ auth_type: 'none', api_key: 'k' }), 'destination.configuration.api_key'],
    ['api_key auth without a header name', otlp({ auth_type: 'api_key', api_key: 'k' }), 'Missing required property: auth_header_name'],
    ['a header the delivery sets itself', otlp({ api_key: 'k', auth_header_name: 'Content-Type' }), 'set by the delivery itself'],
    ['a protocol other than http', otlp({ protocol: 'grpc' }), 'destination.configuration.protocol'],
    ['an unknown temporality', otlp({ temporality: 'both' }), 'destination.configuration.temporality'],
    ['a secret with a line break', otlp({ api_key: 'a\r\nX-Evil: 1', auth_header_name: 'api-key' }), 'not allowed in an HTTP header'],
    ['credentials in the URL', otlp({ endpoint: 'https://user:pw@otlp.nr-data.net' }), 'Credentials belong in the configuration'],
    ['an ftp URL', otlp({ endpoint: 'ftp://otlp.nr-data.net' }), 'Expected an http or https URL'],
    ['basic auth without a password', rw({ username: 'u' }), 'Missing required property: password'],
    ['a username with a colon', rw({ username: 'a:b', password: 'p' }), 'may not contain ":"'],
    ['basic auth with a header too', rw({ username: 'u', password: 'p', api_key: 'k' }), 'not allowed with auth_type basic'],
    [
      'a duplicate subscription',
      { ...otlp({}), subscriptions: [{ metric_type: 'metrics_bridge.api_request' }, { metric_type: 'auth0.api_request.count' }] },
      'Duplicate subscription',
    ],
    ['an empty subscription list', { ...otlp({}), subscriptions: [] }, 'on property subscriptions'],
    ['a tag filter with both lists', { ...otlp({}), tags: { allow: ['a'], deny: ['b'] } }, 'Expected exactly one of allow, deny'],
    ['a series cap of 0', { ...otlp({}), max_series: 0 }, 'on property max_series'],
    [
      'an OTLP body limit under 64 KiB',
      otlp({ max_request_bytes: 65_535 }),
      "'Expected an integer from 65536 to 67108864' on property destination.configuration.max_request_bytes",
    ],
    ['an OTLP body limit over 64 MiB', otlp({ max_request_bytes: 67_108_865 }), 'on property destination.configuration.max_request_bytes'],
    ['a body limit given as text', otlp({ max_request_bytes: '1048576' }), 'on property destination.configuration.max_request_bytes'],
    ['a fractional body limit', rw({ max_request_bytes: 1_048_576.5 }), 'on property destination.configuration.max_request_bytes'],
    [
      'a body limit on a Datadog stream',
      { ...base, destination: { type: 'datadog', configuration: { api_key: 'k', site: 'datadoghq.com', max_request_bytes: 100_000 } } },
      'Additional properties not allowed: max_request_bytes',
    ],
    ['a name too long', { ...otlp({}), name: 'x'.repeat(129) }, 'on property name'],
    ['an array body', [], 'Expected type object but found type array'],
  ])('refuses %s', (_case, body, message) => {
    expect(problem(() => parseNewStream(body))).toContain(message);
  });

  it.each([65_536, 4_194_304, 67_108_864])('keeps a body limit of %i bytes on OTLP and remote-write streams', (bytes) => {
    expect(parseNewStream(otlp({ max_request_bytes: bytes })).destination.configuration).toMatchObject({ max_request_bytes: bytes });
    expect(parseNewStream(rw({ max_request_bytes: bytes, username: 'u', password: 'p' })).destination.configuration).toMatchObject({ max_request_bytes: bytes });
    expect(parseNewStream(rw({ max_request_bytes: bytes })).destination.configuration).toMatchObject({ max_request_bytes: bytes });
  });

  it('infers auth types and keeps what it was given', () => {
    expect(parseNewStream(otlp({})).destination.configuration).toEqual({ endpoint: 'https://otlp.nr-data.net', protocol: 'http', auth_type: 'none' });
    expect(parseNewStream(rw({ api_key: 't', auth_header_name: 'X-Scope-OrgID' })).destination.configuration).toMatchObject({ auth_type: 'api_key' });
    expect(parseNewStream({ ...otlp({}), tags: { deny: ['client_id'] }, max_series: 50 })).toMatchObject({
      status: 'enabled',
      tags: { deny: ['client_id'] },
      max_series: 50,
    });
  });
});

describe('applyPatch', () => {
  const stored: MetricStream = {
    id: 'mst_x',
    name: 's',
    status: 'enabled',
    subscriptions: [{ metric_type: 'am.cts' }],
    tags: { deny: ['client_id'] },
    max_series: 10,
    destination: { type: 'prometheus_remote_write', configuration: { endpoint: 'https://mimir/api/v1/push', auth_type: 'basic', username: 'u', password: 'secret' } },
    created_at: '',
    updated_at: '',
  };

  it('keeps a secret sent as ***, resets tags and the cap with null, and checks the result as a whole', () => {
    const patched = applyPatch(stored, { tags: null, max_series: null, destination: { configuration: { password: '***', username: 'v' } } });
    expect(patched).toEqual({
      name: 's',
      status: 'enabled',
      subscriptions: stored.subscriptions,
      destination: { type: 'prometheus_remote_write', configuration: { endpoint: 'https://mimir/api/v1/push', auth_type: 'basic', username: 'v', password: 'secret' } },
    });
  });

  it('needs a whole new configuration, without ***, when the destination type changes', () => {
    expect(problem(() => applyPatch(stored, { destination: { type: 'datadog', configuration: { api_key: '***', site: 'datadoghq.com' } } }))).toMatch(
      /mask of a stored secret|none is stored/,
    );
    expect(applyPatch(stored, { destination: { type: 'datadog', configuration: { api_key: 'k', site: 'datadoghq.com' } } }).destination).toEqual({
      type: 'datadog',
      configuration: { api_key: 'k', site: 'datadoghq.com' },
    });
  });

  // Secrets are answered only as ***; keeping them for another host would hand them to whoever runs it.
  // Datadog's own sites count as one host: they are all Datadog's.
  it('keeps stored secrets only while requests go to the same host', () => {
    const endpointPatch = (configuration: Record<string, unknown>) => applyPatch(stored, { destination: { configuration } }).destination.configuration;
    expect(endpointPatch({ endpoint: 'https://mimir/prom/push' })).toMatchObject({ endpoint: 'https://mimir/prom/push', password: 'secret' });
    for (const moved of [{ endpoint: 'https://attacker.example/api/v1/push' }, { endpoint: 'https://mimir:8443/api/v1/push', password: '***' }]) {
      expect(problem(() => endpointPatch(moved))).toMatch(/another host.*send it again.*destination\.configuration\.password/);
    }
    expect(endpointPatch({ endpoint: 'https://mimir.example/api/v1/push', password: 'new' })).toMatchObject({ password: 'new', username: 'u' });
    const datadogStored: MetricStream = { ...stored, destination: { type: 'datadog', configuration: { api_key: 'dd-key', site: 'datadoghq.eu' } } };
    const datadogPatch = (configuration: Record<string, unknown>) => applyPatch(datadogStored, { destination: { configuration } }).destination.configuration;
    expect(datadogPatch({ site: 'app.datadoghq.eu', api_key: '***' })).toMatchObject({ api_key: 'dd-key', site: 'datadoghq.eu' });
    expect(datadogPatch({ site: 'datadoghq.com', api_key: '***' })).toMatchObject({ api_key: 'dd-key', site: 'datadoghq.com' });
    expect(problem(() => datadogPatch({ endpoint: 'https://attacker.example' }))).toMatch(/another host.*api_key/);
    expect(datadogPatch({ endpoint: 'https://intake.example', api_key: 'proxy-key' })).toMatchObject({ api_key: 'proxy-key', endpoint: 'https://intake.example' });
  });

  it("switches auth_type with a PATCH naming the new one: the old type's credentials are dropped, the new ones required", () => {
    const patch = (configuration: Record<string, unknown>) => applyPatch(stored, { destination: { configuration } }).destination.configuration;
    expect(patch({ auth_type: 'none' })).toEqual({ endpoint: 'https://mimir/api/v1/push', auth_type: 'none' });
    expect(patch({ auth_type: 'api_key', api_key: 'k', auth_header_name: 'X-Scope-OrgID' })).toEqual({
      endpoint: 'https://mimir/api/v1/push',
      auth_type: 'api_key',
      api_key: 'k',
      auth_header_name: 'X-Scope-OrgID',
    });
    expect(problem(() => patch({ auth_type: 'api_key', auth_header_name: 'X-Scope-OrgID' }))).toContain('Missing required property: api_key');
    expect(problem(() => patch({ auth_type: 'api_key', api_key: '***', auth_header_name: 'X-Scope-OrgID' }))).toContain('none is stored');
    const otlpStored: MetricStream = {
      ...stored,
      destination: {
        type: 'otlp',
        configuration: { endpoint: 'https://otlp.nr-data.net', protocol: 'http', auth_type: 'api_key', api_key: 'k', auth_header_name: 'api-key' },
      },
    };
    expect(applyPatch(otlpStored, { destination: { configuration: { auth_type: 'none' } } }).destination.configuration).toEqual({
      endpoint: 'https://otlp.nr-data.net',
      protocol: 'http',
      auth_type: 'none',
    });
  });

  // Without it a Datadog stream once pointed at a proxy could never go back to its site, short of
  // deleting it (and losing its id and health).
  it('removes an optional configuration field given as null, as JSON Merge Patch does', () => {
    const datadogStored: MetricStream = {
      ...stored,
      destination: { type: 'datadog', configuration: { api_key: 'proxy-key', site: 'datadoghq.eu', endpoint: 'https://intake.example' } },
    };
    const datadogPatch = (configuration: Record<string, unknown>) => applyPatch(datadogStored, { destination: { configuration } }).destination.configuration;
    expect(datadogPatch({ endpoint: null, api_key: 'dd-key' })).toEqual({ api_key: 'dd-key', site: 'datadoghq.eu' });
    expect(problem(() => datadogPatch({ endpoint: null }))).toMatch(/another host.*api_key/);
    expect(problem(() => datadogPatch({ site: null }))).toContain('Missing required property: site');
    const otlpStored: MetricStream = {
      ...stored,
      destination: { type: 'otlp', configuration: { endpoint: 'https://otlp.nr-data.net', protocol: 'http', auth_type: 'none', temporality: 'delta' } },
    };
    expect(applyPatch(otlpStored, { destination: { configuration: { temporality: null } } }).destination.configuration).toEqual({
      endpoint: 'https://otlp.nr-data.net',
      protocol: 'http',
      auth_type: 'none',
    });
  });

  it('refuses read-only and unknown fields', () => {
    expect(problem(() => applyPatch(stored, { id: 'mst_other' }))).toContain('Additional properties not allowed: id');
    expect(problem(() => applyPatch(stored, { delivery_health: {} }))).toContain('Additional properties not allowed: delivery_health');
  });
});

describe('isLoopback', () => {
  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['[::1]', true],
    ['10.0.0.1', false],
    ['127.example.com', false],
    ['localhost.evil.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});
