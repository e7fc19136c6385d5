// The node:http transport against loopback servers: answers are returned whatever their status,
// redirects are not followed, and a stalled server counts as unreachable after the timeout.
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { httpTransport } from '../../src/streams/http-transport.js';

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('httpTransport', () => {
  it('posts the body with its headers and returns status, headers and body', async () => {
    let received: { headers: Record<string, unknown>; body: string } | undefined;
    const base = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req
        .on('data', (c: Buffer) => chunks.push(c))
        .on('end', () => {
          received = { headers: req.headers, body: Buffer.concat(chunks).toString() };
          res.writeHead(429, { 'Retry-After': '3' }).end('slow down');
        });
    });
    const answer = await httpTransport().send({ url: `${base}/v1/metrics`, headers: { 'X-SF-TOKEN': 't' }, body: Buffer.from('abc') });
    expect(answer).toMatchObject({ status: 429, body: 'slow down', headers: { 'retry-after': '3' } });
    expect(received).toMatchObject({ body: 'abc', headers: { 'x-sf-token': 't', 'content-length': '3' } });
  });

  it('returns a redirect instead of following it', async () => {
    let hits = 0;
    const base = await listen((req, res) => {
      hits += 1;
      req.resume();
      res.writeHead(307, { Location: '/elsewhere' }).end();
    });
    expect((await httpTransport().send({ url: base, headers: {}, body: Buffer.alloc(0) })).status).toBe(307);
    expect(hits).toBe(1);
  });

  it('rejects with ETIMEDOUT when the server never answers, and with ECONNREFUSED when nobody listens', async () => {
    const base = await listen(() => {});
    await expect(httpTransport({ timeoutMs: 200 }).send({ url: base, headers: {}, body: Buffer.from('x') })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(httpTransport().send({ url: 'http://127.0.0.1:9/', headers: {}, body: Buffer.from('x') })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
