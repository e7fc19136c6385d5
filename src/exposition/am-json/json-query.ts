// The CREST query parameters of AM's JSON view, read and checked: `_queryFilter` (parsed by
// query-filter.ts), `prefix`, `_fields`, `_pageSize`, `_pagedResultsOffset`, `_pagedResultsCookie`
// and `_totalPagedResultsPolicy`. Applying them is json-view.ts's job.
import { JsonQueryError, parseQueryFilter, type EntryFilter } from './query-filter.js';

/** How CREST reports the total number of results: not at all (AM's default), or counted. */
export type TotalPagedResultsPolicy = 'NONE' | 'EXACT' | 'ESTIMATE';

/** A checked JSON-view query. */
export interface JsonQuery {
  /** Which entries belong in the answer: `_queryFilter` and `prefix` (on `_id`) together. */
  readonly filter: EntryFilter;
  /** JSON pointers of the fields to keep (`_id` always stays); absent keeps every field. */
  readonly fields?: readonly (readonly string[])[] | undefined;
  /** Entries per page; 0 means one answer with every entry. */
  readonly pageSize: number;
  /** Entries skipped before the page starts. */
  readonly offset: number;
  readonly totalPolicy: TotalPagedResultsPolicy;
}

/**
 * A request's query parameters as name and value pairs, repeats included; a `URLSearchParams` is one
 * (typed here without DOM or Node globals).
 */
export type QueryParameters = Iterable<readonly [string, string]>;

/** Query parameters CREST defines that this view does not implement: a 400 names them, never silence. */
const UNSUPPORTED = ['_sortKeys', '_queryId', '_queryExpression'];

/**
 * The query of a JSON-view request. No `_queryFilter` keeps every entry (AM asks for
 * `_queryFilter=true`); `_pagedResultsCookie` is the cookie a previous page returned (the offset of
 * the next entry), and overrides `_pagedResultsOffset`. As in CREST, parameter names match whatever
 * their case, `_fields` may be given several times, and any other parameter at most once.
 * @throws JsonQueryError (QueryFilterError for the filter) naming the parameter and its value.
 */
export function parseJsonQuery(parameters: QueryParameters): JsonQuery {
  const params = new CrestParameters(parameters);
  for (const name of UNSUPPORTED) {
    if (params.get(name) !== null)
      throw new JsonQueryError(
        `${name} is not supported here (supported: _queryFilter, _fields, _pageSize, _pagedResultsOffset, _pagedResultsCookie, _totalPagedResultsPolicy)`,
      );
  }
  const expression = params.get('_queryFilter');
  const byQuery = expression === null ? undefined : parseQueryFilter(expression);
  const prefix = params.get('prefix');
  const filter: EntryFilter = (entry) => (prefix === null || entry._id.startsWith(prefix)) && (byQuery === undefined || byQuery(entry));
  const cookie = params.get('_pagedResultsCookie');
  const fields = fieldsOf(
    params
      .getAll('_fields')
      .filter((text) => text.trim() !== '')
      .join(','),
  );
  return {
    filter,
    ...(fields === undefined ? {} : { fields }),
    pageSize: wholeNumber(params, '_pageSize'),
    offset: cookie === null || cookie === '' ? wholeNumber(params, '_pagedResultsOffset') : wholeNumberOf(cookie, '_pagedResultsCookie'),
    totalPolicy: policyOf(params.get('_totalPagedResultsPolicy')),
  };
}

/**
 * Query parameters looked up as CREST does (its HttpUtils.getParameter): by name whatever its case,
 * so `_queryfilter` is `_queryFilter` rather than an unknown parameter silently ignored.
 */
class CrestParameters {
  private readonly values = new Map<string, string[]>();

  constructor(parameters: QueryParameters) {
    for (const [name, value] of parameters) {
      const key = name.toLowerCase();
      const values = this.values.get(key);
      if (values === undefined) this.values.set(key, [value]);
      else values.push(value);
    }
  }

  /** Every value of `name`, in the request's order. */
  getAll(name: string): readonly string[] {
    return this.values.get(name.toLowerCase()) ?? [];
  }

  /**
   * The value of a single-valued parameter, or null when absent.
   * @throws JsonQueryError when the request gives it more than once (CREST answers 400 too).
   */
  get(name: string): string | null {
    const values = this.getAll(name);
    if (values.length > 1) throw new JsonQueryError(`${name} is given ${values.length} times; it takes one value`);
    return values[0] ?? null;
  }
}

/** `_fields=a,labels/outcome` as pointer segments; empty keeps every field. */
function fieldsOf(text: string): string[][] | undefined {
  if (text.trim() === '') return undefined;
  return text.split(',').map((field) => {
    const body = field.trim().replace(/^\//, '');
    return body.split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  });
}

function wholeNumber(params: CrestParameters, name: string): number {
  const text = params.get(name);
  return text === null || text === '' ? 0 : wholeNumberOf(text, name);
}

function wholeNumberOf(text: string, name: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new JsonQueryError(`${name} ${JSON.stringify(text)} is not a whole number from 0 to 999999999`);
  return Number(text);
}

function policyOf(text: string | null): TotalPagedResultsPolicy {
  if (text === null || text === '') return 'NONE';
  const policy = text.toUpperCase();
  if (policy === 'NONE' || policy === 'EXACT' || policy === 'ESTIMATE') return policy;
  throw new JsonQueryError(`_totalPagedResultsPolicy ${JSON.stringify(text)} is not NONE, EXACT or ESTIMATE`);
}
