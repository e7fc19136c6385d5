// Connections that open and then say nothing, over HTTP and HTTPS (no handshake, or a handshake and
// then silence). They must be closed after the header timeout, so they cannot hold every slot.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { rawRequest, sampleRegistry, serve } from '../server/helpers.js';
import { hasOpenssl, writeSelfSigned } from '../support/self-signed.js';
import { bounded, openSocket, readUntilClosed } from './support.js';

const HEADERS_TIMEOUT_MS = 500;
const LIMITS = { headersTimeoutMs: HEADERS_TIMEOUT_MS, maxConnections: 8 };
let tlsDir = '';

beforeAll(() => {
  if (!hasOpenssl) return;
  tlsDir = mkdtempSync(join(tmpdir(), 'am-metrics-silent-'));
  writeSelfSigned(join(tlsDir, 'cert.pem'), join(tlsDir, 'key.pem'));
});
afterAll(() => {
  if (tlsDir !== '') rmSync(tlsDir, { recursive: true, force: true });
});

describe('silent connections', () => {
  it('are closed after the header timeout, so they cannot hold every connection slot', async () => {
    const server = await serve({ source: sampleRegistry(), limits: LIMITS });
    const silent = await Promise.all(Array.from({ length: LIMITS.maxConnections }, () => openSocket(server.port)));
    const closings = await Promise.all(silent.map((socket) => readUntilClosed(socket)));
    for (const { text, ms } of closings) {
      expect(text).toMatch(/^(|HTTP\/1\.1 408 [^]*)$/); // closed, at most with a 408: never served
      expect(ms).toBeLessThan(HEADERS_TIMEOUT_MS + 1_500);
    }
    expect((await rawRequest(`${server.url}/health`)).status).toBe(200);
  });

  it('still get 408 when they sent part of a request', async () => {
    const server = await serve({ source: sampleRegistry(), limits: LIMITS });
    const socket = await openSocket(server.port);
    socket.write('GET /health HTTP/1.1\r\n');
    const { text } = await readUntilClosed(socket);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it.skipIf(!hasOpenssl)('are closed on HTTPS whether they never start the TLS handshake or go silent after it', async () => {
    const tls = { cert: join(tlsDir, 'cert.pem'), key: join(tlsDir, 'key.pem') };
    const server = await serve({ source: sampleRegistry(), limits: LIMITS, tls });
    const raw = await openSocket(server.port);
    const rawClosed = readUntilClosed(raw);
    const secured = tlsConnect({ port: server.port, host: '127.0.0.1', ca: readFileSync(tls.cert) });
    onTestFinished(() => void secured.destroy());
    secured.on('error', () => {});
    await bounded(new Promise((resolve) => secured.once('secureConnect', resolve)), 'the TLS handshake');
    const securedClosed = bounded(
      new Promise<number>((resolve) => {
        const start = performance.now();
        secured.once('close', () => resolve(performance.now() - start));
      }),
      'the server to close the TLS socket',
    );
    expect((await rawClosed).ms).toBeLessThan(HEADERS_TIMEOUT_MS + 1_500);
    expect(await securedClosed).toBeLessThan(HEADERS_TIMEOUT_MS + 1_500);
  });
});
