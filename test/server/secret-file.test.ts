import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authFromEnvironment } from '../../src/http/auth-environment.js';
import { ServerConfigError } from '../../src/http/errors.js';
import { adminTokenFromEnvironment, adminTokenSourceFromEnvironment } from '../../src/streams/admin-token.js';

const dir = mkdtempSync(join(tmpdir(), 'am-metrics-secret-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function secretFile(content: string): string {
  files += 1;
  const path = join(dir, `secret-${files}`);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

/** The two mounted secrets: what each reads from `file`, or the ServerConfigError it throws. */
const readers = {
  password: (file: string) => authFromEnvironment({ METRICS_USERNAME: 'prom', METRICS_PASSWORD_FILE: file }).basic?.password,
  adminToken: (file: string) => adminTokenFromEnvironment({ METRICS_ADMIN_TOKEN_FILE: file }),
};

function outcome(read: (file: string) => unknown, file: string): { value: unknown } | { setting: string; reason: string } {
  try {
    return { value: read(file) };
  } catch (error) {
    if (!(error instanceof ServerConfigError)) throw error;
    return { setting: error.setting, reason: error.message.slice(error.setting.length) };
  }
}

describe('mounted secret files (METRICS_PASSWORD_FILE, METRICS_ADMIN_TOKEN_FILE)', () => {
  it.each([
    ['a missing file', () => '/nonexistent/secret', ': cannot read "/nonexistent/secret" (ENOENT)'],
    ['a directory', () => dir, `: cannot read ${JSON.stringify(dir)} (EISDIR)`],
    ['an empty file', () => secretFile(''), 'is empty or blank'],
    ['a line break alone', () => secretFile('\n'), 'is empty or blank'],
    ['whitespace', () => secretFile('   \t\n'), 'is empty or blank'],
  ])('refuses %s alike for the password and the admin token, naming the variable and the path', (_case, path, reason) => {
    const file = path();
    const password = outcome(readers.password, file);
    const token = outcome(readers.adminToken, file);
    expect(password).toEqual({ setting: 'METRICS_PASSWORD_FILE', reason: expect.stringContaining(reason) as unknown });
    expect(token).toEqual({ setting: 'METRICS_ADMIN_TOKEN_FILE', reason: (password as { reason: string }).reason });
  });

  it.each([
    ['\n', 'admin-token-0123456789'],
    ['\r\n', 'admin-token-0123456789'],
    ['\n\n', 'admin-token-0123456789\n'],
  ])('drops one trailing line break (%j) from both', (ending, expected) => {
    const file = secretFile(`admin-token-0123456789${ending}`);
    expect(outcome(readers.password, file)).toEqual({ value: expected });
    if (!expected.endsWith('\n')) expect(outcome(readers.adminToken, file)).toEqual({ value: expected });
  });
});

describe('the admin token from the environment', () => {
  it.each([{ METRICS_ADMIN_TOKEN: '   ' }, { METRICS_ADMIN_TOKEN_FILE: ' \t' }, { METRICS_ADMIN_TOKEN: '', METRICS_ADMIN_TOKEN_FILE: '  ' }])(
    'counts a blank variable as unset, as an empty one: %j',
    (env) => {
      expect(adminTokenFromEnvironment(env)).toBeUndefined();
      const source = adminTokenSourceFromEnvironment(env);
      expect(source.files).toEqual([]);
      expect(() => source.read()).toThrow('METRICS_ADMIN_TOKEN_FILE: is no longer set');
    },
  );

  it('still takes the token beside a blank file variable', () => {
    expect(adminTokenFromEnvironment({ METRICS_ADMIN_TOKEN: 'admin-token-0123456789', METRICS_ADMIN_TOKEN_FILE: ' ' })).toBe('admin-token-0123456789');
  });
});
