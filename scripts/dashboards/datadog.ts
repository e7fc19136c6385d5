// Datadog dashboard JSON (the dashboards API's shape, `POST /api/v1/dashboard`, and what "Import
// dashboard JSON" takes) from a small description: widgets of metric queries and formulas laid out on
// Datadog's 12-column grid, tag template variables. Writes no query text.

/** Width of Datadog's ordered-layout grid, in columns. */
const GRID_COLUMNS = 12;

/** A metric query a formula refers to by `name` (`failed`, `total`). */
export interface DatadogQuery {
  readonly name: string;
  /** Datadog's metric query syntax, e.g. `sum:auth0.api_request.count{$tenant} by {api}.as_rate()`. */
  readonly query: string;
}

/** An expression over the widget's query names, e.g. `100 * failed / total`. */
export interface DatadogFormula {
  readonly formula: string;
  readonly alias?: string;
}

export interface DatadogWidgetSpec {
  readonly type: 'timeseries' | 'toplist' | 'query_value';
  readonly title: string;
  readonly queries: readonly DatadogQuery[];
  readonly formulas: readonly DatadogFormula[];
  /** Timeseries only: lines (default) or bars. */
  readonly display?: 'line' | 'bars';
  /** Toplist and query value: how the time range reduces to one number per group. */
  readonly aggregator?: 'sum' | 'avg' | 'last';
  /** Query value: decimals shown. */
  readonly precision?: number;
  /** Query value: unit shown after the number. */
  readonly unit?: string;
  /** Columns out of 12 and rows (default 6 × 3 for a query value, 6 × 4 otherwise). */
  readonly width?: number;
  readonly height?: number;
}

/** A tag template variable: `$name` in a query stands for `prefix:<selected value>`, `*` for all. */
export interface DatadogVariableSpec {
  readonly name: string;
  readonly prefix: string;
}

export interface DatadogDashboardSpec {
  readonly title: string;
  readonly description: string;
  readonly variables: readonly DatadogVariableSpec[];
  readonly widgets: readonly DatadogWidgetSpec[];
}

/** Plain JSON data, written by stableJson. */
type Json = unknown;

function request(widget: DatadogWidgetSpec): Json {
  const isScalar = widget.type !== 'timeseries';
  const queries = widget.queries.map((q) => ({ data_source: 'metrics', name: q.name, query: q.query, ...(isScalar ? { aggregator: widget.aggregator ?? 'sum' } : {}) }));
  const formulas = widget.formulas.map((f) => ({
    ...(f.alias === undefined ? {} : { alias: f.alias }),
    formula: f.formula,
    ...(widget.type === 'toplist' ? { limit: { count: 10, order: 'desc' } } : {}),
  }));
  const style =
    widget.type === 'timeseries' ? { display_type: widget.display ?? 'line', style: { line_type: 'solid', line_width: 'normal', palette: 'dog_classic' } } : {};
  return { formulas, queries, response_format: isScalar ? 'scalar' : 'timeseries', ...style };
}

function definition(widget: DatadogWidgetSpec): Json {
  const common = { requests: [request(widget)], title: widget.title, title_align: 'left', title_size: '16', type: widget.type };
  switch (widget.type) {
    case 'timeseries':
      return { ...common, legend_columns: ['avg', 'max', 'value'], legend_layout: 'auto', show_legend: true };
    case 'query_value':
      return { ...common, autoscale: true, precision: widget.precision ?? 2, ...(widget.unit === undefined ? {} : { custom_unit: widget.unit }) };
    case 'toplist':
      return common;
  }
}

/** Widgets left to right, wrapping at 12 columns; `layout` is Datadog's `{x, y, width, height}`. */
function layout(widgets: readonly DatadogWidgetSpec[]): Json[] {
  let [x, y, rowHeight] = [0, 0, 0];
  return widgets.map((widget, i) => {
    const width = widget.width ?? 6;
    const height = widget.height ?? (widget.type === 'query_value' ? 3 : 4);
    if (x + width > GRID_COLUMNS) [x, y, rowHeight] = [0, y + rowHeight, 0];
    const placed = { definition: definition(widget), id: i + 1, layout: { height, width, x, y } };
    x += width;
    rowHeight = Math.max(rowHeight, height);
    return placed;
  });
}

/** The dashboard as Datadog's dashboards API takes it (ordered layout, fixed positions). */
export function renderDatadogDashboard(spec: DatadogDashboardSpec): Json {
  return {
    description: spec.description,
    layout_type: 'ordered',
    notify_list: [],
    reflow_type: 'fixed',
    template_variables: spec.variables.map((v) => ({ available_values: [], defaults: ['*'], name: v.name, prefix: v.prefix })),
    title: spec.title,
    widgets: layout(spec.widgets),
  };
}
