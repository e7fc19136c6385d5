import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/metrics/catalog.js';
import { liveQueries, toPromQL } from '../../scripts/dashboards.js';
import { allPanels, catalogueSamples, committedDashboards, runtimeSamples, samplesOf, type SampleLabels } from './committed.js';
import { analyse, type Selector } from './promql-analysis.js';

/** The catalogue's samples, and the Node.js runtime's that the overview's runtime row reads. */
const SAMPLES = new Map([...catalogueSamples(), ...(await runtimeSamples())]);
const RULE_QUERIES = liveQueries().filter((q) => q.kind === 'recording' || q.kind === 'alert');
const RECORDED = new Set(RULE_QUERIES.filter((q) => q.kind === 'recording').map((q) => q.name));
/** Prometheus's own series for a scrape target, the one name outside the catalogue the rules may read. */
const PROMETHEUS_SERIES = new Set(['up']);
const LITERAL_ALTERNATIVES = /^[\w.-]+(\|[\w.-]+)*$/;

/** What is wrong with `selector` against the catalogue; `recorded` names pass without label checks. */
function problemsOf(selector: Selector, recorded: ReadonlySet<string>): string[] {
  const name = selector.name;
  if (name === undefined) return ['a selector without a metric name'];
  if (PROMETHEUS_SERIES.has(name) || recorded.has(name)) return [];
  const labels: SampleLabels | undefined = SAMPLES.get(name);
  if (labels === undefined) return [`${name} is not a catalogue sample`];
  return selector.matchers.flatMap((m) => {
    if (!labels.has(m.label)) return [`${name} has no label ${m.label}`];
    const allowed = labels.get(m.label);
    if (allowed === undefined || m.value.includes('$')) return [];
    const values = m.op === '=' || m.op === '!=' ? [m.value] : LITERAL_ALTERNATIVES.test(m.value) ? m.value.split('|') : [];
    return values.filter((v) => !allowed.includes(v)).map((v) => `${name}: ${m.label} never takes "${v}" (allowed: ${allowed.join(', ')})`);
  });
}

function problemsIn(expr: string, recorded: ReadonlySet<string>): string[] {
  const analysis = analyse(toPromQL(expr));
  return [...analysis.errors, ...analysis.selectors.flatMap((s) => problemsOf(s, recorded))].map((p) => `${p}  in  ${expr}`);
}

describe('metric names in grafana-dashboards/', () => {
  it.each(committedDashboards().map((d) => [d.path, d.json] as const))('%s reads only catalogue samples, labels and label values', (_path, json) => {
    const exprs = [
      ...allPanels(json).flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
      ...json.templating.list.map((v) => v.definition.replace(/^label_values\((.*),\s*\w+\)$/s, '$1')),
    ];
    expect(exprs.length).toBeGreaterThan(0);
    expect(exprs.flatMap((e) => problemsIn(e, new Set()))).toEqual([]);
  });

  it('reads only catalogue samples, up and recorded series in the rules', () => {
    expect(RULE_QUERIES.length).toBeGreaterThan(0);
    expect(RULE_QUERIES.flatMap((q) => problemsIn(q.expr, RECORDED))).toEqual([]);
  });

  it('names recording rules level:metric:operations after a catalogue sample, without clashing with one', () => {
    for (const name of RECORDED) {
      expect(name).toMatch(/^[a-z_]+:am_[a-z0-9_]+:[a-z0-9_]+$/);
      expect(SAMPLES.has(name)).toBe(false);
    }
  });

  it('plots every catalogue metric on some dashboard', () => {
    const read = new Set(
      committedDashboards().flatMap((d) => allPanels(d.json).flatMap((p) => (p.targets ?? []).flatMap((t) => analyse(toPromQL(t.expr)).selectors.map((s) => s.name)))),
    );
    const unplotted = CATALOG.filter((m) => !samplesOf(m.name, m.kind).some(({ sample }) => read.has(sample))).map((m) => `${m.kind} ${m.name}`);
    expect(unplotted).toEqual([]);
  });
});
