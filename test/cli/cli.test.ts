import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { expectedSamples, referenceCatalogue } from '../support/reference.js';
import { promtoolCheckMetrics } from '../support/prometheus-tools.js';
import { build, CHILD_TIMEOUT_MS, runCli, type CliProcess } from './child.js';
import { hasOpenssl, writeSelfSigned } from '../support/self-signed.js';

const START_LINE = /^am-metrics listening on (https?:\/\/\S+?)\/monitoring\/prometheus\/am /;
const EVERY_SAMPLE = referenceCatalogue().flatMap((metric) => expectedSamples(metric, 'aic'));
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

let tlsDir = '';

beforeAll(() => {
  build();
  if (!hasOpenssl) return;
  tlsDir = mkdtempSync(join(tmpdir(), 'am-metrics-cli-tls-'));
  writeSelfSigned(join(tlsDir, 'cert.pem'), join(tlsDir, 'key.pem'));
});
afterAll(() => {
  if (tlsDir !== '') rmSync(tlsDir, { recursive: true, force: true });
});

/** Starts `serve` on 127.0.0.1 and an ephemeral port and returns the base URL it printed. */
async function serve(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<{ cli: CliProcess; url: string }> {
  const cli = runCli(['serve', '--port', '0', '--host', '127.0.0.1', ...args], env);
  const line = await cli.line(START_LINE);
  return { cli, url: START_LINE.exec(line)?.[1] as string };
}

/** Asserts the process failed with `status` after exactly one line on stderr, and no stack trace. */
async function expectOneLineFailure(cli: CliProcess, status: number, message: RegExp): Promise<void> {
  expect(await cli.exit()).toEqual({ code: status, signal: null });
  expect(cli.errorLines).toHaveLength(1);
  expect(cli.errorLines[0]).toMatch(/^am-metrics: /);
  expect(cli.errorLines[0]).toMatch(message);
  expect(cli.stdout).toBe('');
}

describe('am-metrics', () => {
  it('prints its usage with --help and exits 0', async () => {
    const cli = runCli(['--help']);
    expect(await cli.exit()).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toMatch(/^Usage: am-metrics serve \[options\]/);
    for (const flag of ['--port', '--host', '--pod-name', '--simulate', '--rate', '--seed', '--tls-cert', '--tls-key']) {
      expect(cli.stdout).toContain(flag);
    }
    expect(cli.stderr).toBe('');
  });

  it.each([[['--version']], [['serve', '--version']]])('prints the package version with %j', async (args) => {
    const cli = runCli(args);
    expect(await cli.exit()).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toBe(`${version}\n`);
  });

  it("serves the simulator's samples on the port it prints, every documented one at once", async () => {
    const { cli, url } = await serve(['--simulate', '--seed', '42', '--rate', '5', '--pod-name', 'am-test']);
    expect(cli.stdout).toContain('simulator: 5 logins/s, seed 42');
    const response = await fetch(`${url}/monitoring/prometheus/am`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(EVERY_SAMPLE.filter((name) => !text.includes(`\n${name}{`))).toEqual([]);
    expect(text).toContain('am_authentication_count{kubernetes_pod_name="am-test",outcome="success",}');
  });

  it("serves AM's dotted ids at /json/metrics/api, and no pod label with --pod-name ''", async () => {
    const { cli, url } = await serve(['--simulate', '--seed', '7', '--pod-name', '']);
    expect(cli.stdout).toContain('no pod label');
    const text = await (await fetch(`${url}/monitoring/prometheus/am`)).text();
    expect(text).toContain('am_authentication_count{outcome="success",}');
    expect(text).not.toContain('kubernetes_pod_name');
    const view = (await (await fetch(`${url}/json/metrics/api?_queryFilter=_id+sw+%22authentication.%22`)).json()) as { result: { _id: string }[] };
    expect(view.result.map((e) => e._id)).toContain('authentication.success');
  });

  it('serves Node runtime metrics by default, and with --timer-buckets a histogram per timer, passing promtool', async () => {
    const { url } = await serve(['--simulate', '--seed', '42', '--rate', '50', '--timer-buckets']);
    let text = '';
    for (let attempt = 0; attempt < 50 && !/_duration_seconds_bucket\{.*le="\+Inf",\} [1-9]/.test(text); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      text = await (await fetch(`${url}/monitoring/prometheus/am`)).text();
    }
    expect(text).toMatch(/_duration_seconds_bucket\{.*le="\+Inf",\} [1-9]/);
    for (const name of ['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) expect(text).toContain(`\n${name}{`);
    const result = await promtoolCheckMetrics(text);
    expect(result.stdout + result.stderr).toBe('');
  });

  it('leaves runtime metrics out with --no-runtime-metrics, and timer histograms out by default', async () => {
    const { url } = await serve(['--simulate', '--no-runtime-metrics']);
    const text = await (await fetch(`${url}/monitoring/prometheus/am`)).text();
    expect(text).not.toContain('process_cpu_seconds_total');
    expect(text).not.toContain('_duration_seconds');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('closes the server and exits 0 on %s', async (signal) => {
    const { cli, url } = await serve(['--simulate']);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    cli.child.kill(signal);
    expect(await cli.exit()).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toContain(`am-metrics stopped (${signal})`);
    expect(cli.stderr).toBe('');
  });

  it('serves an empty catalogue without --simulate', async () => {
    const { cli, url } = await serve([]);
    expect(cli.stdout).toContain('no simulator');
    expect((await fetch(`${url}/monitoring/prometheus/am`)).status).toBe(200);
  });

  it('takes PORT and HOST from the environment, and lets flags win over them', async () => {
    const fromEnv = runCli(['serve'], { PORT: '0', HOST: '127.0.0.1' });
    expect(await fromEnv.line(START_LINE)).toMatch(/^am-metrics listening on http:\/\/127\.0\.0\.1:\d+\//);
    const { url } = await serve([], { PORT: 'not-a-port', HOST: 'not-a-host.invalid' });
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('asks for the bearer token set in METRICS_BEARER_TOKEN', async () => {
    const { cli, url } = await serve(['--simulate'], { METRICS_BEARER_TOKEN: 'scrape-me-with-a-long-token' });
    expect(cli.stdout).toContain('auth: bearer');
    expect((await fetch(`${url}/monitoring/prometheus/am`)).status).toBe(401);
    const granted = await fetch(`${url}/monitoring/prometheus/am`, { headers: { Authorization: 'Bearer scrape-me-with-a-long-token' } });
    expect(granted.status).toBe(200);
  });

  it.each([
    [['serve', '--bogus'], /unknown flag --bogus/],
    [['serve', '--port'], /--port needs a value/],
    [['serve', '--port', 'abc'], /--port must be a whole number from 0 to 65535/],
    [['serve', '--port', '65536'], /--port must be a whole number from 0 to 65535/],
    [['serve', '--simulate', '--rate', 'fast'], /--rate must be a number/],
    [['serve', '--simulate', '--rate', '0'], /--rate must be a number/],
    [['serve', '--simulate', '--rate', '1000000'], /--rate must be a number/],
    [['serve', '--simulate', '--seed', '1.5'], /--seed must be a whole number/],
    [['serve', '--rate', '5'], /--rate and --seed only apply with --simulate/],
    [['serve', '--tls-cert', 'cert.pem'], /--tls-cert and --tls-key go together/],
    [['start'], /unknown command "start"/],
    [[], /missing command/],
  ])('refuses %j with one line on stderr and status 2', async (args, message) => {
    await expectOneLineFailure(runCli(args), 2, message);
  });

  it('refuses a bad PORT variable with one line naming it', async () => {
    await expectOneLineFailure(runCli(['serve'], { PORT: '80a' }), 2, /^am-metrics: PORT must be a whole number/);
  });

  it('fails with one line when the port is in use', async () => {
    const occupied = await listeningServer();
    const port = (occupied.address() as { port: number }).port;
    await expectOneLineFailure(runCli(['serve', '--port', String(port), '--host', '127.0.0.1']), 1, new RegExp(`127\\.0\\.0\\.1:${port}: the port is already in use`));
  });

  it('fails with one line when METRICS_PASSWORD_FILE cannot be read', async () => {
    const env = { METRICS_USERNAME: 'prometheus', METRICS_PASSWORD_FILE: '/nonexistent/am-metrics-password' };
    await expectOneLineFailure(runCli(['serve', '--port', '0'], env), 1, /METRICS_PASSWORD_FILE: cannot read "\/nonexistent\/am-metrics-password" \(ENOENT\)/);
  });

  it.skipIf(!hasOpenssl)('serves HTTPS with --tls-cert and --tls-key', async () => {
    const { url } = await serve(['--simulate', '--tls-cert', join(tlsDir, 'cert.pem'), '--tls-key', join(tlsDir, 'key.pem')]);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      httpsGet(`${url}/health`, { ca: readFileSync(join(tlsDir, 'cert.pem')) }, (res) => resolve(res.resume().statusCode)).on('error', reject);
    });
    expect(status).toBe(200);
  });

  it('fails with one line when a TLS file cannot be read', async () => {
    const cli = runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem']);
    await expectOneLineFailure(cli, 1, /--tls-(cert|key): cannot read/);
  });
});

/** A TCP server holding an ephemeral loopback port until the test ends. */
async function listeningServer(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return server;
}

describe('am-metrics metric streams', () => {
  const DOCUMENT_STREAM = {
    name: 'my-datadog-stream',
    subscriptions: [{ metric_type: 'metrics_bridge.api_request' }],
    destination: { type: 'datadog', configuration: { api_key: 'dd-key', site: 'app.datadoghq.com' } },
  };
  const post = (url: string, token: string) =>
    fetch(`${url}/api/v2/metric-streams`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(DOCUMENT_STREAM),
    });

  it("makes up an admin token with --simulate and prints it, so the document's calls work at once", async () => {
    const { cli, url } = await serve(['--simulate']);
    const line = await cli.line(/^metric streams: /);
    const token = /admin token for this run: (\S+)$/.exec(line)?.[1] ?? '';
    expect(token).toMatch(/^[\w-]{32}$/);
    expect((await post(url, token)).status).toBe(201);
    expect((await post(url, 'wrong')).status).toBe(401);
  });

  it('answers 404 on the streams API when no admin token is set', async () => {
    const { url } = await serve([]);
    expect((await post(url, 'anything')).status).toBe(404);
  });

  it('keeps streams in --streams-db (mode 0600) across restarts, under METRICS_ADMIN_TOKEN_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-metrics-cli-streams-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'file-token-0123456789\n');
    const db = join(dir, 'streams.db');
    const first = await serve(['--streams-db', db], { METRICS_ADMIN_TOKEN_FILE: tokenFile });
    expect(first.cli.stdout).not.toContain('file-token-0123456789');
    expect((await post(first.url, 'file-token-0123456789')).status).toBe(201);
    first.cli.child.kill('SIGTERM');
    expect(await first.cli.exit()).toEqual({ code: 0, signal: null });
    expect(statSync(db).mode & 0o777).toBe(0o600);
    const second = await serve(['--streams-db', db], { METRICS_ADMIN_TOKEN: 'file-token-0123456789' });
    const listed = (await (await fetch(`${second.url}/api/v2/metric-streams`, { headers: { authorization: 'Bearer file-token-0123456789' } })).json()) as {
      name: string;
    }[];
    expect(listed.map((s) => s.name)).toEqual(['my-datadog-stream']);
  });

  it('follows a rotated METRICS_ADMIN_TOKEN_FILE: the new token in, the old one out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-metrics-cli-streams-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'first-token-0123456789\n');
    // Its own stream store, not ./am-metrics-streams.db in the checkout.
    const { cli, url } = await serve(['--streams-db', join(dir, 'streams.db')], { METRICS_ADMIN_TOKEN_FILE: tokenFile });
    const list = async (token: string) => (await fetch(`${url}/api/v2/metric-streams`, { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await list('first-token-0123456789')).toBe(200);
    writeFileSync(tokenFile, 'second-token-0123456789\n');
    cli.child.kill('SIGHUP'); // the file watch would see it within a second or so anyway
    const start = performance.now();
    while ((await list('second-token-0123456789')) !== 200) {
      if (performance.now() - start > CHILD_TIMEOUT_MS) throw new Error(`the new token is not accepted; stderr: ${cli.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await list('first-token-0123456789')).toBe(401);
    expect(cli.stderr).not.toContain('token-0123456789');
  });

  it('fails to start, in one line, on a streams file another exporter holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-metrics-cli-streams-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'streams.db');
    await serve(['--streams-db', db], { METRICS_ADMIN_TOKEN: 'admin-token-0123456789' });
    const second = runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--streams-db', db], { METRICS_ADMIN_TOKEN: 'admin-token-0123456789' });
    await expectOneLineFailure(second, 1, /stream store .* is locked by another process/);
  });

  it('fails to start, in one line, on a streams file that is not a database, and leaves it alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-metrics-cli-streams-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'streams.db');
    writeFileSync(db, 'not a database '.repeat(100));
    const cli = runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--streams-db', db], { METRICS_ADMIN_TOKEN: 'admin-token-0123456789' });
    await expectOneLineFailure(cli, 1, /stream store .*streams\.db.*not a usable SQLite database/);
    expect(readFileSync(db, 'utf8')).toBe('not a database '.repeat(100));
  });
});
