// A scrape load generator run as its own process by the load benches: CONCURRENCY clients scrape URL
// back to back for SECONDS (gzipped with a fourth argument `gzip`), then it prints how many scrapes
// completed. Loopback only; stops by itself.
import { Agent, request } from 'node:http';

const [url, concurrencyText, secondsText, encoding] = process.argv.slice(2);
const headers = encoding === 'gzip' ? { 'Accept-Encoding': 'gzip' } : {};
if (url === undefined || !/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error('usage: scrape-client <http://127.0.0.1:port/path> <concurrency> <seconds>');
const concurrency = Number(concurrencyText);
const end = performance.now() + Number(secondsText) * 1_000;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function scrape(): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url!, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

let completed = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      await scrape();
      completed += 1;
    }
  }),
);
agent.destroy();
console.log(completed);
