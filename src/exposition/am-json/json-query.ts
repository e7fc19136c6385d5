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

/** The query parameters a query reads; a `URLSearchParams` is one (typed here without DOM or Node globals). */
export interface QueryParameters {
  get(name: string): string | null;
}

/** Query parameters CREST defines that this view does not implement: a 400 names them, never silence. */
const UNSUPPORTED = ['_sortKeys', '_queryId', '_queryExpression'];

/**
 * The query of a JSON-view request. No `_queryFilter` keeps every entry (AM asks for
 * `_queryFilter=true`); `_pagedResultsCookie` is the cookie a previous page returned (the offset of
 * the next entry), and overrides `_pagedResultsOffset`.
 * @throws JsonQueryError (QueryFilterError for the filter) naming the parameter and its value.
 */
export function parseJsonQuery(params: QueryParameters): JsonQuery {
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
  const fields = fieldsOf(params.get('_fields'));
  return {
    filter,
    ...(fields === undefined ? {} : { fields }),
    pageSize: wholeNumber(params, '_pageSize'),
    offset: cookie === null || cookie === '' ? wholeNumber(params, '_pagedResultsOffset') : wholeNumberOf(cookie, '_pagedResultsCookie'),
    totalPolicy: policyOf(params.get('_totalPagedResultsPolicy')),
  };
}

/** `_fields=a,labels/outcome` as pointer segments; empty or absent keeps every field. */
function fieldsOf(text: string | null): string[][] | undefined {
  if (text === null || text.trim() === '') return undefined;
  return text.split(',').map((field) => {
    const body = field.trim().replace(/^\//, '');
    return body.split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  });
}

function wholeNumber(params: QueryParameters, name: string): number {
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
