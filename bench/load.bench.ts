// Loopback load on the exporter with the simulator running: scrape latency and throughput of the full
// catalogue, recording throughput while scrapes run, and memory with stalled clients. Bounded in
// requests and time; stops by itself.
import { request, Agent } from 'node:http';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect, type Socket } from 'node:net';
import { createAmMetrics } from '../src/index.js';
import { startServer } from '../src/express.js';
import { createSimulator } from '../src/simulator/simulator.js';
import { heapUsed } from './support.js';

const SEQUENTIAL_SCRAPES = 200;
const CONCURRENT_SCRAPERS = 4;
const CONCURRENT_SECONDS = 5;
const RECORDING_SECONDS = 3;
const STALLED_CLIENTS = 20;
const PATH = '/monitoring/prometheus/am';

const am = createAmMetrics({ podName: 'am-bench-0' });
const simulator = createSimulator(am, { rate: 100, seed: 42 });
simulator.step(60); // a minute of traffic first, so the catalogue has its real size
simulator.start();
const server = await startServer({ source: am, port: 0, host: '127.0.0.1' });
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENT_SCRAPERS });

function scrape(): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request(`${server.url}${PATH}`, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

// 1. Latency of sequential scrapes.
const size = (await am.registry.metrics()).length;
const latencies: number[] = [];
for (let i = 0; i < SEQUENTIAL_SCRAPES; i += 1) latencies.push(await scrape());
latencies.sort((a, b) => a - b);
console.log(
  `scrape latency, full catalogue (${(size / 1024).toFixed(0)} KiB, simulator at 100 logins/s): p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms over ${SEQUENTIAL_SCRAPES} scrapes`,
);

// 2. Recording throughput alone, then while CONCURRENT_SCRAPERS clients in another process scrape back to back.
async function recordFor(seconds: number): Promise<number> {
  let recorded = 0;
  const end = performance.now() + seconds * 1_000;
  while (performance.now() < end) {
    for (let i = 0; i < 1_000; i += 1) am.cts.task({ operation: 'read', tokenType: 'session' }, 0.002, 'success');
    recorded += 1_000;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return recorded / seconds;
}
const alone = await recordFor(RECORDING_SECONDS);
const client = fileURLToPath(new URL('./scrape-client.ts', import.meta.url));
const scraping = new Promise<number>((resolve, reject) => {
  const args = ['--import', 'tsx', client, `${server.url}${PATH}`, String(CONCURRENT_SCRAPERS), String(CONCURRENT_SECONDS)];
  execFile(process.execPath, args, { timeout: (CONCURRENT_SECONDS + 30) * 1_000 }, (error, stdout) => (error ? reject(error) : resolve(Number(stdout.trim()))));
});
await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the client process start
const whileScraping = await recordFor(CONCURRENT_SECONDS - 1);
const scrapes = await scraping;
console.log(`scrape throughput, ${CONCURRENT_SCRAPERS} concurrent clients in another process: ${(scrapes / CONCURRENT_SECONDS).toFixed(1)} scrapes/s (shared renders)`);
console.log(`recording throughput in the same process: ${(alone / 1e6).toFixed(2)} M/s alone, ${(whileScraping / 1e6).toFixed(2)} M/s while scraping`);

// 3. Memory with clients that send a scrape request and never read the answer.
const before = heapUsed();
const stalled: Socket[] = [];
for (let i = 0; i < STALLED_CLIENTS; i += 1) {
  const socket = connect(server.port, '127.0.0.1');
  socket.pause();
  socket.write(`GET ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: identity\r\n\r\n`);
  stalled.push(socket);
}
await new Promise((resolve) => setTimeout(resolve, 3_000));
const during = heapUsed();
for (const socket of stalled) socket.destroy();
console.log(
  `memory with ${STALLED_CLIENTS} stalled clients: heap + buffers ${(before / 2 ** 20).toFixed(1)} MiB before, ${(during / 2 ** 20).toFixed(1)} MiB while stalled (+${((during - before) / 2 ** 20).toFixed(1)} MiB, ${((during - before) / STALLED_CLIENTS / 1024).toFixed(0)} KiB per client)`,
);

simulator.stop();
agent.destroy();
await server.close();
