import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { liveQueries } from '../../scripts/dashboards.js';
import { run } from '../support/prometheus-tools.js';
import { ROOT, RULES_DIR, filesIn } from './committed.js';

const TMP = mkdtempSync(join(tmpdir(), 'am-dashboards-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('promtool check rules', () => {
  it.each(filesIn(RULES_DIR, '.yml'))('accepts %s', async (path) => {
    const result = await run('promtool', ['check', 'rules', join(ROOT, path)]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.code).toBe(0);
  });

  it('accepts every dashboard query and variable selector, Grafana variables substituted, as PromQL', async () => {
    // Each query becomes a recording rule: promtool then parses it with Prometheus's own parser.
    const queries = liveQueries().filter((q) => q.kind === 'panel' || q.kind === 'variable');
    const rules = queries.map((q, i) => `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(q.promql)}`);
    const file = join(TMP, 'dashboard-queries.yml');
    writeFileSync(file, `groups:\n  - name: dashboard-queries\n    rules:\n${rules.join('\n')}\n`);
    const result = await run('promtool', ['check', 'rules', file]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`SUCCESS: ${queries.length} rules found`);
  });
});
