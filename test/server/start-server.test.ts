import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { ServerConfigError } from '../../src/http/errors.js';
import { createMetricsRouter, startServer, type RunningServer } from '../../src/server.js';
import { rawRequest, sampleRegistry, serve } from './helpers.js';
import { hasOpenssl, writeSelfSigned } from '../support/self-signed.js';

let tlsDir = '';

beforeAll(() => {
  if (!hasOpenssl) return;
  tlsDir = mkdtempSync(join(tmpdir(), 'am-metrics-tls-'));
  writeSelfSigned(join(tlsDir, 'cert.pem'), join(tlsDir, 'key.pem'));
});
afterAll(() => {
  if (tlsDir !== '') rmSync(tlsDir, { recursive: true, force: true });
});

/** GET over HTTPS trusting only `ca`; resolves with status and body. */
function httpsFetch(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** A raw TCP connection to `server`, closed after the test. */
async function rawSocket(server: RunningServer): Promise<Socket> {
  const socket = connect(server.port, '127.0.0.1');
  onTestFinished(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** Milliseconds until the server closes `socket`, and what it sent before. */
function closedAfter(socket: Socket): Promise<{ ms: number; received: string }> {
  const start = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('close', () => resolve({ ms: Date.now() - start, received })));
}

describe('startServer', () => {
  it('listens on an ephemeral port and reports its URL', async () => {
    const server = await serve({ source: sampleRegistry() });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect((await rawRequest(`${server.url}/health`)).status).toBe(200);
  });

  it('stops accepting connections once closed, and may be closed twice', async () => {
    const server = await startServer({ source: sampleRegistry(), port: 0, host: '127.0.0.1' });
    await server.close();
    await expect(rawRequest(`${server.url}/health`)).rejects.toThrow(/ECONNREFUSED/);
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('rejects with EADDRINUSE when the port is taken', async () => {
    const first = await serve({ source: sampleRegistry() });
    await expect(startServer({ source: sampleRegistry(), port: first.port, host: '127.0.0.1' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it.each([
    [{ limits: { maxConnections: 0 } }, 'limits.maxConnections'],
    [{ limits: { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 } }, 'limits.headersTimeoutMs'],
    [{ limits: { idleTimeoutMs: 1.5 } }, 'limits.idleTimeoutMs'],
    [{ maxConcurrentScrapes: 0 }, 'maxConcurrentScrapes'],
    [{ authThrottle: { windowMs: -1 } }, 'authThrottle.windowMs'],
    [{ logger: console as never }, 'logger'],
  ])('refuses %j with a ServerConfigError naming %s', async (options, setting) => {
    const start = startServer({ source: sampleRegistry(), port: 0, host: '127.0.0.1', ...options });
    await expect(start).rejects.toBeInstanceOf(ServerConfigError);
    await expect(start).rejects.toMatchObject({ setting });
  });

  it('refuses a router logger that is not a function, which failed every scrape that had something to log', () => {
    expect(() => createMetricsRouter(sampleRegistry(), { logger: console as never })).toThrow(ServerConfigError);
    expect(() => createMetricsRouter(sampleRegistry(), { logger: console as never })).toThrow(/^logger: must be a function taking one line, got an object$/);
  });

  it('closes a connection that sends nothing once the idle timeout passes', async () => {
    const server = await serve({ source: sampleRegistry(), limits: { idleTimeoutMs: 300 } });
    const { ms } = await closedAfter(await rawSocket(server));
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(3_000);
  });

  it('answers 408 and closes a connection that never finishes its headers', async () => {
    const server = await serve({ source: sampleRegistry(), limits: { headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 10_000 } });
    const socket = await rawSocket(server);
    const closed = closedAfter(socket);
    // Trickle header bytes so the idle timeout never fires; only the headers timeout can end this.
    const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 100);
    onTestFinished(() => clearInterval(trickle));
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const { ms, received } = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    // The headers timeout is checked once a second (TIMEOUT_CHECK_INTERVAL_MS).
    expect(ms).toBeLessThan(3_000);
  });

  it('closes connections beyond maxConnections as they arrive', async () => {
    const server = await serve({ source: sampleRegistry(), limits: { maxConnections: 1 } });
    const held = await rawSocket(server);
    held.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => held.once('data', resolve));
    await expect(rawRequest(`${server.url}/health`)).rejects.toThrow(/socket hang up|ECONNRESET/);
    held.destroy();
    // The server learns of the closed socket asynchronously; retry until it has.
    await vi.waitFor(async () => expect((await rawRequest(`${server.url}/health`)).status).toBe(200));
  });

  it('says "localhost" in the URL when listening on every interface', async () => {
    const server = await startServer({ source: sampleRegistry(), port: 0, logger: () => {} });
    onTestFinished(() => server.close());
    expect(server.url).toBe(`http://localhost:${server.port}`);
  });
});

describe.skipIf(!hasOpenssl)('startServer with TLS', () => {
  it.each([
    ['file paths', () => ({ cert: join(tlsDir, 'cert.pem'), key: join(tlsDir, 'key.pem') })],
    ['Buffers', () => ({ cert: readFileSync(join(tlsDir, 'cert.pem')), key: readFileSync(join(tlsDir, 'key.pem')) })],
    ['PEM text', () => ({ cert: readFileSync(join(tlsDir, 'cert.pem'), 'utf8'), key: readFileSync(join(tlsDir, 'key.pem'), 'utf8') })],
  ])('serves HTTPS with a certificate and key given as %s', async (_how, tls) => {
    const server = await serve({ source: sampleRegistry(), tls: tls() });
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    const res = await httpsFetch(`${server.url}/monitoring/prometheus/am`, readFileSync(join(tlsDir, 'cert.pem')));
    expect(res.status).toBe(200);
    expect(res.body).toContain('am_x_sum');
  });

  it('does not answer plain HTTP on the TLS port', async () => {
    const server = await serve({ source: sampleRegistry(), tls: { cert: join(tlsDir, 'cert.pem'), key: join(tlsDir, 'key.pem') } });
    await expect(rawRequest(`http://127.0.0.1:${server.port}/health`)).rejects.toThrow();
  });

  it('rejects with a ServerConfigError naming tls.key when the key file cannot be read', async () => {
    const start = startServer({ source: sampleRegistry(), port: 0, tls: { cert: join(tlsDir, 'cert.pem'), key: join(tlsDir, 'missing.pem') } });
    await expect(start).rejects.toBeInstanceOf(ServerConfigError);
    await expect(start).rejects.toThrow(/^tls\.key: cannot read ".*missing\.pem" \(ENOENT\)$/);
  });
});
