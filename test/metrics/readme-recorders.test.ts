import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAmMetrics } from '../../src/index.js';

/** The document holding the recorder table (`| family | recorder | samples (AIC names) |`). */
const README_PATH = fileURLToPath(new URL('../../README.md', import.meta.url));

const FAMILIES = ['authentication', 'authorization', 'denylist', 'cts', 'oauth2', 'session'] as const;

/** Family → recorder names, from the rows of the first recorder table in the document. */
function documentedRecorders(): Map<string, string[]> {
  const text = readFileSync(README_PATH, 'utf8');
  const table = text.slice(text.indexOf('| family | recorder |'));
  const rows = new Map<string, string[]>();
  for (const line of table.split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [, family = '', recorders = ''] = line.split('|').map((cell) => cell.trim());
    rows.set(family, [...recorders.matchAll(/`([A-Za-z0-9]+)`/g)].map((m) => m[1] as string));
  }
  return rows;
}

/** Every method and property a family's recorder object offers. */
function recordersOf(recorder: object): string[] {
  const names = new Set(Object.keys(recorder));
  for (let proto = Object.getPrototypeOf(recorder); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') names.add(name);
  }
  return [...names].sort();
}

describe('the README recorder table', () => {
  const documented = documentedRecorders();
  const am = createAmMetrics({ podName: 'am-0' });

  it('has one row per family', () => {
    expect([...documented.keys()]).toEqual([...FAMILIES]);
  });

  it.each(FAMILIES)('lists every recorder of am.%s, and no other', (family) => {
    expect([...(documented.get(family) ?? [])].sort()).toEqual(recordersOf(am[family]));
  });
});
