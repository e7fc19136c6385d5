// TLS files that are not what they claim: a start must fail naming the file and what is wrong with
// it, not with an OpenSSL error code.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../src/index.js';
import { ServerConfigError } from '../../src/http/errors.js';
import { startServer } from '../../src/server.js';
import { runCliFromSource } from './support.js';

const hasOpenssl = spawnSync('which', ['openssl']).status === 0;
let dir = '';

function selfSigned(name: string): void {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-keyout', join(dir, `${name}-key.pem`), '-out', join(dir, `${name}-cert.pem`),
  ], { stdio: 'ignore' });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'am-metrics-tls-files-'));
  writeFileSync(join(dir, 'junk.pem'), 'not a certificate\n');
  if (!hasOpenssl) return;
  selfSigned('a');
  selfSigned('b');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasOpenssl)('a start with unusable TLS files', () => {
  it.each([
    ['a certificate file without a PEM certificate', 'junk.pem', 'a-key.pem', /^tls\.cert: ".*junk\.pem" holds no PEM certificate$/],
    ['a key file without a PEM private key', 'a-cert.pem', 'a-cert.pem', /^tls\.key: ".*a-cert\.pem" holds no PEM private key$/],
    ['a key that does not fit the certificate', 'a-cert.pem', 'b-key.pem', /^tls\.key: ".*b-key\.pem" cannot be used with the certificate \(.+\)$/],
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
