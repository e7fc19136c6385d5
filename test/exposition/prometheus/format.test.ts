import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatValue, labelBlock, labelPairs } from '../../../src/exposition/prometheus/format.js';

describe('formatValue', () => {
  it.each([
    [0, '0.0', '0.0'],
    [7016, '7016.0', '7016.0'],
    [-3, '-3.0', '-3.0'],
    [0.081, '0.081', '0.081'],
    [7.69764553089487e-4, '7.69764553089487E-4', '0.000769764553089487'],
    [1.5e-7, '1.5E-7', '1.5e-7'],
    [12113019, '1.2113019E7', '12113019.0'],
    [1e21, '1.0E21', '1e+21'],
    [Number.NaN, 'NaN', 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf', '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf', '-Inf'],
  ])('writes %s as %s in text 0.0.4 (as Java does) and %s in OpenMetrics', (value, text, openMetrics) => {
    expect(formatValue(value, 'prometheus')).toBe(text);
    expect(formatValue(value, 'openmetrics')).toBe(openMetrics);
  });
});

describe('escaping', () => {
  it.each([
    ['plain', 'plain'],
    ['a "quoted" word', 'a \\"quoted\\" word'],
    ['back\\slash', 'back\\\\slash'],
    ['two\nlines', 'two\\nlines'],
    ['tab\tstays', 'tab\tstays'],
    ['ünïcödé ✓', 'ünïcödé ✓'],
  ])('escapes label value %j', (value, escaped) => {
    expect(escapeLabelValue(value)).toBe(escaped);
  });

  it('escapes quotes in HELP only for OpenMetrics', () => {
    expect(escapeHelp('say "hi"\\\n', 'prometheus')).toBe('say "hi"\\\\\\n');
    expect(escapeHelp('say "hi"\\\n', 'openmetrics')).toBe('say \\"hi\\"\\\\\\n');
  });
});

describe('labelBlock', () => {
  it('sorts labels by name and keeps the quantile last', () => {
    const pairs = labelPairs({ outcome: 'success', kubernetes_pod_name: 'am-0' });
    expect(labelBlock(pairs, 'prometheus', 'quantile="0.5",')).toBe('{kubernetes_pod_name="am-0",outcome="success",quantile="0.5",}');
    expect(labelBlock(pairs, 'openmetrics', 'quantile="0.5",')).toBe('{kubernetes_pod_name="am-0",outcome="success",quantile="0.5"}');
  });

  it('writes no braces when there are no labels', () => {
    expect(labelBlock(labelPairs({}), 'prometheus')).toBe('');
    expect(labelBlock(labelPairs({}), 'openmetrics')).toBe('');
  });
});
