import { describe, expect, it } from 'vitest';
import { liveQueries, toPromQL } from '../../scripts/dashboards.js';
import { RULES_DIR, committedDashboards, everyExpr, filesIn, readCommitted } from './committed.js';
import { analyse } from './promql-analysis.js';

const QUERIES = liveQueries();
const of = (kind: string): typeof QUERIES => QUERIES.filter((q) => q.kind === kind);

describe('toPromQL', () => {
  it.each([
    ['rate(x[$__rate_interval])', 'rate(x[1m])'],
    ['rate(x[${__rate_interval}])', 'rate(x[1m])'],
    ['rate(x[$__interval])', 'rate(x[1m])'],
    ['increase(x[$__range])', 'increase(x[1m])'],
    ['x{kubernetes_pod_name=~"$pod"}', 'x{kubernetes_pod_name=~".*"}'],
    ['x{kubernetes_pod_name=~"${pod}"}', 'x{kubernetes_pod_name=~".*"}'],
    ['x{kubernetes_pod_name=~"${pod:regex}"}', 'x{kubernetes_pod_name=~".*"}'],
    ['x{kubernetes_pod_name=~"[[pod]]"}', 'x{kubernetes_pod_name=~".*"}'],
    ['x{token_type=~"$token_type", a="b"}', 'x{token_type=~".*", a="b"}'],
  ])('turns %s into %s', (expr, promql) => {
    expect(toPromQL(expr)).toBe(promql);
  });

  it('writes the values picked in a variable as Grafana does, and All for a variable with none', () => {
    const expr = 'x{job=~"$job", instance=~"${instance}", kubernetes_pod_name=~"$pod"}';
    expect(toPromQL(expr, { values: { job: ['am-eu', 'am-us'], instance: ['10.0.0.1:8080'] } })).toBe(
      'x{job=~"(am-eu|am-us)", instance=~"10\\\\.0\\\\.0\\\\.1:8080", kubernetes_pod_name=~".*"}',
    );
  });

  it('uses the rate interval it is given', () => {
    expect(toPromQL('rate(x{a=~"$a"}[$__rate_interval])', { rateInterval: '30s' })).toBe('rate(x{a=~".*"}[30s])');
  });
});

describe('liveQueries', () => {
  it('lists every query of every committed dashboard, and every variable', () => {
    const dashboards = committedDashboards();
    const panelExprs = dashboards.flatMap((d) => everyExpr(d.json.panels));
    expect(
      of('panel')
        .map((q) => q.expr)
        .sort(),
    ).toEqual(panelExprs.sort());
    expect(
      of('variable')
        .map((q) => q.expr)
        .sort(),
    ).toEqual(dashboards.flatMap((d) => d.json.templating.list.map((v) => v.definition)).sort());
    for (const q of [...of('panel'), ...of('variable')]) expect(dashboards.map((d) => d.path)).toContain(q.file);
  });

  it('lists every recording rule and alert of the committed rule files', () => {
    const text = filesIn(RULES_DIR, '.yml').map(readCommitted).join('\n');
    expect(of('recording')).toHaveLength(text.match(/^ {6}- record: /gm)?.length ?? 0);
    expect(of('alert')).toHaveLength(text.match(/^ {6}- alert: /gm)?.length ?? 0);
    for (const q of [...of('recording'), ...of('alert')]) {
      expect(readCommitted(q.file)).toContain(q.name.replace(/ \(\w+\)$/, ''));
      expect(q.promql).toBe(q.expr);
    }
  });

  it('gives PromQL that parses and holds no Grafana variable', () => {
    for (const q of QUERIES) {
      expect(q.promql, q.name).not.toContain('$');
      expect(analyse(q.promql).errors, q.promql).toEqual([]);
    }
  });

  it('says which recorded series a rule reads, and that no panel needs any', () => {
    const recorded = new Set(of('recording').map((q) => q.name));
    for (const q of QUERIES) {
      const reads = analyse(q.promql)
        .selectors.map((s) => s.name ?? '')
        .filter((name) => recorded.has(name));
      expect([...q.requires].sort(), q.name).toEqual([...new Set(reads)].sort());
    }
    expect(of('panel').filter((q) => q.requires.length > 0)).toEqual([]);
    expect(of('alert').some((q) => q.requires.length > 0)).toBe(true);
  });
});
