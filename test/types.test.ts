import { describe, expect, it } from 'vitest';
import { run } from './support/prometheus-tools.js';

describe('the TypeScript API', () => {
  // test/types/closed-sets.ts holds `@ts-expect-error` lines for typos in closed label sets; the
  // project compiles only if each of those lines really is a type error.
  it('compiles, and refuses typos in closed label sets at compile time', async () => {
    const result = await run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});
