// TextBroadcast with stand-in responses: what it feeds its gzip stream once the scrapes that asked for
// gzip have gone.
import { randomBytes } from 'node:crypto';
import type { Gzip } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { PartReuse } from '../../src/http/body.js';
import type { StreamedResponse } from '../../src/http/streamed-response.js';
import { TextBroadcast } from '../../src/http/text-broadcast.js';

const gzipStreams: Gzip[] = [];
vi.mock('node:zlib', async (importOriginal) => {
  const zlib = await importOriginal<typeof import('node:zlib')>();
  return {
    ...zlib,
    createGzip: (...args: Parameters<typeof zlib.createGzip>) => {
      const created = zlib.createGzip(...args);
      gzipStreams.push(created);
      return created;
    },
  };
});

/** A response that keeps what is written to it (in `held` too, if given: it never reads), gone once `leave` is called. */
function standIn(isGzip: boolean, held?: Set<Uint8Array>) {
  let isGone = false;
  const received: Uint8Array[] = [];
  const response = {
    isGzip,
    get isGone() {
      return isGone;
    },
    start: () => undefined,
    write: (part: Uint8Array) => {
      if (isGone) return;
      received.push(part);
      held?.add(part);
    },
    end: () => undefined,
    abort: () => void (isGone = true),
  };
  return { response: response as unknown as StreamedResponse, received, leave: () => void (isGone = true) };
}

/** A broadcast joined by one plain and one gzip scrape, with no earlier body to reuse parts of. */
function plainAndGzipBroadcast() {
  const [plain, gzipped] = [standIn(false), standIn(true)];
  const broadcast = new TextBroadcast();
  broadcast.join(plain.response);
  broadcast.join(gzipped.response);
  return { plain, gzipped, broadcast, last: { plain: new PartReuse(() => false), gzipped: new PartReuse(() => false) } };
}

const PART_BYTES = 64 * 1024;
const PARTS = 64;

describe('a text broadcast', () => {
  it('stops gzipping once every scrape that asked for gzip has gone, and still writes the plain ones whole', async () => {
    const { plain, gzipped, broadcast, last } = plainAndGzipBroadcast();
    const parts = Array.from({ length: PARTS }, () => randomBytes(PART_BYTES)); // incompressible: zlib's slowest work
    await broadcast.run(async (sink) => {
      for (const [i, part] of parts.entries()) {
        if (i === 2) gzipped.leave();
        await sink(part);
      }
    }, last);
    expect(Buffer.concat(plain.received).equals(Buffer.concat(parts))).toBe(true);
    const gzip = gzipStreams.at(-1);
    expect(gzip).toBeDefined();
    // What reached zlib before the gzip scrape left (PartJoiner passes 64 KiB parts as they are), not the 4 MiB body.
    expect(gzip?.bytesWritten ?? 0).toBeLessThanOrEqual(4 * PART_BYTES);
  });

  it('writes a stalled gzip scrape the parts it already holds again after a broadcast with no gzip scrape', async () => {
    const parts = Array.from({ length: PARTS }, () => randomBytes(PART_BYTES));
    const held = new Set<Uint8Array>(); // what stalled scrapes have not read: all they were written
    const last = { plain: new PartReuse((part) => held.has(part)), gzipped: new PartReuse((part) => held.has(part)) };
    const broadcastTo = async (...audience: ReturnType<typeof standIn>[]): Promise<void> => {
      const broadcast = new TextBroadcast();
      for (const { response } of audience) broadcast.join(response);
      await broadcast.run(async (sink) => {
        for (const part of parts) await sink(part);
      }, last);
    };
    const first = standIn(true, held);
    await broadcastTo(first);
    await broadcastTo(standIn(false)); // a plain scrape, read at once
    const third = standIn(true, held);
    await broadcastTo(third);
    expect(third.received.length).toBe(first.received.length);
    expect(third.received.every((part, i) => part === first.received[i])).toBe(true);
  });

  // zlib fails in its thread pool, between two writes or after the last one: the render must stop with
  // its error (so the scrapes get cut, not a truncated body that looks whole), never wait forever.
  it.each([
    ['mid-render', 2, new Error('zlib broke')],
    ['after the last part, before the end', PARTS, new Error('zlib broke')],
    ['mid-render, closed without an error', 2, undefined],
  ])('rejects with zlib failing %s, and cuts every scrape', async (_when, failAt, broken) => {
    const { plain, gzipped, broadcast, last } = plainAndGzipBroadcast();
    const run = broadcast.run(async (sink) => {
      for (let i = 0; i < PARTS; i += 1) {
        await sink(randomBytes(PART_BYTES));
        if (i + 1 === failAt) {
          gzipStreams.at(-1)?.destroy(broken);
          await new Promise((resolve) => setImmediate(resolve)); // its 'error' and 'close' come on the next turn
        }
      }
    }, last);
    if (broken === undefined) await expect(run).rejects.toThrow('the gzip stream closed before its end');
    else await expect(run).rejects.toBe(broken);
    expect(plain.response.isGone).toBe(true);
    expect(gzipped.response.isGone).toBe(true);
  });
});
