// Secrets rotated under a running server, as cert-manager and Kubernetes secret volumes do it: the
// certificate, key and password file change on disk and the server follows without a signal, without
// dropping connections, and without giving up a working secret for a broken one.
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Registry } from '../../src/index.js';
import { authSourceFromEnvironment } from '../../src/http/auth-environment.js';
import { watchFiles } from '../../src/http/file-watch.js';
import { startServer, type RunningServer, type StartServerOptions } from '../../src/server.js';
import { adminTokenSourceFromEnvironment } from '../../src/streams/admin-token.js';
import { ManagementApi, METRIC_STREAMS_PATH } from '../../src/streams/management-api.js';
import { StreamStore } from '../../src/streams/store.js';
import { ManualClock } from '../support/manual-clock.js';
import { hasOpenssl, writeSelfSigned } from '../support/self-signed.js';
import { bounded, readUntil } from './support.js';

/** Poll interval the tests give the server, so a missed directory event still shows within a second. */
const POLL_MS = 200;
/** How long a rotation may take to reach new connections in these tests (poll + debounce, with room for a loaded machine). */
const ROTATION_BOUND_MS = 5_000;

let dir = '';
const pem = (name: string, part: 'cert' | 'key'): string => join(dir, `${name}-${part}.pem`);
const fingerprintOf = (name: string): string => new X509Certificate(readFileSync(pem(name, 'cert'))).fingerprint256;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'am-metrics-rotation-'));
  if (!hasOpenssl) return;
  for (const name of ['a', 'b', 'c']) writeSelfSigned(pem(name, 'cert'), pem(name, 'key'));
  writeSelfSigned(pem('rsa', 'cert'), pem('rsa', 'key'), 'rsa');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh directory for one test's live files. */
function liveDirectory(name: string): string {
  const live = join(dir, name);
  mkdirSync(live);
  return live;
}

async function startTls(cert: string, key: string, lines: string[], options: Partial<StartServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({
    source: new Registry(),
    port: 0,
    host: '127.0.0.1',
    tls: { cert, key },
    filePollIntervalMs: POLL_MS,
    logger: (line) => lines.push(line),
    ...options,
  });
  onTestFinished(() => server.close());
  return server;
}

async function openTls(port: number): Promise<TLSSocket> {
  const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  onTestFinished(() => void socket.destroy());
  await bounded(new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject)), 'the TLS handshake');
  return socket;
}

async function offeredFingerprint(port: number): Promise<string> {
  const socket = await openTls(port);
  const fingerprint = socket.getPeerCertificate().fingerprint256;
  socket.destroy();
  return fingerprint;
}

