import { describe, expect, it } from 'vitest';
import { DEFAULT_HOST, parseCommandLine, UsageError, type ServeSettings } from '../../src/cli/options.js';
import { USAGE } from '../../src/cli/usage.js';
import { ServerConfigError } from '../../src/http/errors.js';
import { DEFAULT_PORT } from '../../src/server.js';
import { DEFAULT_RATE } from '../../src/simulator/simulator.js';

const defaults = { hostname: () => 'host-os', randomSeed: () => 777 };

function settings(args: readonly string[], env: Record<string, string> = {}): ServeSettings {
  const command = parseCommandLine(['serve', ...args], env, defaults);
  if (command.kind !== 'serve') throw new Error(`expected serve, got ${command.kind}`);
  return command.settings;
}

describe('parseCommandLine', () => {
  it('serves on every interface of port 8080, without simulator or credentials, by default', () => {
    expect(settings([])).toEqual({ port: DEFAULT_PORT, host: DEFAULT_HOST, podName: 'host-os', auth: {} });
  });

  it.each([
    [[], {}, 'host-os'],
    [[], { HOSTNAME: 'am-7d9f' }, 'am-7d9f'],
    [[], { HOSTNAME: 'am-7d9f', KUBERNETES_POD_NAME: 'am-0' }, 'am-0'],
    [['--pod-name', 'am-cli'], { KUBERNETES_POD_NAME: 'am-0' }, 'am-cli'],
    [[], { KUBERNETES_POD_NAME: '', HOSTNAME: 'am-7d9f' }, 'am-7d9f'],
    // Self-hosted AM writes no pod label: an empty --pod-name asks for none, whatever the environment says.
    [['--pod-name', ''], { KUBERNETES_POD_NAME: 'am-0' }, null],
  ])('names the pod from %j and %j: %s', (args, env, podName) => {
    expect(settings(args, env).podName).toBe(podName);
  });

  it('lets flags win over PORT and HOST, and treats empty variables as unset', () => {
    expect(settings([], { PORT: '9100', HOST: '127.0.0.1' })).toMatchObject({ port: 9100, host: '127.0.0.1' });
    expect(settings(['--port', '0', '--host', '::1'], { PORT: 'nonsense', HOST: '10.0.0.1' })).toMatchObject({ port: 0, host: '::1' });
    expect(settings([], { PORT: '', HOST: '' })).toMatchObject({ port: DEFAULT_PORT, host: DEFAULT_HOST });
  });

  it('treats blank variables as unset too: no pod label of " ", no host of " "', () => {
    expect(settings([], { PORT: ' ', HOST: ' \t' })).toMatchObject({ port: DEFAULT_PORT, host: DEFAULT_HOST });
    expect(settings([], { KUBERNETES_POD_NAME: ' ', HOSTNAME: 'am-1' }).podName).toBe('am-1');
    expect(settings([], { KUBERNETES_POD_NAME: '', HOSTNAME: '  ' }).podName).toBe('host-os');
  });

  it('simulates at the default rate with a random seed unless told otherwise', () => {
    expect(settings(['--simulate']).simulator).toEqual({ rate: DEFAULT_RATE, seed: 777 });
    expect(settings(['--simulate', '--rate', '2.5', '--seed', '42']).simulator).toEqual({ rate: 2.5, seed: 42 });
  });

  it('reads scrape credentials from the environment', () => {
    expect(settings([], { METRICS_USERNAME: 'prometheus', METRICS_PASSWORD: 'secret', METRICS_BEARER_TOKEN: 't0ken' }).auth).toEqual({
      basic: { username: 'prometheus', password: 'secret' },
      bearerToken: 't0ken',
    });
  });

  it("refuses an admin token shorter than the scrape secrets' minimum", () => {
    expect(() => settings([], { METRICS_ADMIN_TOKEN: 'short-token' })).toThrow(/METRICS_ADMIN_TOKEN: must have at least 16 characters/);
  });

  it('names AM_METRICS_DISTINCT_KEY and SIGHUP in --help, as the README table does', () => {
    expect(USAGE).toContain('AM_METRICS_DISTINCT_KEY (16+ characters)');
    expect(USAGE).toContain('SIGHUP re-reads the TLS');
  });

  it('names every file SIGHUP re-reads in --help, the admin token file included, as the README does', () => {
    const sighup = USAGE.slice(USAGE.indexOf('SIGHUP re-reads')).replace(/\s+/g, ' ');
    expect(sighup).toMatch(/^SIGHUP re-reads the TLS files, the password file and the admin token file \(/);
  });

  it.each(['x', 'fifteen-chars..'])('refuses an AM_METRICS_DISTINCT_KEY of %j before starting, as the library refuses it', (key) => {
    expect(() => settings([], { AM_METRICS_DISTINCT_KEY: key })).toThrow(ServerConfigError);
    expect(() => settings([], { AM_METRICS_DISTINCT_KEY: key })).toThrow(`AM_METRICS_DISTINCT_KEY: must have at least 16 characters, got ${key.length}`);
    expect(settings([], { AM_METRICS_DISTINCT_KEY: 'sixteen-chars...' }).port).toBe(DEFAULT_PORT);
  });

  it.each(['', '  '])('treats an AM_METRICS_DISTINCT_KEY of %j as unset, as the other variables', (key) => {
    expect(settings([], { AM_METRICS_DISTINCT_KEY: key }).port).toBe(DEFAULT_PORT);
  });

  it('runs metric streams under METRICS_ADMIN_TOKEN, in ./am-metrics-streams.db unless --streams-db says otherwise', () => {
    expect(settings([], { METRICS_ADMIN_TOKEN: 'admin-token-0123456789' }).streams).toEqual({
      dbFile: 'am-metrics-streams.db',
      adminToken: 'admin-token-0123456789',
      isGeneratedToken: false,
      isRequested: true,
      allowInsecureHttp: false,
    });
    expect(settings(['--streams-db', '/var/lib/s.db', '--streams-allow-http'], { METRICS_ADMIN_TOKEN: 'admin-token-0123456789' }).streams).toMatchObject({
      dbFile: '/var/lib/s.db',
      allowInsecureHttp: true,
    });
    expect(settings(['--simulate']).streams).toMatchObject({ dbFile: ':memory:', isGeneratedToken: true });
    expect(settings(['--simulate'], { METRICS_ADMIN_TOKEN: 'admin-token-0123456789' }).streams).toMatchObject({
      dbFile: 'am-metrics-streams.db',
      adminToken: 'admin-token-0123456789',
      isGeneratedToken: false,
    });
    expect(() => settings(['--streams-db', 'x.db'])).toThrow(UsageError);
    expect(() => settings([], { METRICS_ADMIN_TOKEN: 'a', METRICS_ADMIN_TOKEN_FILE: '/nonexistent' })).toThrow(ServerConfigError);
    expect(() => settings([], { METRICS_ADMIN_TOKEN: 'two words' })).toThrow(ServerConfigError);
  });

  it('counts streams as requested by the operator unless only --simulate turned them on, which may serve without SQLite', () => {
    expect(settings(['--simulate']).streams?.isRequested).toBe(false);
    expect(settings(['--simulate', '--streams-db', 'x.db']).streams?.isRequested).toBe(true);
    expect(settings(['--simulate', '--streams-allow-http']).streams?.isRequested).toBe(true);
    expect(settings(['--simulate'], { METRICS_ADMIN_TOKEN: 'admin-token-0123456789' }).streams?.isRequested).toBe(true);
  });

  it('passes the TLS files on as paths', () => {
    expect(settings(['--tls-cert', 'tls.crt', '--tls-key', 'tls.key']).tls).toEqual({ cert: 'tls.crt', key: 'tls.key' });
  });

  it('turns timer buckets on with --timer-buckets and runtime metrics off with --no-runtime-metrics', () => {
    expect(settings([])).not.toHaveProperty('timerBuckets');
    expect(settings([])).not.toHaveProperty('runtimeMetrics');
    expect(settings(['--timer-buckets', '--no-runtime-metrics'])).toMatchObject({ timerBuckets: true, runtimeMetrics: false });
  });

  it.each([
    [['--help'], 'help'],
    [['-h'], 'help'],
    [['help'], 'help'],
    [['serve', '--help'], 'help'],
    [['--version'], 'version'],
    [['-v'], 'version'],
    [['serve', '-v'], 'version'],
  ])('reads %j as %s', (args, kind) => {
    expect(parseCommandLine(args, {}, defaults).kind).toBe(kind);
  });

  it.each([
    [['serve', '--port', '-1'], {}, UsageError],
    [['serve', '--port', '8080.5'], {}, UsageError],
    [['serve', '--port', '0x50'], {}, UsageError],
    [['serve', '--host', ''], {}, UsageError],
    [['serve', '--pod-name', ' '], {}, UsageError],
    [['serve', '--simulate', '--rate', '-3'], {}, UsageError],
    [['serve', '--simulate', '--rate', 'Infinity'], {}, UsageError],
    [['serve', '--simulate', '--seed', '4294967296'], {}, UsageError],
    [['serve', '--tls-key', 'tls.key'], {}, UsageError],
    [['serve', 'extra'], {}, UsageError],
    [['serve'], { PORT: '99999' }, UsageError],
    [['serve'], { METRICS_USERNAME: 'prometheus' }, ServerConfigError],
    [['serve'], { METRICS_PASSWORD: 'secret' }, ServerConfigError],
  ])('refuses %j with %j', (args, env, errorClass) => {
    expect(() => parseCommandLine(args, env, defaults)).toThrow(errorClass);
  });

  it.each([
    [['--port', '-1'], /^--port must be a whole number from 0 to 65535, got "-1"$/],
    [['--port=-1'], /^--port must be a whole number from 0 to 65535, got "-1"$/],
    [['--simulate', '--seed', '-1'], /^--seed must be a whole number from 0 to 4294967295, got "-1"$/],
    [['--simulate', '--rate', '-2.5'], /^--rate must be a number of logins per second above 0 and at most 1000, got "-2.5"$/],
    [['--port', '9100', '--port', '9200'], /^--port is given more than once; give it once$/],
    [['--simulate', '--simulate'], /^--simulate is given more than once; give it once$/],
    [['--host', '127.0.0.1', '--host=::1'], /^--host is given more than once; give it once$/],
  ])('says what is wrong with %j', (args, message) => {
    expect(() => parseCommandLine(['serve', ...args], {}, defaults)).toThrow(UsageError);
    expect(() => parseCommandLine(['serve', ...args], {}, defaults)).toThrow(message);
  });

  it.each([
    ['1e3', 1000],
    ['2.5e2', 250],
    ['.5', 0.5],
    ['+7', 7],
  ])('reads --rate %s as %d logins per second', (rate, expected) => {
    expect(settings(['--simulate', '--rate', rate]).simulator?.rate).toBe(expected);
  });

  it('still reads a flag as a missing value when the next word is another flag', () => {
    expect(() => parseCommandLine(['serve', '--port', '--simulate'], {}, defaults)).toThrow(/^--port needs a value$/);
  });

  it('says what went wrong in one line', () => {
    expect(() => parseCommandLine(['serve', '--port', '--simulate'], {}, defaults)).toThrow(/^--port needs a value$/);
  });
});
