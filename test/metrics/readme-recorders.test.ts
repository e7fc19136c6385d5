import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAmMetrics } from '../../src/index.js';

/** The documents holding the recorder table's rows (`| family | recorder | samples (AIC names) |`), in order. */
const README_PATHS = [fileURLToPath(new URL('../../README.md', import.meta.url))];

/** Each catalogue family's row name and the AmMetrics property holding its recorders. */
const FAMILIES = [
  ['authentication', 'authentication'],
  ['authorization', 'authorization'],
  ['denylist', 'denylist'],
  ['cts', 'cts'],
  ['oauth2', 'oauth2'],
  ['session', 'session'],
  ['script', 'scriptCache'],
] as const;

/** Family → recorder names, from the rows of the first recorder table in each document. */
function documentedRecorders(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const path of README_PATHS) {
    const text = readFileSync(path, 'utf8');
    const table = text.slice(text.indexOf('| family | recorder |'));
    for (const line of table.split('\n').slice(2)) {
      if (!line.startsWith('|')) break;
      const [, family = '', recorders = ''] = line.split('|').map((cell) => cell.trim());
      rows.set(
        family,
        [...recorders.matchAll(/`([A-Za-z0-9]+)`/g)].map((m) => m[1] as string),
      );
    }
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
    expect([...documented.keys()]).toEqual(FAMILIES.map(([family]) => family));
  });

  it.each(FAMILIES)('lists every recorder of family %s (am.%s), and no other', (family, property) => {
    expect([...(documented.get(family) ?? [])].sort()).toEqual(recordersOf(am[property]));
  });
});
