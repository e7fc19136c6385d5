// A careless operator's start: credentials that resolved empty, weak secrets, a library call with a
// password that is not there. Each must stop the start with one clear line, never serve without auth.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServerConfigError } from '../../src/http/errors.js';
import { createMetricsRouter, startServer } from '../../src/server.js';
import { Registry } from '../../src/index.js';
import type { CliProcess } from '../cli/child.js';
import { runCliFromSource } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'am-metrics-adversarial-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LONG_SECRET = 'a-secret-of-24-characters';
const START_LINE = /^am-metrics listening on /;

async function expectRefusedStart(cli: CliProcess, message: RegExp): Promise<void> {
  expect(await cli.exit()).toEqual({ code: 1, signal: null });
  expect(cli.errorLines).toHaveLength(1);
  expect(cli.errorLines[0]).toMatch(/^am-metrics: /);
  expect(cli.errorLines[0]).toMatch(message);
  expect(cli.stdout).toBe('');
}

function blankFile(): string {
  const path = join(dir, 'blank-password');
  writeFileSync(path, '  \n', { mode: 0o600 });
  return path;
}

describe('a start with unusable credentials', () => {
  it.each([
    ['an empty METRICS_BEARER_TOKEN', { METRICS_BEARER_TOKEN: '' }, /METRICS_BEARER_TOKEN: is set but empty/],
    ['empty METRICS_USERNAME and METRICS_PASSWORD', { METRICS_USERNAME: '', METRICS_PASSWORD: '' }, /METRICS_USERNAME: is set but empty/],
    ['an empty METRICS_PASSWORD', { METRICS_USERNAME: 'prometheus', METRICS_PASSWORD: '' }, /METRICS_PASSWORD: is set but empty/],
    ['a user without a password', { METRICS_USERNAME: 'prometheus' }, /METRICS_USERNAME: is set but neither/],
    ['a blank password file', { METRICS_USERNAME: 'prometheus', METRICS_PASSWORD_FILE: 'BLANK' }, /METRICS_PASSWORD_FILE: .* is empty or blank/],
    ['a bearer token under 16 characters', { METRICS_BEARER_TOKEN: 'fifteen-chars..' }, /METRICS_BEARER_TOKEN: must have at least 16 characters, got 15/],
    ['a password under 16 characters', { METRICS_USERNAME: 'prometheus', METRICS_PASSWORD: 'hunter2' }, /METRICS_PASSWORD .*: must have at least 16 characters, got 7/],
  ])('stops the start with one line and exit 1 for %s', async (_case, env, message) => {
    const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === 'BLANK' ? blankFile() : v]));
    const cli = runCliFromSource(['serve', '--port', '0', '--host', '127.0.0.1'], resolved);
    await expectRefusedStart(cli, message);
    expect(cli.stderr).not.toContain('hunter2');
  });

  it('says plainly when no auth is configured, and shows the address really bound', async () => {
    const cli = runCliFromSource(['serve', '--port', '0', '--host', '0.0.0.0']);
    const line = await cli.line(START_LINE);
    expect(line).toMatch(/^am-metrics listening on http:\/\/0\.0\.0\.0:\d+\/monitoring\/prometheus\/am \(every interface;/);
    expect(line).toContain('NO AUTH: anyone who can reach this port can read the metrics');
  });

  it('drops the no-auth warning once a long enough token is set', async () => {
    const cli = runCliFromSource(['serve', '--port', '0', '--host', '127.0.0.1'], { METRICS_BEARER_TOKEN: LONG_SECRET });
    const line = await cli.line(START_LINE);
    expect(line).toMatch(/^am-metrics listening on http:\/\/127\.0\.0\.1:\d+\//);
    expect(line).toContain('auth: bearer');
    expect(line).not.toContain('NO AUTH');
  });
});

describe('the README express example with METRICS_PASSWORD unset', () => {
  it('throws ServerConfigError naming the password, not a raw TypeError', () => {
    const env: Record<string, string | undefined> = {};
    const make = () => createMetricsRouter(new Registry(), { auth: { basic: { username: 'prometheus', password: env.METRICS_PASSWORD! } } });
    expect(make).toThrow(ServerConfigError);
    expect(make).toThrow(/^auth\.basic\.password: is missing \(got undefined\)/);
  });

  it('rejects startServer the same way, before listening', async () => {
    const start = startServer({
      source: new Registry(),
      port: 0,
      host: '127.0.0.1',
      auth: { bearerToken: undefined as unknown as string, basic: { username: 'p', password: 'short' } },
    });
    await expect(start).rejects.toThrow(ServerConfigError);
  });
});

describe('auth options of a shape the exporter does not know', () => {
  // From plain JavaScript nothing stops these shapes, and every one of them configured no credential.
  it.each([
    [
      'credentials without `basic`',
      { username: 'prometheus', password: LONG_SECRET },
      /^auth: has no option "username", "password" \(it takes basic, bearerToken, realm\)$/,
    ],
    ['a misspelt bearer token', { bearertoken: LONG_SECRET }, /^auth: has no option "bearertoken"/],
    ['a misspelt password', { basic: { username: 'prometheus', pasword: LONG_SECRET } }, /^auth\.basic: has no option "pasword" \(it takes username, password\)$/],
    ['a string', 'prometheus:secret', /^auth: must be an object, got string$/],
    ['basic as a string', { basic: 'prometheus:secret' }, /^auth\.basic: must be an object, got string$/],
  ])('refuses auth given as %s instead of serving without it', (_case, auth, message) => {
    const make = () => createMetricsRouter(new Registry(), { auth: auth as never });
    expect(make).toThrow(ServerConfigError);
    expect(make).toThrow(message);
  });
});
