// A second adversarial pass over text scrapes written while they render (TextBroadcast, PartReuse,
// UnsentBodies.admitStreamed): scrapes of every format, naming profile and encoding, some stalled
// while the data changes under them, each body checked byte for byte against registry.metrics() of
// the same data. Loopback only; every socket is destroyed by the end of its test.
import { request, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Registry } from '../../src/index.js';
import type { ExpositionFormat } from '../../src/exposition/prometheus/format.js';
import type { NamingProfile } from '../../src/exposition/prometheus/prometheus-text.js';
import { MetricsHandlers, type MetricsRouterOptions } from '../../src/http/handlers.js';
import type { UnsentBodies } from '../../src/http/unsent-bodies.js';
import type { SharedScrape } from '../../src/http/shared-scrape.js';
import { bounded, openSocket } from './support.js';

const KINDS = ['prometheus', 'openmetrics'].flatMap((format) =>
  (['aic', 'legacy'] as const).flatMap((profile) => [false, true].map((gzip) => ({ format: format as ExpositionFormat, profile, gzip }))),
);
type Kind = (typeof KINDS)[number];

/** MetricsHandlers behind a bare loopback server: `?profile=` picks the naming profile. */
async function scrapeServer(registry: Registry, options: MetricsRouterOptions = {}) {
  const handlers = new MetricsHandlers(registry, { logger: () => {}, maxConcurrentScrapes: 64, ...options });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const profile: NamingProfile = req.url?.includes('legacy') === true ? 'legacy' : 'aic';
    void handlers.prometheus(profile, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    server.closeAllConnections();
    server.close();
  });
  const inner = handlers as unknown as { unsent: UnsentBodies; scrape: SharedScrape };
  return { port: (server.address() as AddressInfo).port, unsent: inner.unsent, scrape: inner.scrape };
}

interface Scrape {
  readonly kind: Kind;
  /** The body as sent (gzipped if asked), once the response ended; rejects if it was cut. */
  readonly body: Promise<Buffer>;
  /** Reads on; a scrape starts stalled or reading. */
  resume(): void;
  /** Stops reading. */
  pause(): void;
  destroy(): void;
}

/** One scrape of `kind` on its own connection; `stalled` reads nothing until resumed. */
function scrape(port: number, kind: Kind, stalled: boolean): Scrape {
  const headers: Record<string, string> = { Accept: kind.format === 'openmetrics' ? 'application/openmetrics-text; version=1.0.0' : 'text/plain' };
  if (kind.gzip) headers['Accept-Encoding'] = 'gzip';
  const req = request({ host: '127.0.0.1', port, path: `/metrics?profile=${kind.profile}`, headers, agent: false });
  let res: IncomingMessage | undefined;
  let isPaused = stalled;
  const body = new Promise<Buffer>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (response) => {
      res = response;
      if (isPaused) response.pause();
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('close', () => (response.complete ? resolve(Buffer.concat(chunks)) : reject(new Error(`${JSON.stringify(kind)} cut short`))));
    });
  });
  body.catch(() => undefined);
  req.end();
  onTestFinished(() => void req.destroy());
  return {
    kind,
    body,
    resume: () => {
      isPaused = false;
      res?.resume();
    },
    pause: () => {
      isPaused = true;
      res?.pause();
    },
    destroy: () => req.destroy(),
  };
}

const text = (kind: Kind, body: Buffer): string => (kind.gzip ? gunzipSync(body) : body).toString('utf8');

/** Where `actual` first differs from `expected`, with a little of each there; undefined if they are equal. */
function firstDifference(actual: string, expected: string): string | undefined {
  if (actual === expected) return undefined;
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at += 1;
  return `at ${at} of ${expected.length} (got ${actual.length}): ${JSON.stringify(actual.slice(at, at + 60))} for ${JSON.stringify(expected.slice(at, at + 60))}`;
}
const MIB = 1024 * 1024;

/** Keeps the event loop busy for `ms`. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** About 8 MiB of text per scrape: more than loopback buffers take, so stalled scrapes hold parts. */
function wideRegistry(): Registry {
  const registry = new Registry({ maxSeriesPerMetric: 100_000 });
  for (let f = 0; f < 40; f += 1) {
    const gauge = registry.gauge({ name: `am_wide_${f}`, help: `Wide ${f}.`, labelNames: ['k'] });
    for (let i = 0; i < 200; i += 1) gauge.set({ k: `${'x'.repeat(1_000)}${i}` }, i);
  }
  registry.summary({ name: 'am_calls', help: 'Calls.', labelNames: ['op'] }).record({ op: 'read' }, 3);
  return registry;
}

