// The JSON view's filters: the subset of CREST `_queryFilter` AM's metrics endpoint is queried with,
// plus a plain `prefix` parameter. Building the entries is json-view.ts's job.

/** A JSON-view query the exporter does not understand; answered with 400 and this message. */
export class QueryFilterError extends Error {
  constructor(
    readonly filter: string,
    reason: string,
  ) {
    super(`_queryFilter ${JSON.stringify(filter)} ${reason}`);
    this.name = new.target.name;
  }
}

/** Decides whether an entry, by its `_id`, belongs in the answer. */
export type IdFilter = (id: string) => boolean;

/** The query parameters the filter reads; a `URLSearchParams` is one (typed here without DOM or Node globals). */
export interface QueryParameters {
  get(name: string): string | null;
}

/** `_id` (or `/_id`), an operator, and a single- or double-quoted string. */
const ID_COMPARISON = /^\s*\/?_id\s+(sw|eq|co)\s+(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*$/i;

/**
 * The filter of a JSON-view query. `_queryFilter` may be `true`, `false`, or `_id sw|eq|co "text"`
 * (starts with, equals, contains; CREST's operators, backslash escapes a quote); `prefix=text` keeps
 * ids starting with `text`. Both together must both hold; neither keeps everything.
 * @throws QueryFilterError for any other `_queryFilter` expression.
 */
export function parseIdFilter(params: QueryParameters): IdFilter {
  const prefix = params.get('prefix');
  const expression = params.get('_queryFilter');
  const byQuery = expression === null ? undefined : parseQueryFilter(expression);
  return (id) => (prefix === null || id.startsWith(prefix)) && (byQuery === undefined || byQuery(id));
}

function parseQueryFilter(expression: string): IdFilter {
  const trimmed = expression.trim();
  if (trimmed === 'true') return () => true;
  if (trimmed === 'false') return () => false;
  const match = ID_COMPARISON.exec(trimmed);
  if (match === null) {
    throw new QueryFilterError(expression, 'is not supported here: use true, false, or _id sw|eq|co "text"');
  }
  const operator = (match[1] as string).toLowerCase();
  const operand = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1');
  switch (operator) {
    case 'sw':
      return (id) => id.startsWith(operand);
    case 'eq':
      return (id) => id === operand;
    default:
      return (id) => id.includes(operand);
  }
}
