// Real `node:cluster` workers that die, hang or answer garbage: the primary's scrape still answers
// within its deadline, counts what went wrong, and never lets the host's counts go down.
import { spawnSync } from 'node:child_process';
import type { Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ClusterConfigError, clusterMetrics, DEFAULT_WORKER_TIMEOUT_MS, type ClusterPrimary } from '../../src/cluster.js';
import { startServer, type RunningServer } from '../../src/express.js';
import { renderPrometheusText, type Collection } from '../../src/index.js';
import { STATE_ANSWER } from '../../src/cluster/protocol.js';
import { ServerConfigError } from '../../src/http/errors.js';
import { BUSY_STATE_MS, LATENCIES_PER_OPERATION } from './observations.js';
import { parseExposition } from '../support/prometheus-tools.js';
import { forkWorkers, killed, stopWorkers, within, WORKER_START_MS } from './workers.js';

const RESOURCE = { kubernetes_pod_name: 'am-0' };
/** Short, so the hanging worker costs the test little; the bound below leaves room for a busy machine. */
const TEST_TIMEOUT_MS = 500;
const SCRAPE_SLACK_MS = 2_000;

function openPrimary(options: Parameters<typeof clusterMetrics.primary>[0]): ClusterPrimary {
  const primary = clusterMetrics.primary(options);
  onTestFinished(() => primary.close());
  return primary;
}

/** The merged `am_test_login` count of one operation. */
function loginCount(collection: Collection, operation: string): number | undefined {
  const family = collection.families.find((f) => f.descriptor.name === 'am_test_login');
  return (family?.series.find((s) => s.labels.operation === operation) as { count?: number } | undefined)?.count;
}

function valueOf(collection: Collection, name: string): number | undefined {
  return (collection.families.find((f) => f.descriptor.name === name)?.series[0] as { value?: number } | undefined)?.value;
}

/** One scrape over HTTP: its status, how long it took, the merged login count and workers merged. */
async function scrape(server: RunningServer): Promise<{ status: number; elapsedMs: number; logins: number; workers: number }> {
  const start = performance.now();
  const response = await fetch(`${server.url}/monitoring/prometheus/am`, { signal: AbortSignal.timeout(DEFAULT_WORKER_TIMEOUT_MS * 2) });
  const text = await response.text();
  const elapsedMs = performance.now() - start;
  const families = await parseExposition(text, 'prometheus');
  const sample = (name: string) => families.flatMap((f) => f.samples).find((s) => s.name === name)?.value as number;
  return { status: response.status, elapsedMs, logins: sample('am_test_login_count'), workers: sample('am_metrics_cluster_workers') };
}

describe('clusterMetrics.primary() when workers die', () => {
  it(
    'answers while a worker is killed mid-run, keeps its reported counts, and takes in a new worker without a restart',
    async () => {
      const primary = openPrimary({ defaultLabels: RESOURCE });
      const workers: Worker[] = await forkWorkers(['live', 'live', 'live', 'live']);
      onTestFinished(() => stopWorkers(workers));
      const server = await startServer({ source: primary, port: 0, host: '127.0.0.1', logger: () => {} });
      onTestFinished(() => server.close());

      const before = await scrape(server);
      expect(before).toMatchObject({ status: 200, workers: 4 });
      const dying = killed(workers[1] as Worker);
      const during = await scrape(server);
      await within(dying, DEFAULT_WORKER_TIMEOUT_MS, 'the killed worker to exit');
      const after = await scrape(server);

      expect(during.status).toBe(200);
      expect(during.elapsedMs).toBeLessThan(DEFAULT_WORKER_TIMEOUT_MS);
      expect(after).toMatchObject({ status: 200, workers: 3 });
      // The dead worker's last answer stays in the totals: a count that went down would read as a reset.
      expect(during.logins).toBeGreaterThanOrEqual(before.logins);
      expect(after.logins).toBeGreaterThanOrEqual(during.logins);

      workers.push(...(await forkWorkers(['live'], 4)));
      const joined = await scrape(server);
      expect(joined).toMatchObject({ status: 200, workers: 4 });
      expect(joined.logins).toBeGreaterThanOrEqual(after.logins);
    },
    2 * WORKER_START_MS + DEFAULT_WORKER_TIMEOUT_MS * 4,
  );
  it(
    'counts a worker once when it exits after answering a scrape that another scrape overtakes',
    async () => {
      const primary = openPrimary({ timeoutMs: TEST_TIMEOUT_MS, defaultLabels: RESOURCE });
      const workers: Worker[] = await forkWorkers(['fixed', 'hang']);
      onTestFinished(() => stopWorkers(workers));
      const fixed = workers[0] as Worker;
      const reads = (collection: Collection) => loginCount(collection, 'read');
      expect(reads(await primary.collect())).toBe(LATENCIES_PER_OPERATION);

      // The hanging worker keeps the first scrape open for TEST_TIMEOUT_MS after the fixed one answered it.
      const answered = new Promise<void>((resolve) => fixed.on('message', (message: { type?: unknown }) => message?.type === STATE_ANSWER && resolve()));
      const first = primary.collect();
      await within(answered, TEST_TIMEOUT_MS, 'the fixed worker to answer');
      await within(killed(fixed), DEFAULT_WORKER_TIMEOUT_MS, 'the fixed worker to exit');
      const second = primary.collect(); // starts while the first still waits, after the fixed worker exited

      expect(reads(await first)).toBe(LATENCIES_PER_OPERATION);
      expect(reads(await second)).toBe(LATENCIES_PER_OPERATION);
      expect(reads(await primary.collect())).toBe(LATENCIES_PER_OPERATION);
    },
    WORKER_START_MS + DEFAULT_WORKER_TIMEOUT_MS * 2,
  );
  it(
    "keeps an exited worker's counts when one of its metrics changed shape in the workers that replaced it",
    async () => {
      const primary = openPrimary({ timeoutMs: TEST_TIMEOUT_MS, defaultLabels: RESOURCE });
      const workers: Worker[] = await forkWorkers(['fixed']);
      onTestFinished(() => stopWorkers(workers));
      expect(loginCount(await primary.collect(), 'read')).toBe(LATENCIES_PER_OPERATION);
      await within(killed(workers[0] as Worker), DEFAULT_WORKER_TIMEOUT_MS, 'the old worker to exit');
      workers.push(...(await forkWorkers(['redeployed'], 1)));

      const collection = await primary.collect();
      expect(loginCount(collection, 'read')).toBe(LATENCIES_PER_OPERATION + 1);
      // Only the timer the new code turned into a gauge is left out of the exited worker's totals.
      expect(collection.families.find((f) => f.descriptor.name === 'am_test_latency')?.kind).toBe('gauge');
      expect(collection.families.find((f) => f.descriptor.name === 'am_test_users')?.series).toHaveLength(1);
      expect(String(collection.failures.find((f) => f.metric === 'exited-workers')?.error)).toMatch(/MetricConflictError: am_test_latency/);
    },
    2 * WORKER_START_MS + DEFAULT_WORKER_TIMEOUT_MS,
  );
});

