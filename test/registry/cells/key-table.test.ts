import { describe, expect, it } from 'vitest';
import { DDSketch } from '@datadog/sketches-js';
import { KeyTable, valuesFromMemo } from '../../../src/registry/cells/key-table.js';
import { seededRandom } from '../../support/random.js';

/** The accuracy whose γ is 2^(1/4): the timer buckets' layout (see log-buckets.ts). */
const LOG_BUCKETS_ACCURACY = (2 ** 0.25 - 1) / (2 ** 0.25 + 1);

/** The library's logarithmic mapping at `relativeAccuracy`, and a table in front of it. */
function tableFor(relativeAccuracy: number): { exact: (value: number) => number; table: KeyTable; gamma: number } {
  const mapping = new DDSketch({ relativeAccuracy }).mapping;
  const exact = (value: number): number => mapping.key(value);
  return { exact, table: new KeyTable(exact, mapping.gamma), gamma: mapping.gamma };
}

/** The doubles just below and just above `value`, and `value` itself. */
function neighbours(value: number): number[] {
  return [value * (1 - Number.EPSILON / 2), value, value * (1 + Number.EPSILON)];
}

describe('KeyTable', () => {
  it.each([0.0099, 0.05, LOG_BUCKETS_ACCURACY, 0.3, 0.8])('gives the mapping’s own key for values over the whole double range (accuracy %s)', (relativeAccuracy) => {
    const { exact, table } = tableFor(relativeAccuracy);
    const random = seededRandom(11);
    const mismatches: number[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      // Log-uniform over the normal doubles: every binade is as likely as any other.
      const value = 2 ** (random() * 2044 - 1021) * (1 + random());
      if (table.key(value) !== exact(value)) mismatches.push(value);
    }
    expect(mismatches).toEqual([]);
  });

  it.each([0.0099, 0.001])('gives the mapping’s own key at and next to every bucket edge of latencies from 1 µs to 1,000 s (accuracy %s)', (relativeAccuracy) => {
    const { exact, table, gamma } = tableFor(relativeAccuracy);
    const mismatches: number[] = [];
    for (let k = Math.floor(Math.log(1e-6) / Math.log(gamma)); k <= Math.ceil(Math.log(1e3) / Math.log(gamma)); k += 1) {
      for (const value of neighbours(gamma ** k)) if (table.key(value) !== exact(value)) mismatches.push(value);
    }
    expect(mismatches).toEqual([]);
  });

  it('gives the mapping’s own key at the ends of binades, for subnormal values and for the largest double', () => {
    const { exact, table } = tableFor(0.0099);
    const values = [1, 2, 0.5, 1 - Number.EPSILON / 2, 2 - Number.EPSILON, 2 ** -1022, 2 ** -1023 * 1.5, Number.MIN_VALUE * 1e10, Number.MAX_VALUE];
    expect(values.map((value) => table.key(value))).toEqual(values.map(exact));
  });

  it('answers with the exact function for negative, infinite and NaN values', () => {
    const { exact, table } = tableFor(0.0099);
    const values = [-2, -Number.MIN_VALUE, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 3];
    expect(values.map((value) => table.key(value))).toEqual(values.map(exact));
  });

  it('answers with the exact function for accuracies finer than its cells can resolve', () => {
    const { exact, table } = tableFor(1e-7);
    const random = seededRandom(12);
    const values = Array.from({ length: 200 }, () => 0.001 + random());
    expect(values.map((value) => table.key(value))).toEqual(values.map(exact));
  });
});

describe('valuesFromMemo', () => {
  it('gives the mapping’s own bucket values, bit for bit, on the first and every later ask, past the memo’s size too', () => {
    const mapping = new DDSketch({ relativeAccuracy: 0.0099 }).mapping;
    const exact = new DDSketch({ relativeAccuracy: 0.0099 }).mapping;
    valuesFromMemo(mapping);
    // Latency keys first (asked over and over by reads), then more keys than the memo keeps.
    const keys = [...Array.from({ length: 2_000 }, (_, i) => i - 1_000), ...Array.from({ length: 140_000 }, (_, i) => -70_000 + 2 * i + 1)];
    const mismatches: number[] = [];
    for (const round of [1, 2]) {
      for (const key of keys) if (!Object.is(mapping.value(key), exact.value(key))) mismatches.push(round * 1e7 + key);
    }
    expect(mismatches).toEqual([]);
  });
});
