// Grafana dashboard JSON (schema 39, Grafana 10 and 11) from a small description: sections of panels
// laid out left to right, template variables, the `${DS_PROMETHEUS}` import input. Writes no PromQL.

/** The data source every panel, target and variable names; Grafana asks for it on import. */
export const DATASOURCE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' } as const;
/** The tag every AM dashboard carries, which the dashboards' link menu lists. */
export const DASHBOARD_TAG = 'am-metrics';
/** Grid width of a Grafana dashboard, in columns. */
const GRID_COLUMNS = 24;
const DEFAULT_HEIGHT = 8;
const STAT_HEIGHT = 4;

export type Unit = 's' | 'ops' | 'percentunit' | 'short' | 'bytes';

export interface Target {
  readonly expr: string;
  readonly legend: string;
  /** Evaluated once at the end of the time range (for a ranking), not over it. */
  readonly instant?: boolean;
}

export interface PanelSpec {
  readonly type: 'timeseries' | 'stat' | 'bargauge';
  readonly title: string;
  readonly description: string;
  readonly unit: Unit;
  readonly targets: readonly Target[];
  /** Columns out of 24; 12 unless given (stats: 3). Bar gauges list one bar per series, largest first. */
  readonly width?: number;
  /** Values at which a stat turns orange, then red. */
  readonly thresholds?: readonly [number, number];
}

export interface SectionSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** A multi-select template variable over the values of `label` found on `selector`'s series. */
export interface VariableSpec {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly selector: string;
  readonly labelName: string;
}

export interface DashboardSpec {
  readonly uid: string;
  /** What Grafana's import dialog says of the data source; default: the Prometheus that scrapes AM. */
  readonly datasourceDescription?: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables: readonly VariableSpec[];
  readonly sections: readonly SectionSpec[];
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function fieldConfig(panel: PanelSpec): Json {
  const range = { min: 0, ...(panel.unit === 'percentunit' ? { max: 1 } : {}) };
  if (panel.type === 'stat') {
    const [warn, crit] = panel.thresholds ?? [];
    const steps = [
      { color: 'green', value: null },
      ...(warn === undefined
        ? []
        : [
            { color: 'orange', value: warn },
            { color: 'red', value: crit ?? null },
          ]),
    ];
    return { defaults: { ...range, color: { mode: 'thresholds' }, thresholds: { mode: 'absolute', steps }, unit: panel.unit }, overrides: [] };
  }
  if (panel.type === 'bargauge') {
    const steps = [{ color: 'red', value: null }];
    return { defaults: { ...range, color: { mode: 'thresholds' }, thresholds: { mode: 'absolute', steps }, unit: panel.unit }, overrides: [] };
  }
  const custom = { drawStyle: 'line', fillOpacity: 10, lineWidth: 1, showPoints: 'never', spanNulls: false, stacking: { group: 'A', mode: 'none' } };
  return { defaults: { ...range, color: { mode: 'palette-classic' }, custom, unit: panel.unit }, overrides: [] };
}

function options(panel: PanelSpec): Json {
  if (panel.type === 'stat') {
    return {
      colorMode: 'value',
      graphMode: 'area',
      justifyMode: 'auto',
      orientation: 'auto',
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      textMode: 'auto',
    };
  }
  if (panel.type === 'bargauge') {
    return {
      displayMode: 'basic',
      orientation: 'horizontal',
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      showUnfilled: true,
      valueMode: 'color',
    };
  }
  return { legend: { calcs: [], displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } };
}

function targets(panel: PanelSpec): Json[] {
  if (panel.targets.length > REF_IDS.length) throw new Error(`${panel.title}: too many queries`);
  return panel.targets.map((t, i) => ({
    datasource: DATASOURCE,
    editorMode: 'code',
    expr: t.expr,
    ...(t.instant === true ? { instant: true } : {}),
    legendFormat: t.legend,
    range: t.instant !== true,
    refId: REF_IDS[i] ?? '',
  }));
}

/** Places sections top to bottom, each a row header followed by its panels flowing left to right. */
function layout(sections: readonly SectionSpec[]): Json[] {
  const panels: Json[] = [];
  let y = 0;
  for (const section of sections) {
    panels.push({ collapsed: false, gridPos: { h: 1, w: GRID_COLUMNS, x: 0, y }, id: panels.length + 1, panels: [], title: section.title, type: 'row' });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const panel of section.panels) {
      const w = panel.width ?? (panel.type === 'stat' ? 3 : 12);
      const h = panel.type === 'stat' ? STAT_HEIGHT : DEFAULT_HEIGHT;
      if (x + w > GRID_COLUMNS) [x, y, rowHeight] = [0, y + rowHeight, 0];
      const gridPos = { h, w, x, y };
      panels.push({
        datasource: DATASOURCE,
        description: panel.description,
        fieldConfig: fieldConfig(panel),
        gridPos,
        id: panels.length + 1,
        options: options(panel),
        targets: targets(panel),
        title: panel.title,
        type: panel.type,
      });
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return panels;
}

function variable(spec: VariableSpec): Json {
  const query = `label_values(${spec.selector}, ${spec.labelName})`;
  return {
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    datasource: DATASOURCE,
    definition: query,
    description: spec.description,
    includeAll: true,
    label: spec.label,
    multi: true,
    name: spec.name,
    options: [],
    query: { qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    regex: '',
    sort: 1,
    type: 'query',
  };
}

function requirements(sections: readonly SectionSpec[]): Json[] {
  const panelTypes = [...new Set(sections.flatMap((s) => s.panels.map((p) => p.type)))].sort();
  const names: Record<PanelSpec['type'], string> = { bargauge: 'Bar gauge', stat: 'Stat', timeseries: 'Time series' };
  return [
    { id: 'grafana', name: 'Grafana', type: 'grafana', version: '10.0.0' },
    { id: 'prometheus', name: 'Prometheus', type: 'datasource', version: '1.0.0' },
    ...panelTypes.map((id) => ({ id, name: names[id], type: 'panel', version: '' })),
  ];
}

/** The Grafana import model of `spec`, with `${DS_PROMETHEUS}` left for Grafana's import dialog. */
export function renderDashboard(spec: DashboardSpec): Json {
  return {
    __elements: {},
    __inputs: [
      {
        description: spec.datasourceDescription ?? 'Prometheus server that scrapes AM',
        label: 'Prometheus',
        name: 'DS_PROMETHEUS',
        pluginId: 'prometheus',
        pluginName: 'Prometheus',
        type: 'datasource',
      },
    ],
    __requires: requirements(spec.sections),
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    description: spec.description,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [
      {
        asDropdown: true,
        icon: 'external link',
        includeVars: true,
        keepTime: true,
        tags: [DASHBOARD_TAG],
        targetBlank: false,
        title: 'AM dashboards',
        tooltip: '',
        type: 'dashboards',
        url: '',
      },
    ],
    panels: layout(spec.sections),
    refresh: '1m',
    schemaVersion: 39,
    tags: [DASHBOARD_TAG, ...spec.tags],
    templating: { list: spec.variables.map(variable) },
    time: { from: 'now-3h', to: 'now' },
    timepicker: {},
    timezone: '',
    title: spec.title,
    uid: spec.uid,
    version: 1,
    weekStart: '',
  };
}

/** `value` as JSON with every object's keys sorted, 2-space indent and a final newline: stable diffs. */
export function stableJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
    );
  };
  return `${JSON.stringify(sorted(value), null, 2)}\n`;
}