describe('clusterMetrics.primary() with a final state it cannot merge', () => {
  // The counter alone tells an operator that something was refused, not what or why: the line does.
  it(
    'logs one line naming the worker and the reason, and counts it',
    async () => {
      let nowMs = Date.now();
      const logged: string[] = [];
      const primary = openPrimary({ defaultLabels: RESOURCE, now: () => nowMs, logger: (line) => logged.push(line) });
      const [worker] = await forkWorkers(['api']);
      onTestFinished(() => stopWorkers([worker!]));
      expect(valueOf(await primary.collect(), 'am_metrics_cluster_workers')).toBe(1);

      nowMs -= 3_600_000; // the primary's clock set an hour back: the final state is too far ahead to merge
      const exited = new Promise<void>((resolve) => worker!.once('exit', () => resolve()));
      const disconnected = worker!.isConnected() ? new Promise<void>((resolve) => worker!.once('disconnect', () => resolve())) : Promise.resolve();
      worker!.process.kill('SIGTERM'); // the `api` worker sends its final state, then exits
      await within(Promise.all([exited, disconnected]), 10_000, 'the worker to report and exit');

      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatch(
        new RegExp(
          `^am-metrics: cluster worker-${worker!.id}: final state not merged, its last answer stands in: InvalidValueError: registry: value \\d+ is a time \\d+ s ahead`,
        ),
      );
      expect(valueOf(await primary.collect(), 'am_metrics_cluster_worker_errors')).toBe(1);
    },
    WORKER_START_MS + 20_000,
  );
});

describe('clusterMetrics.primary() when workers misbehave', () => {
  let workers: Worker[] = [];
  beforeAll(async () => {
    workers = await forkWorkers(['live', 'hang', 'malformed']);
  }, WORKER_START_MS + 5_000);
  afterAll(() => stopWorkers(workers));

  it('answers within its deadline when a worker never does, and counts each time it did not', async () => {
    const primary = openPrimary({ timeoutMs: TEST_TIMEOUT_MS, defaultLabels: RESOURCE });
    const start = performance.now();
    const first = await primary.collect();
    expect(performance.now() - start).toBeLessThan(TEST_TIMEOUT_MS + SCRAPE_SLACK_MS);
    expect(valueOf(first, 'am_metrics_cluster_worker_timeouts')).toBe(1);
    expect(valueOf(first, 'am_metrics_cluster_workers')).toBe(1);
    expect(valueOf(first, 'am_test_login')).toBeUndefined(); // a summary: no `value`, but the family is there
    expect(first.families.some((f) => f.descriptor.name === 'am_test_login')).toBe(true);
    const hanging = workers[1] as Worker;
    expect(first.failures).toContainEqual({ metric: `worker-${hanging.id}`, error: new Error(`did not answer within ${TEST_TIMEOUT_MS} ms`) });

    const second = await primary.collect();
    expect(valueOf(second, 'am_metrics_cluster_worker_timeouts')).toBe(2);
  });

  it('contains a malformed answer: counted, reported, and the rest of the scrape renders', async () => {
    const primary = openPrimary({ timeoutMs: TEST_TIMEOUT_MS, defaultLabels: RESOURCE });
    const collection = await primary.collect();
    const malformed = workers[2] as Worker;
    expect(valueOf(collection, 'am_metrics_cluster_worker_errors')).toBe(1);
    const failure = collection.failures.find((f) => f.metric === `worker-${malformed.id}`);
    expect(String(failure?.error)).toMatch(/InvalidValueError: am_test_latency/);
    const text = await renderPrometheusText(collection, {});
    expect(text).toMatch(/^am_test_login_count\{kubernetes_pod_name="am-0",operation="read",\} [1-9]/m);
    expect(text).not.toContain('am_test_latency');
  });

  it("ignores the application's own messages on both sides", async () => {
    const primary = openPrimary({ timeoutMs: TEST_TIMEOUT_MS, defaultLabels: RESOURCE });
    const live = workers[0] as Worker;
    for (const message of ['hello', { type: 'app:reload' }, { type: 'am-metrics:cluster:state-request' }, 42]) live.send(message);
    const collection = await primary.collect();
    expect(live.isConnected()).toBe(true);
    expect(valueOf(collection, 'am_metrics_cluster_workers')).toBe(1);
  });
});

