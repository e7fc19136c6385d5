// Runs the real `prometheus` binary (Debian package `prometheus`, 2.42 in CI) on loopback for end-to-end
// scrapes: a temp dir for config and TSDB, a free port, readiness, PromQL queries, target health, cleanup.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One scrape job: Prometheus scrapes `metricsPath` on every target (`host:port`). */
export interface ScrapeJob {
  readonly name: string;
  readonly targets: readonly string[];
  readonly metricsPath?: string;
  readonly scheme?: 'http' | 'https';
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

export interface PrometheusOptions {
  readonly jobs: readonly ScrapeJob[];
  /** Default 1 s; also the scrape timeout and rule evaluation interval. */
  readonly scrapeIntervalSeconds?: number;
  /** How long to wait for `/-/ready`; default READY_TIMEOUT_MS. */
  readonly readyTimeoutMs?: number;
  readonly binary?: string;
  /** Absolute paths of rule files to load (`rule_files`). */
  readonly ruleFiles?: readonly string[];
  /** More command-line flags, e.g. `--web.enable-remote-write-receiver`. */
  readonly extraFlags?: readonly string[];
}

/** One recording or alerting rule as `/api/v1/rules` reports it after evaluation. */
export interface RuleInfo {
  readonly name: string;
  readonly query: string;
  readonly type: 'recording' | 'alerting';
  readonly health: 'ok' | 'err' | 'unknown';
  readonly lastError?: string;
  readonly lastEvaluation: string;
}

/** One active target as `/api/v1/targets` reports it (Prometheus 2.42 does not say which format it parsed). */
export interface TargetInfo {
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError: string;
  readonly lastScrape: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** One series of an instant-vector result, its value parsed. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

const READY_TIMEOUT_MS = 20_000;
const POLL_MS = 100;
const REQUEST_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 10_000;
/** Bytes of Prometheus's log kept for error messages. */
const LOG_TAIL_BYTES = 16_384;

/** A running Prometheus; always `stop()` it, in a finally or afterAll. */
export class PrometheusServer {
  private log = '';
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    /** Base URL of its web API, e.g. `http://127.0.0.1:41234`. */
    readonly url: string,
  ) {
    const keep = (chunk: Buffer): void => {
      this.log = (this.log + chunk.toString()).slice(-LOG_TAIL_BYTES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Writes the config, starts Prometheus and waits until it is ready; cleans up itself if it is not. */
  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), 'am-metrics-prometheus-'));
    const configFile = join(dir, 'prometheus.yml');
    // JSON is YAML, so the config needs no YAML writer.
    await writeFile(configFile, JSON.stringify(configOf(options), null, 2), { mode: 0o600 });
    const port = await freePort();
    const child = spawn(
      options.binary ?? 'prometheus',
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        ...(options.extraFlags ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server = new PrometheusServer(child, dir, `http://127.0.0.1:${port}`);
    child.once('error', (error) => (server.log += `\nspawn failed: ${error.message}`));
    try {
      await server.waitUntilReady(options.readyTimeoutMs ?? READY_TIMEOUT_MS);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Runs an instant PromQL query now; throws with Prometheus's error for a bad query. */
  async query(promql: string): Promise<VectorSample[]> {
    const data = (await this.api(`/api/v1/query?query=${encodeURIComponent(promql)}`)) as {
      resultType: string;
      result: { metric: Record<string, string>; value: [number, string] }[];
    };
    if (data.resultType !== 'vector') throw new Error(`expected a vector from ${promql}, got ${data.resultType}`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** Every loaded rule with its health after its last evaluation. */
  async rules(): Promise<RuleInfo[]> {
    const data = (await this.api('/api/v1/rules')) as { groups: { rules: RuleInfo[] }[] };
    return data.groups.flatMap((g) => g.rules);
  }

  /** The active scrape targets with their health and last error. */
  async targets(): Promise<TargetInfo[]> {
    const data = (await this.api('/api/v1/targets?state=active')) as { activeTargets: TargetInfo[] };
    return data.activeTargets;
  }

  /** The last LOG_TAIL_BYTES of Prometheus's output, for failure messages. */
  get logTail(): string {
    return this.log;
  }

  /** SIGTERM, wait (SIGKILL after STOP_TIMEOUT_MS), then remove the temp dir. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.isRunning) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  /** False once the process exited, or when it never started (binary not found). */
  private get isRunning(): boolean {
    return this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.isRunning) throw new Error(`prometheus exited before it was ready:\n${this.log}`);
      try {
        const res = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`prometheus was not ready within ${timeoutMs} ms:\n${this.log}`);
  }

  private async api(path: string): Promise<unknown> {
    const res = await fetch(this.url + path, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = (await res.json()) as { status: string; data?: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  }
}

function configOf(options: PrometheusOptions): unknown {
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  return {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: options.jobs.map((job) => ({
      job_name: job.name,
      metrics_path: job.metricsPath ?? '/metrics',
      scheme: job.scheme ?? 'http',
      ...(job.basicAuth === undefined ? {} : { basic_auth: { username: job.basicAuth.username, password: job.basicAuth.password } }),
      static_configs: [{ targets: job.targets }],
    })),
  };
}

/** A port free right now on 127.0.0.1 (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
