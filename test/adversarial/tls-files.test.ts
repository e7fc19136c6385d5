// TLS files that are not what they claim: a start must fail naming the file and what is wrong with
// it, not with an OpenSSL error code.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Registry } from '../../src/index.js';
import { ServerConfigError } from '../../src/http/errors.js';
import { startServer } from '../../src/server.js';
import { hasOpenssl, writeSelfSigned } from '../support/self-signed.js';
import { bounded, runCliFromSource } from './support.js';

let dir = '';

function selfSigned(name: string, algorithm: 'ec' | 'rsa' = 'ec'): void {
  writeSelfSigned(join(dir, `${name}-cert.pem`), join(dir, `${name}-key.pem`), algorithm);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'am-metrics-tls-files-'));
  writeFileSync(join(dir, 'junk.pem'), 'not a certificate\n');
  if (!hasOpenssl) return;
  selfSigned('a');
  selfSigned('b');
  selfSigned('rsa', 'rsa');
  // A certificate cut short mid-write: it begins like one, its end line is missing.
  writeFileSync(join(dir, 'truncated-cert.pem'), readFileSync(join(dir, 'a-cert.pem')).subarray(0, 300));
  execFileSync('openssl', ['pkcs8', '-topk8', '-in', join(dir, 'a-key.pem'), '-passout', 'pass:secret', '-out', join(dir, 'encrypted-key.pem')], { stdio: 'ignore' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasOpenssl)('a start with unusable TLS files', () => {
  it.each([
    ['a certificate file without a PEM certificate', 'junk.pem', 'a-key.pem', /^tls\.cert: ".*junk\.pem" holds no PEM certificate$/],
    ['a key file without a PEM private key', 'a-cert.pem', 'a-cert.pem', /^tls\.key: ".*a-cert\.pem" holds no PEM private key$/],
    ['a key that does not fit the certificate', 'a-cert.pem', 'b-key.pem', /^tls\.key: ".*b-key\.pem" cannot be used with the certificate \(.+\)$/],
    // OpenSSL keeps an RSA key and an EC certificate in separate slots and finds no mismatch: every handshake would fail.
    ['an RSA key with an EC certificate', 'a-cert.pem', 'rsa-key.pem', /^tls\.key: ".*rsa-key\.pem" cannot be used with the certificate \(key values mismatch\)$/],
    ['an EC key with an RSA certificate', 'rsa-cert.pem', 'a-key.pem', /^tls\.key: ".*a-key\.pem" cannot be used with the certificate \(key values mismatch\)$/],
    [
      'a truncated certificate (blamed on it, not on the key)',
      'truncated-cert.pem',
      'a-key.pem',
      /^tls\.cert: ".*truncated-cert\.pem" holds a PEM certificate that cannot be read \(.+\)$/,
    ],
    ['an encrypted private key', 'a-cert.pem', 'encrypted-key.pem', /^tls\.key: ".*encrypted-key\.pem" holds an encrypted private key; give it unencrypted$/],
  ])('fails with a ServerConfigError naming the file for %s', async (_case, cert, key, message) => {
    const start = startServer({ source: new Registry(), port: 0, host: '127.0.0.1', tls: { cert: join(dir, cert), key: join(dir, key) } });
    await expect(start).rejects.toThrow(ServerConfigError);
    await expect(start).rejects.toThrow(message);
  });

  it('says so in one line from the command line, naming the flag', async () => {
    const cli = runCliFromSource(['serve', '--port', '0', '--host', '127.0.0.1', '--tls-cert', join(dir, 'junk.pem'), '--tls-key', join(dir, 'a-key.pem')]);
    expect(await cli.exit()).toEqual({ code: 1, signal: null });
    expect(cli.errorLines).toEqual([expect.stringMatching(/^am-metrics: --tls-cert: ".*junk\.pem" holds no PEM certificate$/)]);
  });
});

/** The SHA-256 fingerprint of the certificate a new TLS connection to `port` is offered. */
async function offeredFingerprint(port: number): Promise<string> {
  const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  onTestFinished(() => void socket.destroy());
  await bounded(new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject)), 'the TLS handshake');
  const fingerprint = socket.getPeerCertificate().fingerprint256;
  socket.destroy();
  return fingerprint;
}

