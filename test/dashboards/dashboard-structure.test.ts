import { describe, expect, it } from 'vitest';
import { toPromQL } from '../../scripts/dashboards.js';
import { labelValuesSelector } from '../../scripts/dashboards/queries.js';
import { allPanels, committedDashboards, perInstanceSamples, type DashboardJson, type PanelJson } from './committed.js';
import { analyse } from './promql-analysis.js';

const DASHBOARDS = committedDashboards();
const DS = '${DS_PROMETHEUS}';
const UNITS = ['s', 'ops', 'percentunit', 'percent', 'short', 'bytes'];
const PER_INSTANCE = perInstanceSamples();
/** Aggregations that pick one instance's value rather than combining several. */
const PICKING = ['max', 'min', 'topk', 'bottomk'];
const GRID_COLUMNS = 24;
/** The variables naming where series come from, chained widest first; every other variable is a family's label. */
const SOURCE_VARIABLES = ['job', 'instance', 'pod'];

const plotted = (d: DashboardJson): PanelJson[] => allPanels(d).filter((p) => p.type !== 'row');
const exprsOf = (p: PanelJson): string[] => (p.targets ?? []).map((t) => t.expr);
const withoutStrings = (expr: string): string => expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
const cases = DASHBOARDS.map((d) => [d.path, d.json] as const);

describe.each(cases)('%s', (_path, dashboard) => {
  it('asks for a Prometheus data source on import and uses it everywhere', () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    expect(dashboard.__requires).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'grafana' }), expect.objectContaining({ type: 'datasource', id: 'prometheus' })]),
    );
    const panelTypes = new Set(plotted(dashboard).map((p) => p.type));
    for (const type of panelTypes) expect(dashboard.__requires).toContainEqual(expect.objectContaining({ type: 'panel', id: type }));
    const sources = [
      ...plotted(dashboard).flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]),
      ...dashboard.templating.list.map((v) => v.datasource),
    ];
    expect(sources.filter((s) => s?.uid !== DS || s.type !== 'prometheus')).toEqual([]);
  });

  it('gives every panel a unique id and a place on the grid that overlaps no other', () => {
    const panels = allPanels(dashboard);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const boxes = panels.map((p) => p.gridPos);
    for (const box of boxes) {
      expect(box).toEqual({ h: expect.any(Number), w: expect.any(Number), x: expect.any(Number), y: expect.any(Number) });
      expect((box?.x ?? 0) + (box?.w ?? 0)).toBeLessThanOrEqual(GRID_COLUMNS);
    }
    const overlaps = (a: NonNullable<PanelJson['gridPos']>, b: NonNullable<PanelJson['gridPos']>): boolean =>
      a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    const clashes = boxes.flatMap((a, i) => boxes.slice(i + 1).filter((b) => a !== undefined && b !== undefined && overlaps(a, b)));
    expect(clashes).toEqual([]);
  });

  it('describes every panel and gives each plotted value a unit', () => {
    for (const panel of plotted(dashboard)) {
      expect(panel.description?.length ?? 0, panel.title).toBeGreaterThan(20);
      expect(UNITS, panel.title).toContain(panel.fieldConfig?.defaults?.unit);
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
      expect(new Set(panel.targets?.map((t) => t.refId)).size, panel.title).toBe(panel.targets?.length);
    }
  });

  it('draws latency in seconds', () => {
    const timed = plotted(dashboard).filter((p) => exprsOf(p).some((e) => /_seconds\{|_seconds_sum\{/.test(e)));
    expect(timed.filter((p) => p.fieldConfig?.defaults?.unit !== 's').map((p) => p.title)).toEqual([]);
  });

  it('offers job, instance and pod variables first, each multi-select with All, chained in that order on one AM sample', () => {
    const [job, instance, pod] = dashboard.templating.list;
    expect(job).toMatchObject({ name: 'job', type: 'query' });
    expect(job?.definition).toMatch(/^label_values\((am_\w+), job\)$/);
    const sample = labelValuesSelector(job?.definition ?? '');
    expect(instance).toMatchObject({ name: 'instance', definition: `label_values(${sample}{job=~"$job"}, instance)` });
    expect(pod).toMatchObject({ name: 'pod', definition: `label_values(${sample}{job=~"$job", instance=~"$instance"}, kubernetes_pod_name)` });
    for (const v of dashboard.templating.list) {
      expect(v.query.query).toBe(v.definition);
      // All is `.*`, which also matches a series without the label: self-hosted AM writes no pod.
      expect(v).toMatchObject({ multi: true, includeAll: true, allValue: '.*' });
    }
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    const texts = [...plotted(dashboard).flatMap(exprsOf), ...dashboard.templating.list.map((v) => v.definition)];
    const used = texts.flatMap((e) => [...e.matchAll(/\$\{?(\w+)/g)].map((m) => m[1] ?? '')).filter((name) => !name.startsWith('__'));
    expect([...new Set(used)].filter((name) => !defined.has(name))).toEqual([]);
  });

  it('filters by job, instance and pod in every panel query and family variable, and puts variables only inside regex matchers', () => {
    // Without the job and instance matchers, a fleet of several environments (jobs) adds them all up,
    // and self-hosted AM, which has no pod label, cannot be narrowed to one server.
    const family = dashboard.templating.list.filter((v) => !SOURCE_VARIABLES.includes(v.name));
    for (const expr of [...plotted(dashboard).flatMap(exprsOf), ...family.map((v) => v.definition)]) {
      const analysis = analyse(expr.replaceAll('$__rate_interval', '1m').replace(/^label_values\((.*),\s*\w+\)$/s, '$1'));
      expect(analysis.errors, expr).toEqual([]);
      for (const selector of analysis.selectors) {
        for (const [label, variable] of [
          ['job', '$job'],
          ['instance', '$instance'],
          ['kubernetes_pod_name', '$pod'],
        ])
          expect(selector.matchers, expr).toContainEqual({ label, op: '=~', value: variable });
        expect(
          selector.matchers.filter((m) => m.value.includes('$') && m.op !== '=~' && m.op !== '!~'),
          expr,
        ).toEqual([]);
      }
    }
  });

  it('rates every counter over $__rate_interval', () => {
    for (const expr of plotted(dashboard).flatMap(exprsOf)) {
      const ranges = [...withoutStrings(expr).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]);
      expect(
        ranges.filter((r) => r !== '$__rate_interval'),
        expr,
      ).toEqual([]);
      expect(analyse(toPromQL(expr)).ranges.length, expr).toBe(ranges.length);
    }
  });

  it('keeps self-hosted servers apart: every per-pod aggregation also groups by instance, and its legend names both', () => {
    // Self-hosted AM writes no kubernetes_pod_name, so a panel grouped by the pod alone draws all of a
    // job's servers as one line; the scraped instance is what tells them apart.
    for (const panel of plotted(dashboard)) {
      for (const target of panel.targets ?? []) {
        const perPod = analyse(toPromQL(target.expr)).aggregations.filter((a) => a.by?.includes('kubernetes_pod_name'));
        expect(
          perPod.filter((a) => !a.by?.includes('instance')),
          `${panel.title}: ${target.expr}`,
        ).toEqual([]);
        if (perPod.length > 0) expect(target.legendFormat, panel.title).toMatch(/\{\{kubernetes_pod_name\}\} \{\{instance\}\}/);
      }
    }
  });

  it('never adds up quantiles or unique-user counts, and shows them per server on graphs', () => {
    for (const panel of plotted(dashboard)) {
      for (const expr of exprsOf(panel)) {
        const analysis = analyse(toPromQL(expr));
        const reads = analysis.selectors.filter((s) => PER_INSTANCE.has(s.name ?? ''));
        if (reads.length === 0) continue;
        const over = analysis.aggregations.filter((a) => a.selectors.some((s) => PER_INSTANCE.has(s.name ?? '')));
        expect(
          over.filter((a) => !PICKING.includes(a.op)),
          expr,
        ).toEqual([]);
        if (panel.type === 'timeseries')
          expect(
            over.filter((a) => !a.by?.includes('kubernetes_pod_name') || !a.by.includes('instance')),
            `${panel.title}: ${expr}`,
          ).toEqual([]);
      }
    }
  });
});

