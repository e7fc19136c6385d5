// Runs VictoriaMetrics (Debian's `victoria-metrics`, put under .tools/ by
// scripts/install-victoria-metrics.sh) on loopback as a real receiver of the push encoders: a temp data
// dir, a free port, pushes over HTTP, and read-back through /api/v1/export.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './prometheus-server.js';

/** Where the install script puts the binary; `VICTORIA_METRICS_BIN` overrides it. */
export const VICTORIA_METRICS_BIN = process.env.VICTORIA_METRICS_BIN ?? fileURLToPath(new URL('../../.tools/victoria-metrics/usr/bin/victoria-metrics', import.meta.url));

/** Whether the binary is there; tests skip with a message naming the install script when it is not. */
export const hasVictoriaMetrics = existsSync(VICTORIA_METRICS_BIN);

const READY_TIMEOUT_MS = 20_000;
const POLL_MS = 100;
const REQUEST_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_TAIL_BYTES = 16_384;

/** One exported series: its labels (`__name__` included) and samples. */
export interface ExportedSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly number[];
  readonly timestamps: readonly number[];
}

/** A running VictoriaMetrics; always `stop()` it, in a finally or afterAll. */
export class VictoriaMetrics {
  private log = '';
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    /** Base URL, e.g. `http://127.0.0.1:41234`. */
    readonly url: string,
  ) {
    const keep = (chunk: Buffer): void => {
      this.log = (this.log + chunk.toString()).slice(-LOG_TAIL_BYTES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /**
   * Starts it on a free loopback port with a fresh data dir and waits for `/health`; `flags` are added
   * to its command line (e.g. `-opentelemetry.usePrometheusNaming`).
   */
  static async start(flags: readonly string[] = []): Promise<VictoriaMetrics> {
    const dir = await mkdtemp(join(tmpdir(), 'am-metrics-vm-'));
    const port = await freePort();
    const child = spawn(
      VICTORIA_METRICS_BIN,
      [`-storageDataPath=${join(dir, 'data')}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=100y', '-loggerLevel=WARN', ...flags],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server = new VictoriaMetrics(child, dir, `http://127.0.0.1:${port}`);
    child.once('error', (error) => (server.log += `\nspawn failed: ${error.message}`));
    try {
      await server.waitUntilReady();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** POSTs `body` to `path`; throws with the status and VictoriaMetrics' answer unless it is 2xx. */
  async push(path: string, body: Uint8Array, headers: Readonly<Record<string, string>>): Promise<void> {
    const res = await fetch(this.url + path, { method: 'POST', body, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${text}\n${this.log}`);
  }

  /** Every series matching `selector`, after making what was pushed searchable. */
  async export(selector: string): Promise<ExportedSeries[]> {
    await fetch(`${this.url}/internal/force_flush`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const res = await fetch(`${this.url}/api/v1/export?match[]=${encodeURIComponent(selector)}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`export ${selector}: ${res.status} ${await res.text()}`);
    const lines = (await res.text()).split('\n').filter((line) => line !== '');
    return lines.map((line) => JSON.parse(line) as ExportedSeries);
  }

  /**
   * An instant query (`/api/v1/query`) at `timeMs`, after making what was pushed searchable: each
   * result's labels and value. Throws with VictoriaMetrics' answer on an error.
   */
  async query(promql: string, timeMs: number): Promise<{ metric: Record<string, string>; value: number }[]> {
    await fetch(`${this.url}/internal/force_flush`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const params = new URLSearchParams({ query: promql, time: String(timeMs / 1000) });
    const res = await fetch(`${this.url}/api/v1/query?${params}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const answer = (await res.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (answer.status !== 'success') throw new Error(`query ${promql}: ${res.status} ${answer.error ?? ''}`);
    return (answer.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** Values of label `name` on the series matching `selector` (`/api/v1/label/<name>/values`), as Grafana's label_values() asks. */
  async labelValues(name: string, selector: string): Promise<string[]> {
    await fetch(`${this.url}/internal/force_flush`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const params = new URLSearchParams({ 'match[]': selector, start: '0' });
    const res = await fetch(`${this.url}/api/v1/label/${encodeURIComponent(name)}/values?${params}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`label values ${name} of ${selector}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { data: string[] }).data;
  }

  get logTail(): string {
    return this.log;
  }

  /** SIGTERM, wait (SIGKILL after STOP_TIMEOUT_MS), then remove the data dir. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`victoria-metrics exited before it was ready:\n${this.log}`);
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`victoria-metrics was not ready within ${READY_TIMEOUT_MS} ms:\n${this.log}`);
  }
}
