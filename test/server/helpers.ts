// Shared pieces of the server tests: a small registry with one metric of each type, a server on an
// ephemeral loopback port closed after the test, raw HTTP without decompression, and a gate promise.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { onTestFinished } from 'vitest';
import { Registry } from '../../src/index.js';
import { startServer, type RunningServer, type StartServerOptions } from '../../src/server.js';
import { ManualClock } from '../support/manual-clock.js';

/** The `Accept` header Prometheus 2.42 sends with every scrape. */
export const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Every path serving Prometheus text, with the naming profile it uses. */
export const PROMETHEUS_PATHS = [
  ['/monitoring/prometheus/am', 'aic'],
  ['/metrics/prometheus/0.0.4', 'aic'],
  ['/json/metrics/prometheus', 'legacy'],
  ['/metrics/prometheus', 'legacy'],
] as const;

/** Every path needing credentials when auth is configured. */
export const PROTECTED_PATHS = [
  ...PROMETHEUS_PATHS.map(([path]) => path),
  '/json/metrics/api',
  '/json/metrics/api/am_x.success',
  '/monitoring',
  '/monitoring/data',
  '/monitoring/assets/page.js',
] as const;

/**
 * A registry on a manual clock with `am_x` (summary, 3 successes and 1 failure), `am_t` (timer, 0.3 s
 * and 0.1 s), `am_g` (gauge, 42), `am_u` (distinct counter, 2 users), all with
 * `kubernetes_pod_name="am-0"`.
 */
export function sampleRegistry(clock = new ManualClock()): Registry {
  const registry = new Registry({ now: () => clock.now(), defaultLabels: { kubernetes_pod_name: 'am-0' } });
  const x = registry.summary({ name: 'am_x', help: 'Authentications.', labelNames: ['outcome'] });
  for (const outcome of ['success', 'success', 'success', 'failure']) x.record({ outcome });
  const t = registry.timer({ name: 'am_t', help: 'CTS operations.', labelNames: ['operation', 'outcome'] });
  t.observe({ operation: 'create', outcome: 'success' }, 0.3);
  t.observe({ operation: 'create', outcome: 'success' }, 0.1);
  registry.gauge({ name: 'am_g', help: 'Cache size.' }).set({}, 42);
  const u = registry.distinctCounter({ name: 'am_u', help: 'Unique users.', labelNames: ['outcome'] });
  u.add({ outcome: 'success' }, 'alice');
  u.add({ outcome: 'success' }, 'bob');
  clock.advance({ seconds: 10 });
  return registry;
}

/** Starts the exporter on 127.0.0.1 and an ephemeral port, silent unless given a logger; closed after the test. */
export async function serve(options: Omit<StartServerOptions, 'port' | 'host'>): Promise<RunningServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', logger: () => {}, ...options });
  onTestFinished(() => server.close());
  return server;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * One request with exactly the headers given and the path exactly as written (no `..` or `.` resolution,
 * which URL parsing would do); the body comes back as sent (no gunzip).
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; localAddress?: string; signal?: AbortSignal } = {},
): Promise<RawResponse> {
  const [, origin = '', path = '/'] = /^(https?:\/\/[^/:]+:\d+)(.*)$/.exec(url) ?? [];
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const target = {
      hostname,
      port,
      path,
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      localAddress: options.localAddress,
      agent: false,
      signal: options.signal,
    };
    const req = httpRequest(target, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A promise the test resolves when it chooses. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** `Authorization` value for HTTP Basic. */
export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