const fingerprintOf = (name: string): string => new X509Certificate(readFileSync(join(dir, `${name}-cert.pem`))).fingerprint256;

/** Resolves once the command has written a stderr line matching `pattern`. */
function errorLine(cli: ReturnType<typeof runCliFromSource>, pattern: RegExp): Promise<void> {
  return bounded(
    new Promise<void>((resolve) => {
      const look = (): void => (cli.errorLines.some((line) => pattern.test(line)) ? resolve() : void setTimeout(look, 50));
      look();
    }),
    `a stderr line matching ${pattern}`,
    10_000,
  );
}

describe.skipIf(!hasOpenssl)('a certificate rotation', () => {
  it('is picked up on SIGHUP by the command, which keeps running, and a password file change without one', async () => {
    const cert = join(dir, 'cli-cert.pem');
    const key = join(dir, 'cli-key.pem');
    const passwordFile = join(dir, 'cli-password');
    copyFileSync(join(dir, 'a-cert.pem'), cert);
    copyFileSync(join(dir, 'a-key.pem'), key);
    writeFileSync(passwordFile, 'first-password-0123456789\n');
    const env = { METRICS_USERNAME: 'prometheus', METRICS_PASSWORD_FILE: passwordFile };
    const cli = runCliFromSource(['serve', '--port', '0', '--host', '127.0.0.1', '--tls-cert', cert, '--tls-key', key], env);
    const port = Number(/:(\d+)\//.exec(await cli.line(/^am-metrics listening on https:/))?.[1]);
    copyFileSync(join(dir, 'b-cert.pem'), cert);
    copyFileSync(join(dir, 'b-key.pem'), key);
    cli.child.kill('SIGHUP');
    await errorLine(cli, /^am-metrics: SIGHUP: reloaded TLS certificate and key \(.*cli-cert\.pem, .*cli-key\.pem\)$/);
    await errorLine(cli, /^am-metrics: SIGHUP: reloaded scrape credentials \(.*cli-password\)$/);
    writeFileSync(passwordFile, 'second-password-0123456789\n');
    await errorLine(cli, /^am-metrics: file change: reloaded scrape credentials \(.*cli-password\)$/);
    expect(await offeredFingerprint(port)).toBe(fingerprintOf('b'));
    expect(cli.child.exitCode).toBeNull();
  });
});

describe('SIGHUP without TLS', () => {
  it('does not end the command', async () => {
    const cli = runCliFromSource(['serve', '--port', '0', '--host', '127.0.0.1']);
    await cli.line(/^am-metrics listening on /);
    cli.child.kill('SIGHUP');
    await bounded(
      new Promise<void>((resolve) => {
        const look = (): void => (cli.stderr.includes('SIGHUP') ? resolve() : void setTimeout(look, 50));
        look();
      }),
      'the SIGHUP line',
    );
    expect(cli.errorLines).toEqual(['am-metrics: SIGHUP: nothing to reload (no TLS files, no METRICS_PASSWORD_FILE, no METRICS_ADMIN_TOKEN_FILE)']);
    expect(cli.child.exitCode).toBeNull();
  });

  it('does not end the command when stderr is gone (EPIPE), as its comment promises', async () => {
    const cli = runCliFromSource(['serve', '--port', '0', '--host', '127.0.0.1']);
    const url = /(http:\/\/\S+?)\/monitoring/.exec(await cli.line(/^am-metrics listening on /))?.[1] ?? '';
    cli.child.stderr?.destroy(); // the reader of the pipe is gone: the next line on stderr fails with EPIPE
    cli.child.kill('SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(cli.child.exitCode).toBeNull();
    expect((await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
    cli.child.kill('SIGTERM');
    expect(await cli.exit()).toEqual({ code: 0, signal: null });
  });
});
