import { describe, expect, it } from 'vitest';
import { MAX_FILTER_DEPTH, parseQueryFilter, QueryFilterError } from '../../../src/exposition/am-json/query-filter.js';

const ENTRIES = [
  { _id: 'authentication.success', _type: 'summary', count: 3, labels: { outcome: 'success' } },
  { _id: 'authentication.failure', _type: 'summary', count: 1, labels: { outcome: 'failure' } },
  { _id: 'cts.task.session.create.success', _type: 'timer', count: 2, labels: { outcome: 'success' } },
  { _id: 'cts.connection.state.out', _type: 'gauge', count: 0, labels: { status: 'out' } },
  { _id: 'say "hi"', _type: 'gauge', count: 0, labels: {} },
];

function idsKept(expression: string): string[] {
  const filter = parseQueryFilter(expression);
  return ENTRIES.filter(filter).map((e) => e._id);
}

describe('parseQueryFilter', () => {
  it.each([
    ['true', ENTRIES.map((e) => e._id)],
    ['false', []],
    ['_id sw "cts"', ['cts.task.session.create.success', 'cts.connection.state.out']],
    ["/_id sw 'authentication.'", ['authentication.success', 'authentication.failure']],
    ['_id eq "authentication.failure"', ['authentication.failure']],
    ['_id co "success"', ['authentication.success', 'cts.task.session.create.success']],
    ['_id SW "cts" AND _type eq "timer"', ['cts.task.session.create.success']],
    ['_id sw "cts" and !(_type eq "timer")', ['cts.connection.state.out']],
    ['! _id co "."', ['say "hi"']],
    ['_id eq "authentication.success" or _id eq "cts.connection.state.out"', ['authentication.success', 'cts.connection.state.out']],
    // `and` binds tighter than `or`: a or (b and c).
    ['_id sw "auth" or _id sw "cts" and _type eq "gauge"', ['authentication.success', 'authentication.failure', 'cts.connection.state.out']],
    ['(_id sw "auth" or _id sw "cts") and labels/outcome eq "success"', ['authentication.success', 'cts.task.session.create.success']],
    ['count eq 3', ['authentication.success']],
    ['_id eq "say \\"hi\\""', ['say "hi"']],
    ['  true  ', ENTRIES.map((e) => e._id)],
    ['count sw "3"', []],
  ])('%s keeps the entries it names', (expression, ids) => {
    expect(idsKept(expression)).toEqual(ids);
  });

  it.each([
    ['', 'it is empty'],
    ['name eq', 'expected a value at the end'],
    ['_id sw cts', 'expected a quoted string, number, true or false, not "cts"'],
    ['count gt 1', 'operator "gt"'],
    ['count ge 1', 'operator "ge"'],
    ['_id pr', 'operator "pr"'],
    ['_id like "a"', 'unknown operator "like"'],
    ['true and', 'expected a comparison, true, false or "(" at the end'],
    ['(true', 'expected ")" at the end'],
    ['true false', 'unexpected "false" at position 5'],
    ['_id eq "unterminated', 'unreadable text at position 7'],
  ])('rejects %j, naming what it cannot read: %s', (expression, reason) => {
    expect(() => parseQueryFilter(expression)).toThrow(QueryFilterError);
    expect(() => parseQueryFilter(expression)).toThrow(reason);
  });

  it('refuses parentheses nested deeper than MAX_FILTER_DEPTH, however many a URL can carry', () => {
    expect(idsKept(`${'('.repeat(MAX_FILTER_DEPTH)}true${')'.repeat(MAX_FILTER_DEPTH)}`)).toHaveLength(ENTRIES.length);
    const deep = `${'('.repeat(16_000)}true${')'.repeat(16_000)}`;
    expect(() => parseQueryFilter(deep)).toThrow(`parentheses nest deeper than ${MAX_FILTER_DEPTH}`);
  });

  it('parses a long expression in linear time', () => {
    const expression = `${'_id eq "x" or '.repeat(2_000)}true${' '.repeat(10_000)}`;
    expect(idsKept(expression)).toHaveLength(ENTRIES.length);
  });
});
