// Reads PromQL with Prometheus's own grammar (@prometheus-io/lezer-promql): syntax errors, the series
// selectors with their matchers, the aggregations around them, and the ranges of range selectors.
import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  /** The value as written, quotes removed (PromQL escapes are not expanded; the dashboards use none). */
  readonly value: string;
}

export interface Selector {
  /** The metric name; undefined for a selector written only with `{…}` matchers. */
  readonly name: string | undefined;
  readonly matchers: readonly Matcher[];
}

export interface Aggregation {
  readonly op: string;
  /** `by` labels; undefined when the aggregation has no `by` (all labels dropped, or `without`). */
  readonly by: readonly string[] | undefined;
  readonly selectors: readonly Selector[];
}

export interface Analysis {
  /** Empty when the grammar accepts the whole text. */
  readonly errors: readonly string[];
  readonly selectors: readonly Selector[];
  readonly aggregations: readonly Aggregation[];
  /** The text inside the brackets of every range selector and subquery, e.g. `5m`. */
  readonly ranges: readonly string[];
}

const OPS: Readonly<Record<string, Matcher['op']>> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

function descendants(node: SyntaxNode, name: string): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const cursor = node.cursor();
  do {
    if (cursor.name === name) found.push(cursor.node);
  } while (cursor.next() && cursor.from < node.to);
  return found.filter((n) => n.from >= node.from && n.to <= node.to);
}

function selectorAt(node: SyntaxNode, text: string): Selector {
  const name = node.getChild('Identifier');
  const matchers = descendants(node, 'UnquotedLabelMatcher').map((m): Matcher => {
    const label = m.getChild('LabelName');
    const op = m.getChild('MatchOp')?.firstChild?.name ?? '';
    const value = m.getChild('StringLiteral');
    return { label: label === null ? '' : text.slice(label.from, label.to), op: OPS[op] ?? '=', value: value === null ? '' : text.slice(value.from + 1, value.to - 1) };
  });
  return { name: name === null ? undefined : text.slice(name.from, name.to), matchers };
}

function aggregationAt(node: SyntaxNode, text: string): Aggregation {
  const op = node.getChild('AggregateOp');
  const modifier = node.getChild('AggregateModifier');
  const isBy = modifier !== null && modifier.getChild('By') !== null;
  const by = isBy ? descendants(modifier, 'LabelName').map((l) => text.slice(l.from, l.to)) : undefined;
  const body = node.getChild('FunctionCallBody');
  const selectors = body === null ? [] : descendants(body, 'VectorSelector').map((s) => selectorAt(s, text));
  return { op: op === null ? '' : text.slice(op.from, op.to), by, selectors };
}

/** Parses `text` as PromQL and reports what it reads. */
export function analyse(text: string): Analysis {
  const top = parser.parse(text).topNode;
  const errors: string[] = [];
  const cursor = top.cursor();
  do {
    if (cursor.type.isError) errors.push(`syntax error at ${cursor.from}: "${text.slice(Math.max(0, cursor.from - 20), cursor.from + 20)}"`);
    if (cursor.name === 'QuotedLabelMatcher' || cursor.name === 'QuotedLabelName')
      errors.push(`quoted label names are not used here: ${text.slice(cursor.from, cursor.to)}`);
  } while (cursor.next());
  const ranges = [...descendants(top, 'MatrixSelector'), ...descendants(top, 'SubqueryExpr')].map((n) => /\[([^\]]*)\]\s*$/.exec(text.slice(n.from, n.to))?.[1] ?? '');
  return {
    errors,
    selectors: descendants(top, 'VectorSelector').map((s) => selectorAt(s, text)),
    aggregations: descendants(top, 'AggregateExpr').map((a) => aggregationAt(a, text)),
    ranges,
  };
}
