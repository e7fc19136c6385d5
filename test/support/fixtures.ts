// Golden files: compared byte for byte; `UPDATE_FIXTURES=1 npm test` rewrites them (read the diff).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Absolute path of a fixture under test/fixtures. */
export function fixturePath(name: string): string {
  return FIXTURES + name;
}

/** Asserts `actual` equals the fixture `name`, or writes it when UPDATE_FIXTURES=1. */
export function expectToMatchFixture(actual: string, name: string): void {
  const path = fixturePath(name);
  if (process.env.UPDATE_FIXTURES === '1' || !existsSync(path)) {
    if (process.env.CI === 'true') throw new Error(`fixture ${name} is missing; CI never writes fixtures`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
