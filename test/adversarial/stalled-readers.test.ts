// Clients that ask for a large exposition and never read it. What they hold is bounded: past
// maxUnsentBytes new scrapes get 503, a response not written within writeTimeoutMs is cut off, and
// they hold no in-flight slot.
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/index.js';
import { rawRequest, serve } from '../server/helpers.js';
import { openSocket, readUntilClosed } from './support.js';

const MIB = 1024 * 1024;

/** A registry whose text exposition is about 8 MiB: more than loopback socket buffers absorb. */
function largeRegistry(): Registry {
  const registry = new Registry({ maxSeriesPerMetric: 10_000 });
  const gauge = registry.gauge({ name: 'am_wide', help: 'Wide.', labelNames: ['k'] });
  const padding = 'x'.repeat(1_000);
  for (let i = 0; i < 8_000; i += 1) gauge.set({ k: `${padding}${i}` }, i);
  return registry;
}

/** Sends a scrape on a fresh socket and never reads the answer. */
async function stalledScrape(port: number): Promise<Socket> {
  const socket = await openSocket(port);
  socket.pause();
  socket.write('GET /monitoring/prometheus/am HTTP/1.1\r\nHost: x\r\n\r\n');
  return socket;
}

describe('clients that never read', () => {
  // The body is written while it renders, so its size is not known when a scrape starts: a client
  // that would take what is held past the bound with bytes no other client holds is cut off (a failed
  // scrape for Prometheus, as a 503 is; once the bound is reached, new scrapes get 503).
  it('cannot hold more than maxUnsentBytes: a new body past it is cut off, until they are gone', async () => {
    const registry = largeRegistry();
    const server = await serve({ source: registry, maxUnsentBytes: 12 * MIB });
    const stalled = await stalledScrape(server.port);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const wide = registry.gauge({ name: 'am_wide', help: 'Wide.', labelNames: ['k'] });
    for (let i = 0; i < 8_000; i += 1) wide.set({ k: `${'x'.repeat(1_000)}${i}` }, -i); // every part new
    registry.gauge({ name: 'am_changed', help: 'Changed.' }).set({}, 1);
    const second = await stalledScrape(server.port);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const closed = readUntilClosed(second);
    second.resume();
    const { text } = await closed; // the server cut it: it never ends
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text.endsWith('\r\n0\r\n\r\n')).toBe(false);
    expect(text.length).toBeLessThan(7 * MIB);
    stalled.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const served = await rawRequest(`${server.url}/monitoring/prometheus/am`);
    expect(served.status).toBe(200);
    expect(served.body.toString('utf8')).toContain('am_changed 1');
  });

  // Node does not emit 'close' on a response queued behind another on a connection that goes away
  // (nodejs/node#62534), so what it held was never released and every later scrape of a new body got 503.
  it('free what they held when they hang up with scrapes pipelined behind the one being written', async () => {
    const registry = largeRegistry();
    const server = await serve({ source: registry, maxUnsentBytes: 12 * MIB });
    const socket = await openSocket(server.port);
    socket.pause();
    const scrape = 'GET /monitoring/prometheus/am HTTP/1.1\r\nHost: x\r\n\r\n';
    socket.write(scrape + scrape + scrape);
    await new Promise((resolve) => setTimeout(resolve, 500));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    registry.gauge({ name: 'am_changed', help: 'Changed.' }).set({}, 1); // a new body, not the one held
    const served = await rawRequest(`${server.url}/monitoring/prometheus/am`);
    expect(served.status).toBe(200);
    expect(served.body.length).toBeGreaterThan(7 * MIB);
  });

  it('share one body between them while the data is unchanged, so they cost one copy', async () => {
    const server = await serve({ source: largeRegistry(), maxUnsentBytes: 12 * MIB });
    const stalled = [];
    for (let i = 0; i < 4; i += 1) {
      stalled.push(await stalledScrape(server.port));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const served = await rawRequest(`${server.url}/monitoring/prometheus/am`);
    expect(served.status).toBe(200);
    expect(served.body.length).toBeGreaterThan(7 * MIB);
  });

  // A scrape's body is handed to the socket whole once rendered, so the in-flight slot is free then,
  // however slowly the client reads.
  it('hold no in-flight slot: with every slot taken by clients that never read, a scrape is served', async () => {
    const server = await serve({ source: largeRegistry(), maxConcurrentScrapes: 2 });
    const stalled = [];
    for (let i = 0; i < 3; i += 1) stalled.push(await stalledScrape(server.port));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const served = await rawRequest(`${server.url}/monitoring/prometheus/am`);
    expect(served.status).toBe(200);
    expect(served.body.length).toBeGreaterThan(7 * MIB);
    for (const socket of stalled) socket.destroy();
  });

  it('are cut off once a response is not written within writeTimeoutMs', async () => {
    const server = await serve({ source: largeRegistry(), writeTimeoutMs: 300 });
    const stalled = await stalledScrape(server.port);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const closed = readUntilClosed(stalled);
    stalled.resume();
    const { text, ms } = await closed;
    // Chunked: a body cut short lacks the last, empty chunk, so no client takes it for a whole one.
    expect(text).toMatch(/\r\ntransfer-encoding: chunked\r\n/i);
    expect(text.length).toBeGreaterThan(1 * MIB);
    expect(text.endsWith('\r\n0\r\n\r\n')).toBe(false);
    expect(ms).toBeLessThan(2_000); // the server had already closed it: only buffered bytes were left to read
    expect((await rawRequest(`${server.url}/health`)).status).toBe(200);
  });

  // HTTP/1.0 has no chunked encoding: a body without Content-Length ends when the connection closes,
  // so a body cut short (write timeout, maxUnsentBytes, a failed render) looked whole to the client.
  it('are cut off with a Content-Length the cut body falls short of when they speak HTTP/1.0', async () => {
    const server = await serve({ source: largeRegistry(), writeTimeoutMs: 300 });
    const stalled = await openSocket(server.port);
    stalled.pause();
    stalled.write('GET /monitoring/prometheus/am HTTP/1.0\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const closed = readUntilClosed(stalled);
    stalled.resume();
    const { text } = await closed;
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    const [head = '', body = ''] = text.split('\r\n\r\n', 2);
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1]);
    expect(length).toBeGreaterThan(7 * MIB);
    expect(body.length).toBeLessThan(length);
  });
});

describe('clients that read', () => {
  // The write deadline once started when the scrape arrived, so a collection slower than
  // writeTimeoutMs (a cluster primary asking its workers) cut off every text scrape before its headers.
  it('are not cut off by writeTimeoutMs while the collection is slower than it', async () => {
    const registry = new Registry();
    registry.gauge({ name: 'am_slow', help: 'Slow.', collect: () => new Promise((resolve) => setTimeout(resolve, 600, 1)) });
    const server = await serve({ source: registry, writeTimeoutMs: 300 });
    const served = await rawRequest(`${server.url}/monitoring/prometheus/am`);
    expect(served.status).toBe(200);
    expect(served.body.toString('utf8')).toContain('am_slow 1');
  });
});
