// `am-metrics serve --workers <n>`: parsing, the traffic split, and a real primary with two workers
// (run from the sources with tsx, so this file needs no build) that serves their merged metrics and
// takes them down with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MAX_WORKERS, parseCommandLine, UsageError } from '../../src/cli/options.js';
import { USAGE } from '../../src/cli/usage.js';
import { workerSimulator } from '../../src/cli/workers.js';
import { CliProcess } from './child.js';
import { OtlpReceiver } from '../support/otlp-receiver.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const defaults = { hostname: () => 'host-os', randomSeed: () => 777 };
/** A primary and two workers each load tsx and compile the sources: slow on a busy machine. */
const START_MS = 60_000;
const STOP_MS = 15_000;
/** A stream's first flush (10 s after its creation) and the ticks around it, on a busy machine. */
const STREAM_FLUSH_MS = 30_000;
const START_LINE = /^am-metrics listening on (http:\/\/\S+?)\/monitoring\/prometheus\/am .*workers: 2 \(pids (\d+), (\d+)\)/m;

function serveSettings(args: readonly string[]) {
  const command = parseCommandLine(['serve', ...args], {}, defaults);
  if (command.kind !== 'serve') throw new Error(`expected serve, got ${command.kind}`);
  return command.settings;
}

describe('am-metrics serve --workers', () => {
  it('reads the number of workers, and only a whole number from 1 to MAX_WORKERS', () => {
    expect(serveSettings(['--workers', '4']).workers).toBe(4);
    expect(serveSettings([])).not.toHaveProperty('workers');
    for (const value of ['0', String(MAX_WORKERS + 1), 'four', '1.5', '']) {
      expect(() => serveSettings(['--workers', value]), value).toThrow(UsageError);
    }
    expect(USAGE).toContain('--workers <n>');
  });

  it("divides the simulator's rate among the workers and gives each its own seed", () => {
    const shares = [0, 1, 2, 3].map((i) => workerSimulator({ rate: 100, seed: 2 ** 32 - 2 }, i, 4));
    expect(shares).toEqual([
      { rate: 25, seed: 2 ** 32 - 2 },
      { rate: 25, seed: 2 ** 32 - 1 },
      { rate: 25, seed: 0 },
      { rate: 25, seed: 1 },
    ]);
  });

  it(
    'serves the merged traffic of its workers, with --timer-buckets their histograms too, and stops them when it stops',
    async () => {
      const { child, url, pids, cli } = await startCluster(['--pod-name', 'am-cluster', '--timer-buckets']);
      expect(pids.every(isRunning)).toBe(true);

      const text = await (await fetch(`${url}/monitoring/prometheus/am`, { signal: AbortSignal.timeout(STOP_MS) })).text();
      expect(text).toMatch(/^am_metrics_cluster_workers\{kubernetes_pod_name="am-cluster",\} 2\.0$/m);
      expect(text).toMatch(/^am_authentication_count\{kubernetes_pod_name="am-cluster",outcome="success",\} [1-9]/m);
      // The workers record every timer, so the histograms exist only if their registries keep buckets too.
      expect(text).toMatch(/^am_cts_task_duration_seconds_bucket\{kubernetes_pod_name="am-cluster",.*le="\+Inf",\} [1-9]/m);

      child.kill('SIGTERM');
      expect(await waitFor(() => (child.exitCode === null ? undefined : child.exitCode), STOP_MS, 'the primary to exit')).toBe(0);
      expect(cli.stdout).toContain('am-metrics stopped (SIGTERM)');
      await waitFor(() => (pids.some(isRunning) ? undefined : true), STOP_MS, 'the workers to exit');
    },
    START_MS + 2 * STOP_MS,
  );

  it(
    'keeps its workers through a SIGHUP sent to them all (pkill -HUP -f am-metrics): they are copies of the command, which SIGHUP never ends',
    async () => {
      const { child, url, pids } = await startCluster();
      for (const pid of [child.pid ?? 0, ...pids]) process.kill(pid, 'SIGHUP');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(pids.filter(isRunning)).toEqual(pids);
      const text = await (await fetch(`${url}/monitoring/prometheus/am`, { signal: AbortSignal.timeout(STOP_MS) })).text();
      expect(text).toMatch(/^am_metrics_cluster_workers\{[^}]*\} 2\.0$/m);
    },
    START_MS + STOP_MS,
  );
});