/** Resolves once `check` holds, trying every 50 ms; fails after `boundMs` naming `what`. */
async function eventually(what: string, check: () => Promise<boolean> | boolean, boundMs = ROTATION_BOUND_MS): Promise<void> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > boundMs) throw new Error(`not within ${boundMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One keep-alive request on an open TLS connection; resolves with the status line. */
async function healthOn(socket: TLSSocket): Promise<string> {
  const answer = readUntil(socket, /"UP"\}|HTTP\/1\.1 [^2]/);
  socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  return (await answer).split('\r\n', 1)[0] ?? '';
}

describe.skipIf(!hasOpenssl)('a certificate rotated on disk', () => {
  it('reaches new connections when the files are overwritten in place, while a kept-alive connection carries on with the old one', async () => {
    const live = liveDirectory('in-place');
    const [cert, key] = [join(live, 'tls.crt'), join(live, 'tls.key')];
    copyFileSync(pem('a', 'cert'), cert);
    copyFileSync(pem('a', 'key'), key);
    const lines: string[] = [];
    const server = await startTls(cert, key, lines);
    const kept = await openTls(server.port);
    expect(await healthOn(kept)).toBe('HTTP/1.1 200 OK');

    copyFileSync(pem('b', 'cert'), cert);
    copyFileSync(pem('b', 'key'), key);
    await eventually('new connections get certificate b', async () => (await offeredFingerprint(server.port)) === fingerprintOf('b'));

    expect(await healthOn(kept)).toBe('HTTP/1.1 200 OK');
    expect(kept.getPeerCertificate().fingerprint256).toBe(fingerprintOf('a'));
    expect(lines.at(-1)).toMatch(/^am-metrics: file change: reloaded TLS certificate and key \(.*tls\.crt, .*tls\.key\)$/);
  });

  it('reaches new connections when a Kubernetes secret volume swaps its ..data symlink', async () => {
    // The layout kubelet's atomic writer keeps: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/.
    const live = liveDirectory('secret-volume');
    const writeVersion = (version: string, name: string): void => {
      mkdirSync(join(live, version));
      copyFileSync(pem(name, 'cert'), join(live, version, 'tls.crt'));
      copyFileSync(pem(name, 'key'), join(live, version, 'tls.key'));
    };
    writeVersion('..2026_11_30_01', 'a');
    symlinkSync('..2026_11_30_01', join(live, '..data'));
    symlinkSync('..data/tls.crt', join(live, 'tls.crt'));
    symlinkSync('..data/tls.key', join(live, 'tls.key'));
    const lines: string[] = [];
    const server = await startTls(join(live, 'tls.crt'), join(live, 'tls.key'), lines);
    expect(await offeredFingerprint(server.port)).toBe(fingerprintOf('a'));

    writeVersion('..2026_11_30_02', 'c');
    symlinkSync('..2026_11_30_02', join(live, '..data_tmp'));
    renameSync(join(live, '..data_tmp'), join(live, '..data'));
    rmSync(join(live, '..2026_11_30_01'), { recursive: true });
    await eventually('new connections get certificate c', async () => (await offeredFingerprint(server.port)) === fingerprintOf('c'));
    expect(lines.filter((line) => line.includes('keeping'))).toEqual([]);
  });

  it('keeps the working certificate when a new file is broken, says once which file and why, and takes a later good one', async () => {
    const live = liveDirectory('broken');
    const [cert, key] = [join(live, 'tls.crt'), join(live, 'tls.key')];
    copyFileSync(pem('a', 'cert'), cert);
    copyFileSync(pem('a', 'key'), key);
    const lines: string[] = [];
    const server = await startTls(cert, key, lines);

    writeFileSync(cert, 'not a certificate\n');
    await eventually('a log line about the broken file', () => lines.length > 0);
    expect(lines).toEqual([
      expect.stringMatching(/^am-metrics: file change: keeping the current TLS certificate and key: tls\.cert: ".*tls\.crt" holds no PEM certificate$/),
    ]);
    expect(await offeredFingerprint(server.port)).toBe(fingerprintOf('a'));

    copyFileSync(pem('b', 'cert'), cert); // a certificate without its key
    await eventually('a log line about the mismatched key', () => lines.length > 1);
    expect(lines[1]).toMatch(/^am-metrics: file change: keeping the current TLS certificate and key: tls\.key: ".*tls\.key" cannot be used with the certificate \(.+\)$/);
    expect(await offeredFingerprint(server.port)).toBe(fingerprintOf('a'));

    copyFileSync(pem('b', 'key'), key);
    await eventually('new connections get certificate b', async () => (await offeredFingerprint(server.port)) === fingerprintOf('b'));
    // Several poll intervals later, the broken versions have not been reported again.
    await new Promise((resolve) => setTimeout(resolve, 3 * POLL_MS));
    expect(lines.filter((line) => line.includes('keeping'))).toHaveLength(2);
  });

  it('reloads on demand with the same rules: reload() reports each setting and keeps a bad one', async () => {
    const live = liveDirectory('on-demand');
    const [cert, key] = [join(live, 'tls.crt'), join(live, 'tls.key')];
    copyFileSync(pem('a', 'cert'), cert);
    copyFileSync(pem('a', 'key'), key);
    const lines: string[] = [];
    const server = await startTls(cert, key, lines, { reloadOnFileChange: false });
    copyFileSync(pem('b', 'key'), key);
    expect(await server.reload()).toEqual([{ what: 'TLS certificate and key', status: 'kept', error: expect.objectContaining({ setting: 'tls.key' }) }]);
    expect(await offeredFingerprint(server.port)).toBe(fingerprintOf('a'));
    copyFileSync(pem('b', 'cert'), cert);
    expect(await server.reload('SIGHUP')).toEqual([{ what: 'TLS certificate and key', status: 'reloaded' }]);
    expect(await offeredFingerprint(server.port)).toBe(fingerprintOf('b'));
    expect(lines.at(-1)).toMatch(/^am-metrics: SIGHUP: reloaded TLS certificate and key/);
  });

  it('keeps the working certificate while the key is of another algorithm, as a rotation from ECDSA to RSA passes through', async () => {
    const live = liveDirectory('algorithm');
    const [cert, key] = [join(live, 'tls.crt'), join(live, 'tls.key')];
    copyFileSync(pem('a', 'cert'), cert);
    copyFileSync(pem('a', 'key'), key);
    const server = await startTls(cert, key, [], { reloadOnFileChange: false });
    copyFileSync(pem('rsa', 'key'), key);
    expect(await server.reload()).toEqual([{ what: 'TLS certificate and key', status: 'kept', error: expect.objectContaining({ setting: 'tls.key' }) }]);
    expect(await offeredFingerprint(server.port)).toBe(fingerprintOf('a'));
    copyFileSync(pem('rsa', 'cert'), cert);
    expect(await server.reload()).toEqual([{ what: 'TLS certificate and key', status: 'reloaded' }]);
    expect(await offeredFingerprint(server.port)).toBe(fingerprintOf('rsa'));
    // server.reload() re-reads and applies even files that did not change, as SIGHUP does (README).
    expect(await server.reload()).toEqual([{ what: 'TLS certificate and key', status: 'reloaded' }]);
    expect(await offeredFingerprint(server.port)).toBe(fingerprintOf('rsa'));
  });
});

describe('a password file rotated on disk', () => {
  const USERNAME = 'prometheus';
  const status = async (server: RunningServer, password: string): Promise<number> => {
    const response = await fetch(`${server.url}/monitoring/prometheus/am`, {
      headers: { Authorization: `Basic ${Buffer.from(`${USERNAME}:${password}`).toString('base64')}` },
    });
    await response.arrayBuffer();
    return response.status;
  };

  async function startWithPasswordFile(file: string, lines: string[]): Promise<RunningServer> {
    const auth = authSourceFromEnvironment({ METRICS_USERNAME: USERNAME, METRICS_PASSWORD_FILE: file });
    const server = await startServer({ source: new Registry(), port: 0, host: '127.0.0.1', auth, filePollIntervalMs: POLL_MS, logger: (line) => lines.push(line) });
    onTestFinished(() => server.close());
    return server;
  }

  it('lets the new password in and the old one no more, and keeps it when the file turns blank', async () => {
    const file = join(liveDirectory('password'), 'password');
    writeFileSync(file, 'first-password-0123456789\n');
    const lines: string[] = [];
    const server = await startWithPasswordFile(file, lines);
    expect(await status(server, 'first-password-0123456789')).toBe(200);

    writeFileSync(file, 'second-password-0123456789\n');
    await eventually('the new password is accepted', async () => (await status(server, 'second-password-0123456789')) === 200);
    expect(await status(server, 'first-password-0123456789')).toBe(401);

    writeFileSync(file, '\n');
    await eventually('a log line about the blank file', () => lines.some((line) => line.includes('keeping')));
    expect(lines.filter((line) => line.includes('keeping'))).toEqual([
      expect.stringMatching(/^am-metrics: file change: keeping the current scrape credentials: METRICS_PASSWORD_FILE: ".*password" is empty or blank$/),
    ]);
    expect(await status(server, 'second-password-0123456789')).toBe(200);
  });

  /** Runs `write` every 50 ms until the test ends. */
  function everyFiftyMs(write: () => void): void {
    const interval = setInterval(write, 50);
    onTestFinished(() => clearInterval(interval));
  }

  it('is picked up next to a file written every 50 ms (a log, a SQLite WAL): its events do not hold the reload back', async () => {
    const live = liveDirectory('busy-neighbour');
    const file = join(live, 'password');
    writeFileSync(file, 'first-password-0123456789\n');
    const server = await startWithPasswordFile(file, []);
    everyFiftyMs(() => appendFileSync(join(live, 'app.log'), 'a line\n'));
    await new Promise((resolve) => setTimeout(resolve, 300));

    writeFileSync(file, 'second-password-0123456789\n');
    await eventually('the new password is accepted', async () => (await status(server, 'second-password-0123456789')) === 200);
  });

  it('is picked up while the file itself is rewritten every 50 ms: the reload waits at most a second for quiet', async () => {
    const file = join(liveDirectory('busy-file'), 'password');
    writeFileSync(file, 'first-password-0123456789\n');
    const server = await startWithPasswordFile(file, []);
    everyFiftyMs(() => writeFileSync(file, 'second-password-0123456789\n'));
    await eventually('the new password is accepted', async () => (await status(server, 'second-password-0123456789')) === 200);
  });

  it('takes a change made while the server was starting, before its watchers were up', async () => {
    const file = join(liveDirectory('while-starting'), 'password');
    writeFileSync(file, 'first-password-0123456789\n');
    const inner = authSourceFromEnvironment({ METRICS_USERNAME: USERNAME, METRICS_PASSWORD_FILE: file });
    let isFirstRead = true;
    // The rotation lands right after the server's first read of the file, the moment no watcher is up yet.
    const auth = {
      files: inner.files,
      read: () => {
        const options = inner.read();
        if (isFirstRead) writeFileSync(file, 'second-password-0123456789\n');
        isFirstRead = false;
        return options;
      },
    };
    const server = await startServer({ source: new Registry(), port: 0, host: '127.0.0.1', auth, filePollIntervalMs: POLL_MS, logger: () => {} });
    onTestFinished(() => server.close());
    expect(await status(server, 'second-password-0123456789')).toBe(200);
  });

  it('goes on reloading when the logger throws (stderr gone: EPIPE), by file change and on demand', async () => {
    const file = join(liveDirectory('throwing-logger'), 'password');
    writeFileSync(file, 'first-password-0123456789\n');
    const auth = authSourceFromEnvironment({ METRICS_USERNAME: USERNAME, METRICS_PASSWORD_FILE: file });
    const logger = (): void => {
      throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    };
    const server = await startServer({ source: new Registry(), port: 0, host: '127.0.0.1', auth, filePollIntervalMs: POLL_MS, logger });
    onTestFinished(() => server.close());

    writeFileSync(file, 'second-password-0123456789\n');
    await eventually('the second password is accepted', async () => (await status(server, 'second-password-0123456789')) === 200);
    writeFileSync(file, 'third-password-0123456789\n');
    await eventually('the third password is accepted', async () => (await status(server, 'third-password-0123456789')) === 200);
    writeFileSync(file, 'fourth-password-0123456789\n');
    expect(await server.reload('SIGHUP')).toEqual([{ what: 'scrape credentials', status: 'reloaded' }]);
    expect(await status(server, 'fourth-password-0123456789')).toBe(200);
  });

  it('stops watching once the server is closed', async () => {
    const file = join(liveDirectory('closed'), 'password');
    writeFileSync(file, 'first-password-0123456789\n');
    const lines: string[] = [];
    const server = await startWithPasswordFile(file, lines);
    await server.close();
    writeFileSync(file, 'second-password-0123456789\n');
    await new Promise((resolve) => setTimeout(resolve, 4 * POLL_MS));
    expect(lines).toEqual([]);
  });
});

describe('the file watcher', () => {
  it('ignores a neighbour written every 50 ms: only the watched files and Kubernetes ..entries count', async () => {
    const live = liveDirectory('neighbour-only');
    writeFileSync(join(live, 'password'), 'first-password-0123456789\n');
    let changes = 0;
    const watch = watchFiles([join(live, 'password')], () => changes++, POLL_MS);
    onTestFinished(() => watch.close());
    const interval = setInterval(() => appendFileSync(join(live, 'app.log'), 'a line\n'), 50);
    onTestFinished(() => clearInterval(interval));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(changes).toBe(0);
  });
});

describe.skipIf(!hasOpenssl)('a process serving TLS from watched files', () => {
  it('exits on its own once the server is closed: the watchers hold nothing open', async () => {
    const live = liveDirectory('exit');
    copyFileSync(pem('a', 'cert'), join(live, 'tls.crt'));
    copyFileSync(pem('a', 'key'), join(live, 'tls.key'));
    writeFileSync(join(live, 'password'), 'first-password-0123456789\n');
    const script = fileURLToPath(new URL('../support/serve-then-close.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, live], { stdio: ['ignore', 'pipe', 'inherit'] });
    onTestFinished(() => void (child.exitCode === null && child.kill('SIGKILL')));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Bounded generously: starting tsx alone takes over a second on a loaded machine.
    expect(await bounded(exit, 'the process to exit', 15_000)).toBe(0);
  });
});

describe('a metric streams admin token file rotated on disk', () => {
  const status = async (server: RunningServer, token: string): Promise<number> => {
    const response = await fetch(`${server.url}${METRIC_STREAMS_PATH}`, { headers: { Authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    return response.status;
  };

  // A leaked admin token is retired by rotating its secret; it must not stay valid until a restart.
  it('lets the new token in and the old one no more, and keeps it when the new one is too short', async () => {
    const file = join(liveDirectory('admin-token'), 'token');
    writeFileSync(file, 'first-admin-token-0123456789\n');
    const env = { METRICS_ADMIN_TOKEN_FILE: file };
    const tokens = adminTokenSourceFromEnvironment(env);
    const store = StreamStore.open(':memory:');
    onTestFinished(() => store.close());
    const streams = new ManagementApi({ adminToken: tokens.read(), store, clock: new ManualClock() });
    const lines: string[] = [];
    const server = await startServer({
      source: new Registry(),
      port: 0,
      host: '127.0.0.1',
      streams,
      streamsAdminToken: tokens,
      filePollIntervalMs: POLL_MS,
      logger: (line) => lines.push(line),
    });
    onTestFinished(() => server.close());
    expect(await status(server, 'first-admin-token-0123456789')).toBe(200);

    writeFileSync(file, 'second-admin-token-0123456789\n');
    await eventually('the new token is accepted', async () => (await status(server, 'second-admin-token-0123456789')) === 200);
    expect(await status(server, 'first-admin-token-0123456789')).toBe(401);

    writeFileSync(file, 'short\n');
    await eventually('a log line about the short token', () => lines.some((line) => line.includes('keeping')));
    expect(lines.filter((line) => line.includes('keeping'))).toEqual([
      expect.stringMatching(/^am-metrics: file change: keeping the current metric streams admin token: METRICS_ADMIN_TOKEN_FILE: must have at least 16 characters$/),
    ]);
    expect(lines.join('\n')).not.toContain('admin-token-0123456789');
    expect(await status(server, 'second-admin-token-0123456789')).toBe(200);
  });
});