describe('clusterMetrics.primary() with a worker slower than its deadline', () => {
  it(
    'asks it again only once it has answered, so unanswered requests do not pile up in it',
    async () => {
      const primary = openPrimary({ timeoutMs: BUSY_STATE_MS / 6 });
      const [worker] = await forkWorkers(['busy']);
      onTestFinished(() => stopWorkers([worker as Worker]));
      let answers = 0;
      worker?.on('message', (message: { type?: unknown }) => (answers += message?.type === STATE_ANSWER ? 1 : 0));
      for (let i = 0; i < 24; i += 1) await primary.collect();
      // Six rounds last one state's worth of CPU: left alone, the worker would owe one answer a round
      // and go on answering for seconds after the last; asked only once it answered, it owes one.
      const answeredByThen = answers;
      await new Promise((resolve) => setTimeout(resolve, 3 * BUSY_STATE_MS));
      expect(answers - answeredByThen).toBeLessThanOrEqual(1);
    },
    WORKER_START_MS + 10_000,
  );
});

describe('clusterMetrics.worker() with a state that cannot cross IPC', () => {
  it(
    'keeps a worker running whose state cannot be sent over IPC, and counts it as an error',
    async () => {
      const primary = openPrimary({ timeoutMs: TEST_TIMEOUT_MS, defaultLabels: RESOURCE });
      const [worker] = await forkWorkers(['unserializable']);
      onTestFinished(() => stopWorkers([worker as Worker]));
      const collection = await primary.collect();
      expect(valueOf(collection, 'am_metrics_cluster_worker_errors')).toBe(1);
      const failure = collection.failures.find((f) => f.metric === `worker-${worker?.id}`);
      expect(String(failure?.error)).toMatch(/could not read its state: .*BigInt/);
      // Still there to answer the next round: a worker that crashed would be gone, not counted again.
      expect(valueOf(await primary.collect(), 'am_metrics_cluster_worker_errors')).toBe(2);
      expect(worker?.isDead()).toBe(false);
    },
    WORKER_START_MS + 5_000,
  );
});

describe('clusterMetrics.primary() options', () => {
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '5000'])('refuses timeoutMs %s with ClusterConfigError', (timeoutMs) => {
    expect(() => clusterMetrics.primary({ timeoutMs: timeoutMs as number })).toThrow(ClusterConfigError);
  });

  it('refuses a logger that is not a function (`logger: console`) with ServerConfigError naming it', () => {
    expect(() => clusterMetrics.primary({ logger: console as unknown as (line: string) => void })).toThrow(ServerConfigError);
    expect(() => clusterMetrics.primary({ logger: console as unknown as (line: string) => void })).toThrow(/^logger: must be a function/);
  });

  it(
    'refuses to start a worker in a process without an IPC channel to a primary',
    () => {
      const script =
        "import('./src/cluster.ts').then(({ clusterMetrics }) => clusterMetrics.worker({ state: async () => ({}) }))" +
        '.catch((error) => { console.log(error.name); process.exit(3); })';
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: fileURLToPath(new URL('../../', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
        timeout: WORKER_START_MS,
      });
      expect({ status: run.status, stdout: run.stdout.trim() }).toEqual({ status: 3, stdout: 'ClusterConfigError' });
    },
    WORKER_START_MS + 5_000,
  );

  it('answers at once with only its own metrics when there are no workers', async () => {
    const primary = openPrimary({ timeoutMs: DEFAULT_WORKER_TIMEOUT_MS });
    const start = performance.now();
    const collection = await primary.collect();
    expect(performance.now() - start).toBeLessThan(SCRAPE_SLACK_MS);
    expect(collection.families.map((f) => f.descriptor.name)).toEqual([
      'am_metrics_cluster_worker_timeouts',
      'am_metrics_cluster_worker_errors',
      'am_metrics_cluster_workers',
    ]);
  });
});
