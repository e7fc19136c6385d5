import { describe, expect, it } from 'vitest';
import type { AuthOptions } from '../../src/http/auth.js';
import { ServerConfigError } from '../../src/http/errors.js';
import { createMetricsRouter } from '../../src/server.js';
import { amLivePage } from '../../src/metrics/page/live-page.js';
import { ManualClock } from '../support/manual-clock.js';
import { basic, PROTECTED_PATHS, rawRequest, sampleRegistry, serve } from './helpers.js';

const BASIC: AuthOptions = { basic: { username: 'prometheus', password: 's3cret:with colon' } };
const BEARER: AuthOptions = { bearerToken: 'tok-123.abc-456.def' };
const BOTH: AuthOptions = { ...BASIC, ...BEARER };
const GOOD_BASIC = basic('prometheus', 's3cret:with colon');
const GOOD_BEARER = 'Bearer tok-123.abc-456.def';
const BASIC_CHALLENGE = 'Basic realm="am-metrics", charset="UTF-8"';
const BEARER_CHALLENGE = 'Bearer realm="am-metrics"';

describe('metrics access control', () => {
  it.each([
    // config, name, Authorization, status, challenges on 401
    [undefined, 'no auth', undefined, 200, []],
    [undefined, 'no auth', 'Basic Zm9vOmJhcg==', 200, []],
    [BASIC, 'basic', undefined, 401, [BASIC_CHALLENGE]],
    [BASIC, 'basic', GOOD_BASIC, 200, []],
    [BASIC, 'basic', `basic  ${GOOD_BASIC.slice(6)}`, 200, []],
    [BASIC, 'basic', basic('prometheus', 'wrong'), 401, [BASIC_CHALLENGE]],
    [BASIC, 'basic', basic('Prometheus', 's3cret:with colon'), 401, [BASIC_CHALLENGE]],
    [BASIC, 'basic', basic('prometheus', 's3cret:with colon '), 401, [BASIC_CHALLENGE]],
    [BASIC, 'basic', 'Basic !!!', 401, [BASIC_CHALLENGE]],
    [BASIC, 'basic', GOOD_BEARER, 401, [BASIC_CHALLENGE]],
    [BEARER, 'bearer', undefined, 401, [BEARER_CHALLENGE]],
    [BEARER, 'bearer', GOOD_BEARER, 200, []],
    [BEARER, 'bearer', 'bearer tok-123.abc-456.def', 200, []],
    [BEARER, 'bearer', 'Bearer tok-123.abc-456.deg', 401, [BEARER_CHALLENGE]],
    [BEARER, 'bearer', 'Bearer tok-123.abc-456.def.', 401, [BEARER_CHALLENGE]],
    [BEARER, 'bearer', GOOD_BASIC, 401, [BEARER_CHALLENGE]],
    [BOTH, 'basic + bearer', GOOD_BASIC, 200, []],
    [BOTH, 'basic + bearer', GOOD_BEARER, 200, []],
    [BOTH, 'basic + bearer', undefined, 401, [BASIC_CHALLENGE, BEARER_CHALLENGE]],
  ] as const)('with %s (%s), Authorization %s gets %i', async (auth, _name, authorization, status, challenges) => {
    const server = await serve({ source: sampleRegistry(), page: amLivePage, ...(auth === undefined ? {} : { auth }) });
    for (const path of PROTECTED_PATHS) {
      const res = await rawRequest(server.url + path, { headers: authorization === undefined ? {} : { authorization } });
      expect(res.status, path).toBe(status);
      const header = res.headers['www-authenticate'];
      expect(header === undefined ? [] : String(header).split(/, (?=Basic|Bearer)/)).toEqual(challenges);
      if (status === 401) expect(res.body.toString()).toBe('Unauthorized\n');
    }
  });

  it.each([
    '/Monitoring/prometheus/am',
    '/monitoring/prometheus/am/',
    '/MONITORING/PROMETHEUS/AM//',
    '//metrics/prometheus',
    '/metrics/prometheus/0.0.4/.',
    '/metrics/x/../prometheus',
    '/json/metrics/%61pi',
    '/Json/Metrics/Api/',
    '/json/metrics/api/no.such.id',
    '/json/metrics/api/am_x.success/more',
  ])('%s needs credentials too, then is 404', async (path) => {
    const server = await serve({ source: sampleRegistry(), auth: BASIC });
    const anonymous = await rawRequest(server.url + path);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe(BASIC_CHALLENGE);
    const authorized = await rawRequest(server.url + path, { headers: { authorization: GOOD_BASIC } });
    expect(authorized.status).toBe(404);
  });

  it.each([
    // config, x-api-key, x-api-secret, Authorization, status
    [BASIC, 'prometheus', 's3cret:with colon', undefined, 200],
    [BOTH, 'prometheus', 's3cret:with colon', undefined, 200],
    [BASIC, 'prometheus', 'wrong', undefined, 401],
    [BASIC, 'Prometheus', 's3cret:with colon', undefined, 401],
    [BASIC, 'prometheus', undefined, undefined, 401],
    [BASIC, undefined, 's3cret:with colon', undefined, 401],
    [BASIC, '', '', undefined, 401],
    [BEARER, 'prometheus', 's3cret:with colon', undefined, 401],
    [BEARER, 'prometheus', 's3cret:with colon', GOOD_BEARER, 200],
    // An Authorization header, when sent, is what counts.
    [BASIC, 'prometheus', 's3cret:with colon', basic('prometheus', 'wrong'), 401],
    [BASIC, 'prometheus', 'wrong', GOOD_BASIC, 200],
  ] as const)('with %j, x-api-key %j and x-api-secret %j (Authorization %s) gets %i', async (auth, key, secret, authorization, status) => {
    const server = await serve({ source: sampleRegistry(), auth, authThrottle: { maxFailures: 100 } });
    const headers = Object.fromEntries(
      [
        ['x-api-key', key],
        ['x-api-secret', secret],
        ['authorization', authorization],
      ].filter(([, value]) => value !== undefined),
    ) as Record<string, string>;
    for (const path of ['/monitoring/prometheus/am', '/json/metrics/api']) {
      expect((await rawRequest(server.url + path, { headers })).status, path).toBe(status);
    }
  });

  it('throttles failed API key attempts as it throttles Basic ones', async () => {
    const server = await serve({ source: sampleRegistry(), auth: BASIC, authThrottle: { maxFailures: 2, windowMs: 60_000 } });
    const url = `${server.url}/metrics/prometheus`;
    for (let i = 0; i < 2; i += 1) {
      expect((await rawRequest(url, { headers: { 'x-api-key': 'prometheus', 'x-api-secret': `guess${i}` } })).status).toBe(401);
    }
    expect((await rawRequest(url, { headers: { 'x-api-key': 'prometheus', 'x-api-secret': 'guess2' } })).status).toBe(429);
    expect((await rawRequest(url, { headers: { authorization: basic('prometheus', 'guess3') } })).status).toBe(429);
    // Valid credentials are always served, whichever way they are sent.
    expect((await rawRequest(url, { headers: { authorization: GOOD_BASIC } })).status).toBe(200);
    expect((await rawRequest(url, { headers: { 'x-api-key': 'prometheus', 'x-api-secret': 's3cret:with colon' } })).status).toBe(200);
  });

  it.each(['http://127.0.0.1/monitoring/prometheus/am', 'HTTP://evil/json/metrics/api?_queryFilter=true', 'http://x/metrics/prometheus?'])(
    'needs credentials for the absolute-form request target %s, which the router serves by its path',
    async (target) => {
      const server = await serve({ source: sampleRegistry(), auth: BEARER });
      const anonymous = await rawRequest(server.url + target);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.toString()).toBe('Unauthorized\n');
      expect((await rawRequest(server.url + target, { headers: { authorization: GOOD_BEARER } })).status).toBe(200);
    },
  );

  it.each(['/health', '/nowhere'])('leaves %s open', async (path) => {
    const server = await serve({ source: sampleRegistry(), auth: BASIC });
    expect((await rawRequest(server.url + path)).status).toBe(path === '/health' ? 200 : 404);
  });

  it('answers 429 with Retry-After to further wrong guesses once a client failed too often', async () => {
    const clock = new ManualClock();
    const server = await serve({ source: sampleRegistry(), auth: BASIC, clock, authThrottle: { maxFailures: 3, windowMs: 60_000 } });
    const url = `${server.url}/monitoring/prometheus/am`;
    const guess = (i: number) => rawRequest(url, { headers: { authorization: basic('prometheus', `guess${i}`) } });
    for (let i = 0; i < 3; i += 1) expect((await guess(i)).status).toBe(401);
    const refused = await guess(3);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    clock.advance({ seconds: 45 });
    expect((await guess(4)).headers['retry-after']).toBe('15');
    clock.advance({ seconds: 15 });
    expect((await guess(5)).status).toBe(401);
  });

  it('always serves valid credentials, even from an address that is being throttled', async () => {
    const server = await serve({ source: sampleRegistry(), auth: BASIC, authThrottle: { maxFailures: 3 } });
    const url = `${server.url}/monitoring/prometheus/am`;
    for (let i = 0; i < 10; i += 1) await rawRequest(url, { headers: { authorization: basic('prometheus', `guess${i}`) } });
    expect((await rawRequest(url, { headers: { authorization: basic('prometheus', 'guess') } })).status).toBe(429);
    expect((await rawRequest(url, { headers: { authorization: GOOD_BASIC } })).status).toBe(200);
  });

  it('does not count requests that carry no credentials as failures', async () => {
    const server = await serve({ source: sampleRegistry(), auth: BEARER, authThrottle: { maxFailures: 2 } });
    for (let i = 0; i < 5; i += 1) expect((await rawRequest(`${server.url}/metrics/prometheus`)).status).toBe(401);
    expect((await rawRequest(`${server.url}/metrics/prometheus`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('throttles each client address on its own', async () => {
    const server = await serve({ source: sampleRegistry(), auth: BEARER, authThrottle: { maxFailures: 2 } });
    const url = `${server.url}/metrics/prometheus`;
    for (let i = 0; i < 2; i += 1) await rawRequest(url, { headers: { authorization: 'Bearer nope' }, localAddress: '127.0.0.2' });
    expect((await rawRequest(url, { headers: { authorization: 'Bearer nope' }, localAddress: '127.0.0.2' })).status).toBe(429);
    expect((await rawRequest(url, { headers: { authorization: 'Bearer nope' }, localAddress: '127.0.0.3' })).status).toBe(401);
  });

  it('tracks at most maxClients clients, forgetting the least recently failing one', async () => {
    const server = await serve({ source: sampleRegistry(), auth: BEARER, authThrottle: { maxFailures: 2, maxClients: 1 } });
    const url = `${server.url}/metrics/prometheus`;
    const attempt = (localAddress: string, authorization: string) => rawRequest(url, { headers: { authorization }, localAddress });
    await attempt('127.0.0.2', 'Bearer nope');
    await attempt('127.0.0.2', 'Bearer nope');
    expect((await attempt('127.0.0.2', 'Bearer nope')).status).toBe(429);
    await attempt('127.0.0.3', 'Bearer nope');
    expect((await attempt('127.0.0.2', 'Bearer nope')).status).toBe(401);
  });

  it('never writes a secret to the log', async () => {
    const lines: string[] = [];
    const registry = sampleRegistry();
    registry.gauge({
      name: 'am_broken',
      help: 'Broken.',
      collect: () => {
        throw new Error('backend down');
      },
    });
    const server = await serve({ source: registry, auth: BOTH, logger: (line) => lines.push(line), authThrottle: { maxFailures: 1 } });
    await rawRequest(`${server.url}/metrics/prometheus`, { headers: { authorization: basic('prometheus', 'guess') } });
    await rawRequest(`${server.url}/metrics/prometheus`, { headers: { authorization: GOOD_BASIC }, localAddress: '127.0.0.2' });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toMatch(/s3cret|tok-123|guess|prometheus:/);
  });

  it.each([
    [{ basic: { username: 'prometheus', password: '' } }, 'auth.basic.password'],
    [{ basic: { username: 'prometheus', password: undefined as unknown as string } }, 'auth.basic.password'],
    [{ basic: { username: 'prometheus', password: '15-characters..' } }, 'auth.basic.password'],
    [{ basic: { username: '', password: 'sixteen-chars-ok' } }, 'auth.basic.username'],
    [{ basic: { username: 'a:b', password: 'sixteen-chars-ok' } }, 'auth.basic.username'],
    [{ bearerToken: '' }, 'auth.bearerToken'],
    [{ bearerToken: 'too-short-token' }, 'auth.bearerToken'],
    [{ bearerToken: 'has space but long enough' }, 'auth.bearerToken'],
  ] as const)('refuses unusable credentials %j with ServerConfigError naming %s', (auth, setting) => {
    expect(() => createMetricsRouter(sampleRegistry(), { auth })).toThrow(ServerConfigError);
    expect(() => createMetricsRouter(sampleRegistry(), { auth })).toThrow(setting);
  });
});