describe('text scrapes written while they render, reusing the parts stalled clients hold', () => {
  it('give every scrape the exposition of its own data, format, profile and encoding, byte for byte', async () => {
    const registry = wideRegistry();
    const { port, unsent } = await scrapeServer(registry);
    const wide = registry.gauge({ name: 'am_wide_1', help: 'Wide 1.', labelNames: ['k'] });
    const stalled: { scrape: Scrape; expected: string }[] = [];
    for (let round = 0; round < 4; round += 1) {
      if (round % 2 === 1) wide.set({ k: `${'x'.repeat(1_000)}${round * 7}` }, -round); // one value changes
      if (round === 2) registry.gauge({ name: 'am_new', help: 'New.', labelNames: ['k'] }).set({ k: 'a' }, 1);
      const expected = new Map(await Promise.all(KINDS.map(async (k) => [k, await registry.metrics(k)] as const)));
      // Each kind twice: once stalled (held until the end), once read now.
      const scrapes = KINDS.flatMap((kind) => [scrape(port, kind, true), scrape(port, kind, false)]);
      for (const s of scrapes.filter((_, i) => i % 2 === 1))
        expect(firstDifference(text(s.kind, await bounded(s.body, 'a reading scrape', 20_000)), expected.get(s.kind) ?? '')).toBeUndefined();
      for (const s of scrapes.filter((_, i) => i % 2 === 0)) stalled.push({ scrape: s, expected: expected.get(s.kind) ?? '' });
    }
    // 32 stalled scrapes of ~8 MiB bodies: without the same parts handed again, ~16 plain ones alone
    // would hold over 100 MiB.
    expect(unsent.size).toBeGreaterThan(0);
    expect(unsent.size).toBeLessThan(48 * MIB);
    for (const { scrape: s } of stalled) s.resume();
    for (const { scrape: s, expected } of stalled) expect(firstDifference(text(s.kind, await bounded(s.body, 'a stalled scrape', 20_000)), expected)).toBeUndefined();
    await pause(50);
    expect(unsent.size).toBe(0);
  }, 60_000);

  it('serve the plain scrapes whole when every gzip one leaves mid-body, and the reverse; stop rendering when all have gone', async () => {
    const registry = wideRegistry();
    const reached = new Set<string>(); // the families whose series the render read
    const counting = {
      collect: async () => {
        const collection = await registry.collect();
        const families = collection.families.map((family) => {
          const copy = { ...family };
          Object.defineProperty(copy, 'series', {
            get: () => {
              if (!reached.has(family.descriptor.name)) busy(5); // a render of ~200 ms, whatever the machine
              reached.add(family.descriptor.name);
              return family.series;
            },
          });
          return copy;
        });
        return { ...collection, families };
      },
    };
    const { port, unsent } = await scrapeServer(registry);
    const server2 = await scrapeServer(counting as unknown as Registry);
    const plain = KINDS[0] as Kind;
    const gzip = KINDS[1] as Kind;
    const expected = await registry.metrics(plain);
    for (const [staying, leaving] of [
      [plain, gzip],
      [gzip, plain],
    ] as const) {
      const stays = [scrape(port, staying, false), scrape(port, staying, true)];
      const leaves = [scrape(port, leaving, false), scrape(port, leaving, true)];
      await pause(30); // mid-body: the render of ~8 MiB takes longer
      for (const s of leaves) s.destroy();
      stays[1]?.resume();
      for (const s of stays) expect(firstDifference(text(s.kind, await bounded(s.body, 'a staying scrape', 20_000)), expected)).toBeUndefined();
      const next = scrape(port, leaving, false);
      expect(firstDifference(text(leaving, await bounded(next.body, 'the next scrape', 20_000)), expected)).toBeUndefined();
    }
    await pause(50);
    expect(unsent.size).toBe(0);
    // Every client of a render gone: it stops at its next part, and the next scrape is whole.
    const everyone = [scrape(server2.port, plain, true), scrape(server2.port, gzip, true)];
    await pause(30);
    for (const s of everyone) s.destroy();
    await pause(1_000);
    const families = (await registry.collect()).families.length;
    expect(reached.size).toBeGreaterThan(0);
    expect(reached.size).toBeLessThan(families);
    const next = scrape(server2.port, gzip, false);
    expect(firstDifference(text(gzip, await bounded(next.body, 'the next scrape', 20_000)), expected)).toBeUndefined();
    await pause(50);
    expect(server2.unsent.size).toBe(0);
  }, 60_000);

  it('cut a client reading at a trickle at writeTimeoutMs from its first part, and release what it held', async () => {
    const registry = wideRegistry();
    const { port, unsent } = await scrapeServer(registry, { writeTimeoutMs: 1_000 });
    const plain = KINDS[0] as Kind;
    const trickle = await openSocket(port);
    trickle.pause();
    trickle.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    const prompt = scrape(port, plain, false);
    const started = performance.now();
    let received = 0;
    let ending = '';
    // 16 KiB every 100 ms: the ~8 MiB body would take over 50 s.
    const reading = setInterval(() => {
      const chunk = trickle.read(16 * 1024) as Buffer | null;
      if (chunk === null) return;
      received += chunk.length;
      ending = chunk.subarray(-5).toString('latin1');
    }, 100);
    onTestFinished(() => clearInterval(reading));
    expect(firstDifference(text(plain, await bounded(prompt.body, 'the prompt scrape', 20_000)), await registry.metrics(plain))).toBeUndefined();
    // The trickling client still holds parts; the server cuts it, releasing them, at the write timeout.
    expect(unsent.size).toBeGreaterThan(0);
    while (unsent.size > 0 && performance.now() - started < 10_000) await pause(20);
    const ms = performance.now() - started;
    expect(unsent.size).toBe(0);
    expect(ms).toBeGreaterThan(900);
    expect(ms).toBeLessThan(3_000);
    // What the kernel still had for it arrives, and then the connection ends without the last chunk.
    clearInterval(reading);
    trickle.on('data', (chunk: Buffer) => {
      received += chunk.length;
      ending = chunk.subarray(-5).toString('latin1');
    });
    trickle.resume();
    await bounded(new Promise((resolve) => trickle.once('close', resolve)), 'the trickling connection to close');
    expect(received).toBeLessThan(8 * MIB);
    expect(ending).not.toBe('0\r\n\r\n');
  }, 30_000);

  it('keep their maps and held bytes bounded over 200 scrapes of changing data, some gzipped, some stalled then gone', async () => {
    const registry = new Registry({ maxSeriesPerMetric: 100_000 });
    const gauge = registry.gauge({ name: 'am_changing', help: 'Changing.', labelNames: ['k'] });
    for (let i = 0; i < 2_000; i += 1) gauge.set({ k: `${'y'.repeat(400)}${i}` }, i);
    const { port, unsent, scrape: shared } = await scrapeServer(registry);
    const stalled: Scrape[] = [];
    for (let n = 0; n < 200; n += 1) {
      gauge.set({ k: `${'y'.repeat(400)}${n % 2_000}` }, -n);
      if (n % 20 === 0) registry.gauge({ name: `am_new_${n}`, help: 'New.' }).set({}, n);
      const kind = KINDS[n % KINDS.length] as Kind;
      if (n % 3 === 0) {
        stalled.push(scrape(port, kind, true));
        if (stalled.length > 8) stalled.shift()?.destroy();
        continue;
      }
      const expected = await registry.metrics(kind);
      const s = scrape(port, kind, false);
      expect(firstDifference(text(kind, await bounded(s.body, 'a scrape', 20_000)), expected)).toBeUndefined();
    }
    for (const s of stalled) s.destroy();
    await pause(100);
    expect(unsent.size).toBe(0);
    const maps = shared as unknown as Record<'inFlight' | 'joinable' | 'writing' | 'lastBodies', Map<string, unknown>>;
    expect([maps.inFlight.size, maps.joinable.size, maps.writing.size]).toEqual([0, 0, 0]);
    expect(maps.lastBodies.size).toBe(KINDS.length / 2); // one per format and profile
  }, 60_000);

  it('leave out a family that fails mid-render, count it once per render, and serve the rest to every concurrent broadcast', async () => {
    const registry = wideRegistry();
    const broken = {
      collect: async () => {
        const collection = await registry.collect();
        const family = { kind: 'gauge', descriptor: { kind: 'gauge', name: 'am_broken', help: 'Broken.', labelNames: [], constLabels: {} }, series: null as never };
        const families = [...collection.families];
        families.splice(20, 0, family as never); // after ~4 MiB already written
        await pause(300); // every scrape below joins the broadcast of its kind meanwhile
        return { ...collection, families };
      },
    };
    const { port, unsent } = await scrapeServer(broken as unknown as Registry);
    const chosen = [KINDS[0], KINDS[1], KINDS[0], KINDS[5], KINDS[4]] as Kind[]; // prometheus twice plain (one stalled a while), once gzip; openmetrics gzip and plain
    const scrapes = chosen.map((kind, i) => scrape(port, kind, i === 2));
    scrapes[2]?.resume();
    const counts: string[] = [];
    for (const s of scrapes) {
      const body = text(s.kind, await bounded(s.body, 'a scrape', 20_000));
      const trailer = /^(# (HELP|TYPE) am_metrics_render_errors.*|am_metrics_render_errors_total.*)\n/gm;
      counts.push(`${s.kind.format}: ${[...body.matchAll(/^am_metrics_render_errors_total\{metric="am_broken",?\} (\S+)$/gm)].map((m) => m[1]).join()}`);
      expect(firstDifference(body.replace(trailer, ''), await registry.metrics(s.kind))).toBeUndefined();
    }
    // One render per format and profile, each counting the failure once: the counter's values follow the renders.
    expect(new Set(counts.map((c) => c.split(': ')[0])).size).toBe(2);
    expect(counts.filter((c) => c.startsWith('prometheus'))).toEqual([counts[0], counts[0], counts[0]]);
    expect(counts.filter((c) => c.startsWith('openmetrics'))).toEqual([counts[3], counts[3]]);
    expect([counts[0]?.split(': ')[1], counts[3]?.split(': ')[1]].sort()).toEqual(['1.0', '2.0']);
    await pause(50);
    expect(unsent.size).toBe(0);
  }, 30_000);
});
