import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authFromEnvironment, authSourceFromEnvironment } from '../../src/http/auth-environment.js';
import { ServerConfigError } from '../../src/http/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'am-metrics-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secretFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

describe('authFromEnvironment', () => {
  it.each([
    ['nothing set', {}, {}],
    ['username and password', { METRICS_USERNAME: 'prom', METRICS_PASSWORD: 'pw' }, { basic: { username: 'prom', password: 'pw' } }],
    ['a bearer token', { METRICS_BEARER_TOKEN: 'tok' }, { bearerToken: 'tok' }],
    [
      'both schemes',
      { METRICS_USERNAME: 'prom', METRICS_PASSWORD: 'pw', METRICS_BEARER_TOKEN: 'tok' },
      { basic: { username: 'prom', password: 'pw' }, bearerToken: 'tok' },
    ],
  ])('reads %s', (_case, env, expected) => {
    expect(authFromEnvironment(env)).toEqual(expected);
  });

  it.each([
    ['pw\n', 'pw'],
    ['pw\r\n', 'pw'],
    ['pw', 'pw'],
    ['pw \n\n', 'pw \n'],
  ])('reads the password file %j as %j, dropping one trailing line break', (content, password) => {
    const METRICS_PASSWORD_FILE = secretFile('password', content);
    expect(authFromEnvironment({ METRICS_USERNAME: 'prom', METRICS_PASSWORD_FILE })).toEqual({ basic: { username: 'prom', password } });
  });

  it.each([
    ['a username without a password', { METRICS_USERNAME: 'prom' }, 'METRICS_USERNAME', /neither METRICS_PASSWORD nor METRICS_PASSWORD_FILE/],
    ['a password without a username', { METRICS_PASSWORD: 'hunter2' }, 'METRICS_USERNAME', /is not set/],
    ['both password variables', { METRICS_USERNAME: 'prom', METRICS_PASSWORD: 'hunter2', METRICS_PASSWORD_FILE: '/x' }, 'METRICS_PASSWORD_FILE', /both set/],
    [
      'a missing password file',
      { METRICS_USERNAME: 'prom', METRICS_PASSWORD_FILE: '/nonexistent/pw' },
      'METRICS_PASSWORD_FILE',
      /cannot read "\/nonexistent\/pw" \(ENOENT\)/,
    ],
    ['a directory as password file', { METRICS_USERNAME: 'prom', METRICS_PASSWORD_FILE: dir }, 'METRICS_PASSWORD_FILE', /cannot read .* \(EISDIR\)/],
  ])('refuses %s with a ServerConfigError naming the variable', (_case, env, setting, message) => {
    let thrown: unknown;
    try {
      authFromEnvironment(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ServerConfigError);
    expect((thrown as ServerConfigError).setting).toBe(setting);
    expect((thrown as ServerConfigError).message).toMatch(message);
    expect((thrown as ServerConfigError).message).not.toContain('hunter2');
  });

  it.each(['\n', '', '  \n', '\t'])('refuses the empty or blank password file %j', (content) => {
    const METRICS_PASSWORD_FILE = secretFile('empty', content);
    expect(() => authFromEnvironment({ METRICS_USERNAME: 'prom', METRICS_PASSWORD_FILE })).toThrow(/METRICS_PASSWORD_FILE: .* is empty or blank/);
  });

  it.each([
    ['METRICS_BEARER_TOKEN', { METRICS_BEARER_TOKEN: '' }],
    ['METRICS_USERNAME', { METRICS_USERNAME: '', METRICS_PASSWORD: '' }],
    ['METRICS_USERNAME', { METRICS_USERNAME: ' ', METRICS_PASSWORD: 'hunter2-hunter2-hunter2' }],
    ['METRICS_PASSWORD', { METRICS_USERNAME: 'prom', METRICS_PASSWORD: '' }],
    ['METRICS_PASSWORD_FILE', { METRICS_USERNAME: 'prom', METRICS_PASSWORD_FILE: '' }],
  ])('fails closed when %s is set but empty, instead of serving without auth', (setting, env) => {
    expect(() => authFromEnvironment(env)).toThrow(ServerConfigError);
    expect(() => authFromEnvironment(env)).toThrow(new RegExp(`^${setting}: is set but empty`));
  });
});

describe('authSourceFromEnvironment', () => {
  it('watches the password file and reads its current content each time', () => {
    const METRICS_PASSWORD_FILE = secretFile('rotating', 'first\n');
    const source = authSourceFromEnvironment({ METRICS_USERNAME: 'prom', METRICS_PASSWORD_FILE });
    expect(source.files).toEqual([METRICS_PASSWORD_FILE]);
    expect(source.read()).toEqual({ basic: { username: 'prom', password: 'first' } });
    writeFileSync(METRICS_PASSWORD_FILE, 'second\n');
    expect(source.read()).toEqual({ basic: { username: 'prom', password: 'second' } });
  });

  it('has no file to watch when the password comes from a variable', () => {
    expect(authSourceFromEnvironment({ METRICS_USERNAME: 'prom', METRICS_PASSWORD: 'pw' }).files).toEqual([]);
  });
});