describe('am-metrics serve --workers when a worker dies', () => {
  it(
    'says so in one line naming the worker and how it ended, and keeps serving',
    async () => {
      const { child, url, pids, cli } = await startCluster();
      process.kill(pids[0] as number, 'SIGKILL');
      const line = await waitFor(() => cli.errorLines.find((l) => l.includes('worker')), STOP_MS, 'a line about the worker');
      expect(line).toBe(`am-metrics: worker ${pids[0]} exited (SIGKILL); 1 of 2 workers left, the counts it reported stay in the merge`);
      expect((await fetch(`${url}/health`, { signal: AbortSignal.timeout(STOP_MS) })).status).toBe(200);
      child.kill('SIGTERM');
      expect(await waitFor(() => (child.exitCode === null ? undefined : child.exitCode), STOP_MS, 'the primary to exit')).toBe(0);
      expect(cli.errorLines).toEqual([line]);
    },
    START_MS + 3 * STOP_MS,
  );
});

describe('am-metrics serve --workers with metric streams', () => {
  it(
    "streams the workers' simulated API requests, which the primary never records itself",
    async () => {
      const receiver = new OtlpReceiver();
      const receiverPort = await receiver.start();
      onTestFinished(() => receiver.stop());
      const { child, url, cli } = await startCluster();
      const token = await waitFor(() => /admin token for this run: (\S+)/.exec(cli.stdout)?.[1], STOP_MS, 'the admin token');
      const created = await fetch(`${url}/api/v2/metric-streams`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'cluster',
          subscriptions: [{ metric_type: 'auth0.api_request.count' }],
          destination: {
            type: 'otlp',
            configuration: {
              endpoint: `http://127.0.0.1:${receiverPort}`,
              protocol: 'http',
              auth_type: 'api_key',
              api_key: 'k',
              auth_header_name: 'x-key',
              temporality: 'delta',
            },
          },
        }),
      });
      expect(created.status).toBe(201);
      // The first flush comes 10 s (DEFAULT_FLUSH_INTERVAL_MS) after the stream was created.
      const sent = await waitFor(() => (receiver.points.some((p) => p.value > 0) ? receiver.points : undefined), STREAM_FLUSH_MS, 'api requests at the receiver');
      expect(sent.reduce((n, p) => n + p.value, 0)).toBeGreaterThan(0);
      child.kill('SIGTERM');
      expect(await waitFor(() => (child.exitCode === null ? undefined : child.exitCode), STOP_MS, 'the primary to exit')).toBe(0);
    },
    START_MS + STREAM_FLUSH_MS + 2 * STOP_MS,
  );
});

/**
 * Starts `am-metrics serve` from the sources with two workers and the simulator (`extra` appended to
 * its arguments) and waits for its start line; the primary and its workers are killed when the test
 * ends, whatever happened.
 */
async function startCluster(extra: readonly string[] = []): Promise<{ child: ChildProcess; cli: CliProcess; url: string; pids: number[] }> {
  const args = ['serve', '--port', '0', '--host', '127.0.0.1', '--workers', '2', '--simulate', '--rate', '40', '--seed', '7', ...extra];
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}src/cli.ts`, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const cli = new CliProcess(child);
  let pids: number[] = [];
  onTestFinished(() => {
    for (const pid of [child.pid ?? 0, ...pids]) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  });
  const [, url, ...workerPids] = START_LINE.exec(await waitFor(() => START_LINE.exec(cli.stdout)?.[0], START_MS, 'the start line')) as RegExpExecArray;
  pids = workerPids.map(Number);
  return { child, cli, url: url as string, pids };
}

function isRunning(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it returns something, failing after `ms`. */
async function waitFor<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const found = check();
    if (found !== undefined) return found;
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
