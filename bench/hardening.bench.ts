// Hostile load on the standalone server, bounded and loopback only: memory held by clients that request
// a ~10 MB exposition and never read it, and event-loop stalls while 4 clients in another process
// scrape 10,000 timer series back to back (plain and gzipped). Issue 11's figures before the fix:
// ~800 MiB for 50 stalled clients; stalls of 54–160 ms each second.
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Registry } from '../src/index.js';
import { startServer } from '../src/express.js';
import { heapUsed } from './support.js';

const STALLED_CLIENTS = 50;
const STALLED_SPACING_MS = 20;
const WIDE_SERIES = 10_000;
const TIMER_SERIES = 10_000;
const SCRAPERS = 4;
const SCRAPE_SECONDS = 5;
const MIB = 2 ** 20;

/** ~10 MB of text exposition: WIDE_SERIES gauge series with 1,000-character label values. */
function wideRegistry(): Registry {
  const registry = new Registry({ maxSeriesPerMetric: WIDE_SERIES });
  const gauge = registry.gauge({ name: 'am_wide', help: 'Wide.', labelNames: ['k'] });
  const padding = 'x'.repeat(1_000);
  for (let i = 0; i < WIDE_SERIES; i += 1) gauge.set({ k: `${padding}${i}` }, i);
  return registry;
}

async function stalledReaders(): Promise<void> {
  const registry = wideRegistry();
  const server = await startServer({ source: registry, port: 0, host: '127.0.0.1', logger: () => {} });
  const size = (await registry.metrics()).length;
  const before = heapUsed();
  const rssBefore = process.memoryUsage().rss;
  const sockets: Socket[] = [];
  for (let i = 0; i < STALLED_CLIENTS; i += 1) {
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.pause();
    socket.write('GET /monitoring/prometheus/am HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: identity\r\n\r\n');
    sockets.push(socket);
    await new Promise((resolve) => setTimeout(resolve, STALLED_SPACING_MS));
  }
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const during = heapUsed();
  const rssDuring = process.memoryUsage().rss;
  for (const socket of sockets) socket.destroy();
  await server.close();
  console.log(
    `stalled readers: ${STALLED_CLIENTS} clients ${STALLED_SPACING_MS} ms apart asking for ${(size / MIB).toFixed(1)} MiB and never reading: ` +
      `heap + buffers +${((during - before) / MIB).toFixed(1)} MiB, RSS +${((rssDuring - rssBefore) / MIB).toFixed(1)} MiB`,
  );
}

async function stallsWhileServing(encoding: 'identity' | 'gzip'): Promise<void> {
  const registry = new Registry({ maxSeriesPerMetric: TIMER_SERIES });
  const timer = registry.timer({ name: 'am_t', help: 'T.', labelNames: ['k'] });
  for (let i = 0; i < TIMER_SERIES; i += 1) timer.observe({ k: `series-${i}` }, (i % 100) / 1_000);
  const server = await startServer({ source: registry, port: 0, host: '127.0.0.1', logger: () => {} });
  const client = fileURLToPath(new URL('./scrape-client.ts', import.meta.url));
  const args = ['--import', 'tsx', client, `${server.url}/monitoring/prometheus/am`, String(SCRAPERS), String(SCRAPE_SECONDS), encoding];
  const scraping = new Promise<number>((resolve, reject) => {
    execFile(process.execPath, args, { timeout: (SCRAPE_SECONDS + 30) * 1_000 }, (error, stdout) => (error ? reject(error) : resolve(Number(stdout.trim()))));
  });
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // the client process starts
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let worstGapMs = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    worstGapMs = Math.max(worstGapMs, now - last - 10);
    last = now;
  }, 10);
  const scrapes = await scraping;
  clearInterval(ticker);
  delay.disable();
  await server.close();
  console.log(
    `event-loop stalls, ${TIMER_SERIES} timer series, ${SCRAPERS} scrapers (${encoding}), ${scrapes} scrapes in ${SCRAPE_SECONDS} s: ` +
      `delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms; worst timer gap ${worstGapMs.toFixed(1)} ms`,
  );
}

await stalledReaders();
await stallsWhileServing('identity');
await stallsWhileServing('gzip');