describe('the dashboard set', () => {
  it('is an overview and one dashboard per AM family, with distinct uids and titles, all tagged am-metrics', () => {
    expect(DASHBOARDS.map((d) => d.json.uid).sort()).toEqual([
      'am-authentication',
      'am-authorization',
      'am-cts',
      'am-denylist',
      'am-oauth2',
      'am-overview',
      'am-script-cache',
      'am-session',
    ]);
    expect(new Set(DASHBOARDS.map((d) => d.json.title)).size).toBe(DASHBOARDS.length);
    for (const d of DASHBOARDS) expect(d.json.tags).toContain('am-metrics');
  });

  it.each([
    ['am-cts', ['operation', 'token_type']],
    ['am-session', ['session_type']],
    ['am-authorization', ['policy_set']],
    ['am-oauth2', ['grant_type']],
    ['am-denylist', ['blacklist_type']],
    ['am-script-cache', ['realm', 'cache_name']],
  ])('%s lets the operator pick its main labels: %s', (uid, labels) => {
    const dashboard = DASHBOARDS.find((d) => d.json.uid === uid)?.json;
    for (const label of labels)
      expect(dashboard?.templating.list.find((v) => v.name === label)?.definition).toMatch(
        new RegExp(`^label_values\\(am_\\w+\\{[^}]*kubernetes_pod_name=~"\\$pod"[^}]*\\}, ${label}\\)$`),
      );
  });
});
