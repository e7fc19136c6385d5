import { describe, expect, it } from 'vitest';
import { generateFiles } from '../../scripts/dashboards.js';
import { run } from '../support/prometheus-tools.js';
import { DASHBOARD_DIR, DATADOG_DIR, RULES_DIR, ROOT, filesIn, readCommitted } from './committed.js';

const GENERATED = generateFiles();

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortedKeys(v)]),
  );
}

describe('the committed dashboards and rules', () => {
  it.each([...GENERATED.keys()])('%s is exactly what `npm run dashboards` writes', (path) => {
    // On failure: run `npm run dashboards`, read the diff, and commit it with the change that caused it.
    expect(readCommitted(path)).toBe(GENERATED.get(path));
  });

  it('include no dashboard or rule file the generator does not write', () => {
    const committed = [...filesIn(DASHBOARD_DIR, '.json'), ...filesIn(DATADOG_DIR, '.json'), ...filesIn(RULES_DIR, '.yml'), ...filesIn(RULES_DIR, '.yaml')];
    expect(committed.sort()).toEqual([...GENERATED.keys()].sort());
  });

  it('come out the same on every run', () => {
    expect([...generateFiles()]).toEqual([...GENERATED]);
  });

  it.each([...GENERATED.keys()].filter((p) => p.endsWith('.json')))('%s keeps sorted keys, a 2-space indent and a final newline', (path) => {
    const text = readCommitted(path);
    expect(text).toBe(`${JSON.stringify(sortedKeys(JSON.parse(text)), null, 2)}\n`);
  });

  it("are up to date by the script's own --check", async () => {
    const result = await run('npx', ['tsx', `${ROOT}scripts/dashboards.ts`, '--check']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
