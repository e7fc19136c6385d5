// The management API over a real socket, with the request bodies of Auth0's metric streams document.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Registry } from '../../src/index.js';
import { DEFAULT_MAX_AUTH_FAILURES } from '../../src/http/auth-throttle.js';
import { ServerConfigError } from '../../src/http/errors.js';
import { DEFAULT_MAX_STREAMS, ManagementApi, type StreamChange } from '../../src/streams/management-api.js';
import { createMetricStreams } from '../../src/streams/service.js';
import { StreamStore } from '../../src/streams/store.js';
import { serve } from '../server/helpers.js';
import { ManualClock } from '../support/manual-clock.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are JSON, read field by field in assertions
type Json = any;

const TOKEN = 'admin-token-for-tests';
const PATH = '/api/v2/metric-streams';

/** The document's Datadog stream, verbatim but for the placeholders. */
const DATADOG = {
  name: 'datadog-stream',
  subscriptions: [{ metric_type: 'metrics_bridge.api_request' }],
  destination: { type: 'datadog', configuration: { api_key: 'dd-secret', site: 'app.datadoghq.com' } },
};
/** The document's three OTLP streams: Grafana Cloud, New Relic, Splunk. */
const OTLP = [
  ['grafana', 'https://otlp-gateway-prod-eu-west-2.grafana.net/otlp', 'Basic Z3JhZmFuYTp0b2tlbg==', 'Authorization'],
  ['newrelic', 'https://otlp.nr-data.net', 'nr-ingest-key', 'api-key'],
  ['splunk', 'https://ingest.us1.signalfx.com/v2/datapoint/otlp', 'sf-token', 'X-SF-TOKEN'],
].map(([name, endpoint, apiKey, header]) => ({
  name,
  subscriptions: [{ metric_type: 'metrics_bridge.api_request' }],
  destination: { type: 'otlp', configuration: { endpoint, protocol: 'http', auth_type: 'api_key', api_key: apiKey, auth_header_name: header } },
}));

async function setup(options: { allowInsecureHttp?: boolean; maxStreams?: number } = {}) {
  const clock = new ManualClock();
  const store = StreamStore.open(':memory:');
  onTestFinished(() => store.close());
  const changes: StreamChange[] = [];
  const api = new ManagementApi({ adminToken: TOKEN, store, clock, onChange: (c) => changes.push(c), ...options });
  const server = await serve({ source: new Registry(), streams: api });
  const call = async (method: string, path: string, body?: unknown, token: string | null = TOKEN) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Json), headers: response.headers };
  };
  return { clock, store, changes, call, server };
}

