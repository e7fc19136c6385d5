// Protocol corners a real client meets: OPTIONS probes (no credentials, no data) and a graceful
// shutdown while kept-alive sockets are busy. Everything goes through real loopback sockets.
import { describe, expect, it } from 'vitest';
import { Registry, type Collection } from '../../src/index.js';
import { gate, PROTECTED_PATHS, rawRequest, sampleRegistry, serve } from '../server/helpers.js';
import { amLivePage } from '../../src/metrics/page/live-page.js';
import { openSocket, readUntil, readUntilClosed } from './support.js';

const AUTH = { bearerToken: 'a-bearer-token-long-enough' };

describe('OPTIONS', () => {
  it.each([...PROTECTED_PATHS, '/health'])('answers 204 with Allow on %s, without credentials and without data', async (path) => {
    const server = await serve({ source: sampleRegistry(), auth: AUTH, page: amLivePage });
    const res = await rawRequest(server.url + path, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.body.length).toBe(0);
  });

  it('does not let OPTIONS reach data on a spelling the router does not serve', async () => {
    const server = await serve({ source: sampleRegistry(), auth: AUTH });
    const res = await rawRequest(`${server.url}/Monitoring/prometheus/am`, { method: 'OPTIONS' });
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toContain('am_x');
  });
});

describe('a graceful shutdown', () => {
  it('answers a request in flight on a kept-alive socket with Connection: close, then ends the socket cleanly', async () => {
    const release = gate();
    const entered = gate();
    const registry = new Registry();
    registry.gauge({ name: 'am_g', help: 'G.' }).set({}, 1);
    const source = {
      collect: async (): Promise<Collection> => {
        entered.open();
        await release.promise;
        return registry.collect();
      },
    };
    const server = await serve({ source });
    const socket = await openSocket(server.port);
    let resetError: unknown;
    socket.on('error', (error) => (resetError = error));
    const closed = readUntilClosed(socket);
    socket.write('GET /metrics/prometheus HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await entered.promise;
    const started = performance.now();
    const closing = server.close();
    release.open();
    const { text } = await closed;
    await closing;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(text).toContain('am_g 1.0');
    expect(resetError).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2_000); // well before the 5 s cut
  });

  it('closes an idle kept-alive socket at once instead of at the cut', async () => {
    const server = await serve({ source: sampleRegistry() });
    const socket = await openSocket(server.port);
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await readUntil(socket, /\{"status":"UP"\}/);
    const closed = readUntilClosed(socket);
    const started = performance.now();
    await server.close();
    await closed;
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('a malformed percent-encoding in a path', () => {
  it.each(['/json/metrics/api/%zz', '/json/metrics/api/%C0%AF', '/monitoring/assets/%zz'])('answers %s with 400, not a 500 and a log line per request', async (path) => {
    const logged: string[] = [];
    const server = await serve({ source: sampleRegistry(), page: amLivePage, logger: (line) => logged.push(line) });
    const res = await rawRequest(server.url + path);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body.toString()).toBe('Bad Request\n');
    expect(logged).toEqual([]);
  });

  it('still needs credentials first when auth is configured', async () => {
    const server = await serve({ source: sampleRegistry(), auth: AUTH });
    expect((await rawRequest(`${server.url}/json/metrics/api/%zz`)).status).toBe(401);
  });
});
