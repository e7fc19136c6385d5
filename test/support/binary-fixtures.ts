// Golden binary bodies (protobuf, snappy): compared byte for byte; `UPDATE_FIXTURES=1` rewrites them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect } from 'vitest';
import { fixturePath } from './fixtures.js';

/** Asserts `actual` equals the bytes of fixture `name`, or writes it when UPDATE_FIXTURES=1. */
export function expectBytesToMatchFixture(actual: Uint8Array, name: string): void {
  const path = fixturePath(name);
  if (process.env.UPDATE_FIXTURES === '1' || !existsSync(path)) {
    if (process.env.CI === 'true') throw new Error(`fixture ${name} is missing; CI never writes fixtures`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  expect(Buffer.from(actual).toString('hex')).toBe(readFileSync(path).toString('hex'));
}