describe('metric streams management API', () => {
  it("creates the document's Datadog stream: 201, mst_ id, secret masked, site without app.", async () => {
    const { call, changes } = await setup();
    const created = await call('POST', PATH, DATADOG);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'enabled',
      name: 'datadog-stream',
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
      destination: { type: 'datadog', configuration: { api_key: '***', site: 'datadoghq.com' } },
      delivery_health: { points_sent: 0, points_dropped: 0, last_error: null },
    });
    expect(created.body.id).toMatch(/^mst_[1-9A-HJ-NP-Za-km-z]{22}$/);
    expect(JSON.stringify(created.body)).not.toContain('dd-secret');
    expect(changes).toHaveLength(1);
  });

  it("creates the document's Grafana Cloud, New Relic and Splunk streams and lists them", async () => {
    const { call } = await setup();
    for (const stream of OTLP) expect((await call('POST', PATH, stream)).status).toBe(201);
    const listed = await call('GET', PATH);
    expect(listed.body.map((s: Json) => [s.name, s.destination.configuration.api_key, s.destination.configuration.auth_header_name])).toEqual([
      ['grafana', '***', 'Authorization'],
      ['newrelic', '***', 'api-key'],
      ['splunk', '***', 'X-SF-TOKEN'],
    ]);
  });

  it("disables a stream with the document's PATCH, keeps a secret sent as ***, and deletes it", async () => {
    const { call, store, clock } = await setup();
    const {
      body: { id },
    } = await call('POST', PATH, DATADOG);
    clock.advance({ minutes: 1 });
    const patched = await call('PATCH', `${PATH}/${id}`, { status: 'disabled' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: 'disabled', updated_at: '2026-01-01T00:01:00.000Z', destination: { configuration: { api_key: '***' } } });
    await call('PATCH', `${PATH}/${id}`, { destination: { configuration: { api_key: '***', site: 'datadoghq.eu' } } });
    expect(store.get(id)?.destination.configuration).toEqual({ api_key: 'dd-secret', site: 'datadoghq.eu' });
    await call('PATCH', `${PATH}/${id}`, { destination: { configuration: { api_key: 'rotated' } } });
    expect(store.get(id)?.destination.configuration).toMatchObject({ api_key: 'rotated' });
    expect((await call('DELETE', `${PATH}/${id}`)).status).toBe(204);
    expect((await call('GET', `${PATH}/${id}`)).body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'The metric stream does not exist.',
      errorCode: 'inexistent_metric_stream',
    });
  });

  it('pages with from/take and next', async () => {
    const { call } = await setup();
    for (const name of ['a', 'b', 'c']) await call('POST', PATH, { ...DATADOG, name });
    const first = await call('GET', `${PATH}?take=2`);
    expect(first.body.metric_streams.map((s: Json) => s.name)).toEqual(['a', 'b']);
    const second = await call('GET', `${PATH}?take=2&from=${first.body.next}`);
    expect(second.body).toMatchObject({ metric_streams: [{ name: 'c' }] });
    expect(second.body.next).toBeUndefined();
    expect((await call('GET', `${PATH}?take=0`)).status).toBe(400);
    expect((await call('GET', `${PATH}?from=mst_unknown`)).status).toBe(400);
  });

  it('goes on paging after the stream that would start the next page was deleted', async () => {
    const { call } = await setup();
    const ids: Record<string, string> = {};
    for (const name of ['a', 'b', 'c', 'd']) ids[name] = (await call('POST', PATH, { ...DATADOG, name })).body.id;
    const first = await call('GET', `${PATH}?take=2`);
    expect((await call('DELETE', `${PATH}/${ids.c}`)).status).toBe(204);
    const second = await call('GET', `${PATH}?take=2&from=${first.body.next}`);
    expect(second.status).toBe(200);
    expect(second.body.metric_streams.map((s: Json) => s.name)).toEqual(['d']);
    expect(second.body.next).toBeUndefined();
  });

  it.each([
    ['an unknown field', { ...DATADOG, colour: 'red' }, "Payload validation error: 'Additional properties not allowed: colour'."],
    [
      'an unknown configuration field',
      { ...DATADOG, destination: { type: 'datadog', configuration: { api_key: 'k', site: 'datadoghq.com', region: 'x' } } },
      'on property destination.configuration.',
    ],
    ['a bad status', { ...DATADOG, status: 'paused' }, 'No enum match for: "paused"'],
    ['a bad destination type', { ...DATADOG, destination: { type: 'splunk', configuration: {} } }, 'on property destination.type.'],
    [
      'an unknown site',
      { ...DATADOG, destination: { type: 'datadog', configuration: { api_key: 'k', site: 'datadog.example' } } },
      'on property destination.configuration.site.',
    ],
    ['an unknown subscription', { ...DATADOG, subscriptions: [{ metric_type: 'am.everything' }] }, 'on property subscriptions[0].metric_type.'],
    [
      'a bad URL',
      { ...OTLP[1], destination: { type: 'otlp', configuration: { ...OTLP[1]!.destination.configuration, endpoint: 'not a url' } } },
      'Expected a valid absolute URL',
    ],
    [
      'plain http to a remote host',
      { ...OTLP[1], destination: { type: 'otlp', configuration: { ...OTLP[1]!.destination.configuration, endpoint: 'http://otlp.nr-data.net' } } },
      'only allowed for loopback',
    ],
    [
      'a bad header name',
      { ...OTLP[1], destination: { type: 'otlp', configuration: { ...OTLP[1]!.destination.configuration, auth_header_name: 'api key' } } },
      'not a valid HTTP header name',
    ],
    ['the mask as a new secret', { ...DATADOG, destination: { type: 'datadog', configuration: { api_key: '***', site: 'datadoghq.com' } } }, 'mask of a stored secret'],
    ['a missing destination', { name: 'x', subscriptions: [{ metric_type: 'am.cts' }] }, 'Missing required property: destination'],
    ['malformed JSON', '{"name": ', 'Invalid request payload JSON format.'],
  ])("answers 400 with Auth0's error body for %s", async (_case, body, message) => {
    const { call, changes } = await setup();
    const answer = await call('POST', PATH, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errorCode: 'invalid_body' });
    expect(answer.body.message).toContain(message);
    expect(changes).toHaveLength(0);
  });

  it('reads a body sent without a JSON content type, as curl --data sends it', async () => {
    const { server } = await setup();
    const response = await fetch(`${server.url}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify(DATADOG),
    });
    expect(response.status).toBe(201);
  });

  it.each([
    ['gzip that does not inflate', { 'content-encoding': 'gzip' }, JSON.stringify(DATADOG), 400, 'invalid_body'],
    ['deflate that does not inflate', { 'content-encoding': 'deflate' }, JSON.stringify(DATADOG), 400, 'invalid_body'],
    ['brotli that does not decompress', { 'content-encoding': 'br' }, JSON.stringify(DATADOG), 400, 'invalid_body'],
    ['an unknown content encoding', { 'content-encoding': 'x-unknown' }, JSON.stringify(DATADOG), 415, 'unsupported_media_type'],
    ['an unsupported charset', { 'content-type': 'application/json; charset=koi8-r' }, JSON.stringify(DATADOG), 415, 'unsupported_media_type'],
    ['a body over 64 kB', {}, JSON.stringify({ ...DATADOG, name: 'x'.repeat(70_000) }), 413, 'payload_too_large'],
    ['a body that is not JSON', {}, '{"name":', 400, 'invalid_body'],
  ])('answers %s with Auth0 error %i, not a 500', async (_case, headers, body, status, errorCode) => {
    const { server, changes } = await setup();
    const response = await fetch(`${server.url}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      body,
    });
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ statusCode: status, errorCode });
    expect(changes).toHaveLength(0);
  });

  it('answers an id with a malformed percent-encoding with 400 invalid_uri, not a 500', async () => {
    const { call } = await setup();
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const answer = await call(method, `${PATH}/%zz`, method === 'PATCH' ? { status: 'disabled' } : undefined);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errorCode: 'invalid_uri' });
    }
  });

  it("refuses a stream beyond maxStreams with 403 and Auth0's error body, and takes one again after a delete", async () => {
    const { call, changes } = await setup({ maxStreams: 2 });
    const ids: string[] = [];
    for (const name of ['a', 'b']) ids.push((await call('POST', PATH, { ...DATADOG, name })).body.id);
    await call('PATCH', `${PATH}/${ids[1]}`, { status: 'disabled' }); // a disabled stream counts: a PATCH may enable it
    const refused = await call('POST', PATH, { ...DATADOG, name: 'c' });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'No more than 2 metric streams may exist; delete one first.',
      errorCode: 'too_many_metric_streams',
    });
    expect((await call('GET', PATH)).body.map((s: Json) => s.name)).toEqual(['a', 'b']);
    expect(changes.filter((c) => c.kind === 'saved' && c.stream.name === 'c')).toEqual([]);
    // A body that breaks the schema is still told so, rather than about the limit.
    expect((await call('POST', PATH, { ...DATADOG, name: 'c', colour: 'red' })).status).toBe(400);
    expect((await call('DELETE', `${PATH}/${ids[0]}`)).status).toBe(204);
    expect((await call('POST', PATH, { ...DATADOG, name: 'c' })).status).toBe(201);
  });

  it('counts the streams a store kept from an earlier run against maxStreams, and has a default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-metrics-max-streams-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const storeFile = join(dir, 'streams.db');
    const create = (streams: ReturnType<typeof createMetricStreams>, name: string) =>
      streams.api.handle({ method: 'POST', query: {}, authorization: `Bearer ${TOKEN}`, body: { ...DATADOG, name } }).status;
    const first = createMetricStreams({ registry: new Registry(), storeFile, adminToken: TOKEN });
    const created = Array.from({ length: DEFAULT_MAX_STREAMS + 1 }, (_, i) => create(first, `s${i}`));
    expect(created.filter((status) => status === 201)).toHaveLength(DEFAULT_MAX_STREAMS);
    expect(created.at(-1)).toBe(403);
    first.stop();
    const second = createMetricStreams({ registry: new Registry(), storeFile, adminToken: TOKEN, maxStreams: DEFAULT_MAX_STREAMS + 1 });
    onTestFinished(() => second.stop());
    expect(create(second, 'one-more')).toBe(201);
    expect(create(second, 'two-more')).toBe(403);
  });

  it.each([[0], [1.5], [Number.NaN]])('refuses maxStreams %s with ServerConfigError naming it, before the store opens', (maxStreams) => {
    const dir = mkdtempSync(join(tmpdir(), 'am-metrics-max-streams-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const storeFile = join(dir, 'streams.db');
    expect(() => createMetricStreams({ registry: new Registry(), storeFile, adminToken: TOKEN, maxStreams })).toThrow(/^maxStreams: must be a whole number >= 1/);
    expect(existsSync(storeFile)).toBe(false);
  });

  it('answers 409 for a duplicate name, on create and on rename', async () => {
    const { call } = await setup();
    await call('POST', PATH, DATADOG);
    const {
      body: { id },
    } = await call('POST', PATH, { ...DATADOG, name: 'other' });
    expect((await call('POST', PATH, DATADOG)).body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect((await call('PATCH', `${PATH}/${id}`, { name: DATADOG.name })).status).toBe(409);
  });

  // Deleting a stream would not let a duplicate in: the client is told about the name, which it can fix.
  it('answers 409 for a duplicate name at the stream cap, where other creates get 403', async () => {
    const { call } = await setup({ maxStreams: 1 });
    expect((await call('POST', PATH, DATADOG)).status).toBe(201);
    expect((await call('POST', PATH, DATADOG)).body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: `A metric stream named "${DATADOG.name}" already exists.`,
      errorCode: 'metric_stream_conflict',
    });
    expect((await call('POST', PATH, { ...DATADOG, name: 'other' })).body).toMatchObject({ statusCode: 403, errorCode: 'too_many_metric_streams' });
    expect((await call('POST', PATH, { ...DATADOG, colour: 'red' })).status).toBe(400); // validation first
  });

  it('accepts http:// to loopback always and to other hosts only when allowed; the aliases of api_request', async () => {
    const loopback = {
      name: 'rw',
      subscriptions: [{ metric_type: 'auth0.api_response.count' }, { metric_type: 'am.cts' }],
      destination: { type: 'prometheus_remote_write', configuration: { endpoint: 'http://127.0.0.1:8428/api/v1/write', username: 'u', password: 'p' } },
    };
    const { call } = await setup();
    const created = await call('POST', PATH, loopback);
    expect(created.body).toMatchObject({
      subscriptions: [{ metric_type: 'metrics_bridge.api_request' }, { metric_type: 'am.cts' }],
      destination: { configuration: { auth_type: 'basic', username: 'u', password: '***' } },
    });
    const remote = { ...loopback, name: 'remote', destination: { type: 'prometheus_remote_write', configuration: { endpoint: 'http://mimir.internal/api/v1/push' } } };
    expect((await call('POST', PATH, remote)).status).toBe(400);
    const permissive = await setup({ allowInsecureHttp: true });
    expect((await permissive.call('POST', PATH, remote)).status).toBe(201);
  });

  it('answers 401 without the admin token or with a wrong one, and 404 for unknown ids', async () => {
    const { call } = await setup();
    const missing = await call('GET', PATH, undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await call('GET', PATH, undefined, 'wrong')).body).toMatchObject({ statusCode: 401, errorCode: 'invalid_token' });
    expect((await call('PATCH', `${PATH}/mst_1111111111111111111111`, { status: 'disabled' })).status).toBe(404);
    expect((await call('DELETE', `${PATH}/mst_1111111111111111111111`)).status).toBe(404);
  });

  // As the scrape paths do: a token guessed from one address is refused after DEFAULT_MAX_AUTH_FAILURES
  // failures a window, while the right token is always served.
  it('answers 429 with Retry-After to an address that sent wrong tokens too often, and still serves the right one', async () => {
    const { call, clock } = await setup();
    for (let i = 0; i < DEFAULT_MAX_AUTH_FAILURES; i += 1) expect((await call('GET', PATH, undefined, `guess-${i}`)).status).toBe(401);
    const refused = await call('GET', PATH, undefined, 'one-more-guess');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Too many failed authentications; try again later.',
      errorCode: 'too_many_requests',
    });
    expect(refused.headers.get('retry-after')).toBe('60');
    expect((await call('GET', PATH)).status).toBe(200);
    clock.advance({ seconds: 60 });
    expect((await call('GET', PATH, undefined, 'another-guess')).status).toBe(401);
  });

  it('keeps the admin token apart from the scrape credentials', async () => {
    const store = StreamStore.open(':memory:');
    onTestFinished(() => store.close());
    const api = new ManagementApi({ adminToken: TOKEN, store, clock: new ManualClock() });
    const server = await serve({ source: new Registry(), streams: api, auth: { bearerToken: 'scrape-token-0123456789' } });
    const get = (path: string, token: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get(PATH, TOKEN)).status).toBe(200);
    expect((await get(PATH, 'scrape-token-0123456789')).status).toBe(401);
    expect((await get('/metrics/prometheus/0.0.4', TOKEN)).status).toBe(401);
    expect((await get('/metrics/prometheus/0.0.4', 'scrape-token-0123456789')).status).toBe(200);
  });

  // The CLI's rule for METRICS_ADMIN_TOKEN, for a token set in code too: failed attempts are not
  // throttled, so a short token could be guessed.
  it.each([
    ['an empty token', ''],
    ['a token of 15 characters', 'e2e-admin-token'],
    ['no token', undefined],
  ])('refuses %s with ServerConfigError naming adminToken', (_case, adminToken) => {
    const store = StreamStore.open(':memory:');
    onTestFinished(() => store.close());
    expect(() => new ManagementApi({ adminToken: adminToken as string, store, clock: new ManualClock() })).toThrow(ServerConfigError);
    expect(() => new ManagementApi({ adminToken: adminToken as string, store, clock: new ManualClock() })).toThrow(/^adminToken: /);
    expect(new ManagementApi({ adminToken: 'a'.repeat(16), store, clock: new ManualClock() })).toBeInstanceOf(ManagementApi);
  });

  it('refuses a short token in createMetricStreams before it creates the store file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-metrics-token-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const storeFile = join(dir, 'streams.db');
    expect(() => createMetricStreams({ registry: new Registry(), storeFile, adminToken: 'short-token' })).toThrow(ServerConfigError);
    expect(existsSync(storeFile)).toBe(false);
  });

  it('refuses a logger that is not a function before the store opens, since a failed tick would reject unhandled', () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-metrics-logger-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const storeFile = join(dir, 'streams.db');
    expect(() => createMetricStreams({ registry: new Registry(), storeFile, adminToken: TOKEN, logger: console as never })).toThrow(
      /^logger: must be a function taking one line, got an object$/,
    );
    expect(existsSync(storeFile)).toBe(false);
  });

  it('answers 404 on its paths when no streams API is configured', async () => {
    const server = await serve({ source: new Registry() });
    expect((await fetch(`${server.url}${PATH}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });
});
