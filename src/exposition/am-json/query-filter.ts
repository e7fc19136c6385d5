// CREST's `_queryFilter` for AM's JSON view: a parser for the subset AM tooling sends (eq, sw, co,
// and, or, !, true, false, parentheses) into a predicate over one entry. Paging and fields live in
// json-query.ts; building the entries is json-view.ts's job.

/** A JSON-view query parameter the exporter does not understand; answered with 400 and this message. */
export class JsonQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A `_queryFilter` expression the exporter cannot evaluate: its text and why. */
export class QueryFilterError extends JsonQueryError {
  constructor(
    readonly filter: string,
    readonly reason: string,
  ) {
    super(`_queryFilter ${JSON.stringify(filter)} is not supported here: ${reason}`);
  }
}

/** Decides whether an entry (a JSON object with an `_id`) belongs in the answer. */
export type EntryFilter = (entry: { readonly _id: string }) => boolean;

type Token = { readonly kind: 'word' | 'string' | '(' | ')' | '!'; readonly text: string; readonly at: number };

const SUPPORTED = 'eq, sw, co, and, or, !, true, false and parentheses';
/** Deepest nesting of parentheses accepted: far beyond any real filter, far below the call stack's limit. */
export const MAX_FILTER_DEPTH = 32;
/** CREST operators this parser knows but does not evaluate, so the error can name them. */
const UNSUPPORTED_OPERATORS = new Set(['lt', 'le', 'gt', 'ge', 'pr']);
const TRAILING_SPACE = /\s*$/y;
const SPACE = /\s*/y;
const TOKEN = /\s*(?:(\()|(\))|(!)|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^\s()!"']+))/y;

/**
 * Parses a CREST `_queryFilter`: `true`, `false`, `pointer eq|sw|co value` (equals, starts with,
 * contains), joined by `and` and `or` (and binds tighter), negated by `!`, grouped by parentheses.
 * A pointer names a field (`_id`, `/_id`, `labels/outcome`); a value is a double- or single-quoted
 * string (backslash escapes), a number, `true` or `false`. Keywords are case-insensitive; string
 * comparisons are case-sensitive; `sw` and `co` hold only for strings. Parentheses nest at most
 * MAX_FILTER_DEPTH deep.
 * @throws QueryFilterError naming the unsupported operator or the unexpected token.
 */
export function parseQueryFilter(expression: string): EntryFilter {
  return new Parser(expression).parse();
}

class Parser {
  private readonly tokens: Token[];
  private next = 0;
  private depth = 0;

  constructor(private readonly expression: string) {
    this.tokens = tokenize(expression, (reason) => this.fail(reason));
  }

  parse(): EntryFilter {
    if (this.tokens.length === 0) this.fail('it is empty');
    const filter = this.or();
    const extra = this.tokens[this.next];
    if (extra !== undefined) this.fail(`unexpected ${describe(extra)}`);
    return filter;
  }

  private or(): EntryFilter {
    const parts = [this.and()];
    while (this.keyword('or')) parts.push(this.and());
    return parts.length === 1 ? (parts[0] as EntryFilter) : (entry) => parts.some((part) => part(entry));
  }

  private and(): EntryFilter {
    const parts = [this.not()];
    while (this.keyword('and')) parts.push(this.not());
    return parts.length === 1 ? (parts[0] as EntryFilter) : (entry) => parts.every((part) => part(entry));
  }

  private not(): EntryFilter {
    if (this.peek()?.kind !== '!') return this.primary();
    this.next += 1;
    const inner = this.primary();
    return (entry) => !inner(entry);
  }

  private primary(): EntryFilter {
    const token = this.take('a comparison, true, false or "("');
    if (token.kind === '(') {
      if (++this.depth > MAX_FILTER_DEPTH) this.fail(`parentheses nest deeper than ${MAX_FILTER_DEPTH}`);
      const inner = this.or();
      this.depth -= 1;
      if (this.take('")"').kind !== ')') this.fail(`expected ")" at position ${token.at}`);
      return inner;
    }
    if (token.kind !== 'word') this.fail(`unexpected ${describe(token)}`);
    const word = token.text.toLowerCase();
    if (word === 'true') return () => true;
    if (word === 'false') return () => false;
    return this.comparison(pointerOf(token.text));
  }

  private comparison(path: readonly string[]): EntryFilter {
    const operator = this.take('an operator after the field').text.toLowerCase();
    if (UNSUPPORTED_OPERATORS.has(operator)) this.fail(`operator "${operator}" (supported: ${SUPPORTED})`);
    if (operator !== 'eq' && operator !== 'sw' && operator !== 'co') this.fail(`unknown operator "${operator}" (supported: ${SUPPORTED})`);
    const operand = this.value();
    return (entry) => compare(operator, fieldOf(entry, path), operand);
  }

  private value(): string | number | boolean {
    const token = this.take('a value');
    if (token.kind === 'string') return token.text;
    const word = token.text.toLowerCase();
    if (token.kind === 'word' && (word === 'true' || word === 'false')) return word === 'true';
    if (token.kind === 'word' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(token.text)) return Number(token.text);
    return this.fail(`expected a quoted string, number, true or false, not ${describe(token)}`);
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    if (token?.kind !== 'word' || token.text.toLowerCase() !== word) return false;
    this.next += 1;
    return true;
  }

  private peek(): Token | undefined {
    return this.tokens[this.next];
  }

  private take(expected: string): Token {
    const token = this.tokens[this.next];
    if (token === undefined) return this.fail(`expected ${expected} at the end`);
    this.next += 1;
    return token;
  }

  private fail(reason: string): never {
    throw new QueryFilterError(this.expression, reason);
  }
}

function tokenize(expression: string, fail: (reason: string) => never): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    TRAILING_SPACE.lastIndex = TOKEN.lastIndex;
    if (TRAILING_SPACE.test(expression)) break;
    SPACE.lastIndex = TOKEN.lastIndex;
    SPACE.test(expression);
    const at = SPACE.lastIndex;
    const match = TOKEN.exec(expression);
    if (match === null) return fail(`unreadable text at position ${at}: ${expression.slice(at, at + 10)}`);
    const [, open, close, bang, double, single, word] = match;
    if (open !== undefined) tokens.push({ kind: '(', text: '(', at });
    else if (close !== undefined) tokens.push({ kind: ')', text: ')', at });
    else if (bang !== undefined) tokens.push({ kind: '!', text: '!', at });
    else if (word !== undefined) tokens.push({ kind: 'word', text: word, at });
    else tokens.push({ kind: 'string', text: (double ?? single ?? '').replace(/\\(.)/g, '$1'), at });
  }
  return tokens;
}

function describe(token: Token): string {
  return token.kind === 'string' ? `string "${token.text}" at position ${token.at}` : `"${token.text}" at position ${token.at}`;
}

/** A JSON pointer's segments: `/labels/outcome` or `labels/outcome` → [labels, outcome] (RFC 6901 escapes). */
function pointerOf(text: string): string[] {
  const body = text.startsWith('/') ? text.slice(1) : text;
  return body.split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function fieldOf(entry: unknown, path: readonly string[]): unknown {
  let value = entry;
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function compare(operator: 'eq' | 'sw' | 'co', field: unknown, operand: string | number | boolean): boolean {
  if (operator === 'eq') return field === operand;
  if (typeof field !== 'string' || typeof operand !== 'string') return false;
  return operator === 'sw' ? field.startsWith(operand) : field.includes(operand);
}
