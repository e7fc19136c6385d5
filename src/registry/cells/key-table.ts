// Memos of a logarithmic sketch's mapping: the bucket key, read from the bits of the value (the timer's
// sketch asks for one key per observation), and the bucket value of a key (a read asks for seven).
// Which functions, and what keys and values mean, is the caller's.

/** Bits of a double's mantissa the table resolves; more would not fit the high 32-bit word. */
const MAX_CELL_BITS = 20;
/** Binade number (the biased exponent) of subnormal numbers: no table, the exact function answers. */
const SUBNORMAL = 0;
const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);
/** Index of the word holding sign, exponent and the top 20 mantissa bits. */
const HIGH = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;
const LOW = 1 - HIGH;
/** Sign and exponent bits (12) index the binades; negative, infinite and NaN values get null. */
const BINADES = 4096;
/** Biased exponent of infinities and NaN; anything above it has the sign bit set. */
const NOT_FINITE = 2047;
type Binade = Float64Array | null | undefined;
/** Stands for "nothing built yet"; never written. */
const NO_BINADES: Binade[] = new Array<Binade>(BINADES).fill(undefined);

/**
 * The bucket key of a positive double, equal to `exact(value)` for every normal value, where `exact`
 * is a non-decreasing step function of log(value) whose steps are wider than a table cell
 * (a logarithmic mapping of base γ: key = ⌈log_γ(value)⌉).
 *
 * Why: computing the key takes a logarithm per observation, which was half of a bound timer child's
 * `observe` (a cheap integer key instead made it 1.6–1.8x faster). Here the top bits of the double
 * (the exponent and a few mantissa bits, 7 at 1% accuracy) pick a cell; a cell is narrower than a
 * bucket, so it holds at most one bucket edge, and the table keeps per cell the key at its start and
 * the smallest value of the cell whose key is one more (found by bisection with `exact` itself). A
 * lookup is a shift, two array reads and a comparison, and the key is `exact`'s own, bit for bit, so
 * sketches of processes with and without the table merge as before. Tables are built per binade (power of two) of values on first
 * use, 2 KiB each at 1% accuracy: latencies from 1 µs to 1,000 s span 30 binades, 60 KiB per process.
 * Subnormal values, and accuracies too fine for 20 mantissa bits, go to `exact`.
 */
export class KeyTable {
  /**
   * Per binade, for each cell its edge then its start key, side by side so a lookup reads one cache
   * line; null when `exact` answers directly. Shared and empty until the first key is built, so a
   * table that never looks up (a sketch rebuilt from another process's state only to be merged)
   * costs no array of its own.
   */
  private binades: Binade[] = NO_BINADES;
  private readonly cells: number;
  /** `cells − 1`, kept so that `key` stays small enough to inline (see Metric.checkNonNegative). */
  private readonly cellMask: number;
  private readonly shift: number;

  /**
   * @param exact The key function the table reproduces.
   * @param gamma The ratio between consecutive bucket edges (> 1); it sets the cell width.
   */
  constructor(
    private readonly exact: (value: number) => number,
    gamma: number,
  ) {
    // A cell spans a ratio of at most 1 + 2^−bits, which must stay below gamma.
    const bits = Math.ceil(Math.log2(1 / (gamma - 1))) + 1;
    this.cells = bits <= MAX_CELL_BITS ? 2 ** Math.max(bits, 0) : 0;
    this.cellMask = this.cells - 1;
    this.shift = MAX_CELL_BITS - Math.log2(Math.max(this.cells, 1));
  }

  /** `exact(value)`; positive normal values are read from the table, any other from `exact`. */
  key(value: number): number {
    scratch[0] = value;
    const high = words[HIGH] as number;
    const table = this.binades[high >>> MAX_CELL_BITS];
    if (table === undefined || table === null) return this.keyOffTable(value, high >>> MAX_CELL_BITS);
    const at = 2 * ((high >>> this.shift) & this.cellMask);
    const key = table[at + 1] as number;
    return value < (table[at] as number) ? key : key + 1;
  }

  /**
   * The key of a value whose binade has no table yet (built now) or never gets one; a method of its own
   * so that `key` stays small enough to inline (see Metric.checkNonNegative).
   */
  private keyOffTable(value: number, binade: number): number {
    return (this.binades[binade] ?? this.build(binade)) === null ? this.exact(value) : this.key(value);
  }

  /** The table of binade `exponent` (biased), or null when `exact` must answer for it. */
  private build(exponent: number): Float64Array | null {
    if (this.binades === NO_BINADES) this.binades = new Array<Binade>(BINADES).fill(undefined);
    const table = exponent === SUBNORMAL || exponent >= NOT_FINITE || this.cells === 0 ? null : this.cellsOf(exponent);
    this.binades[exponent] = table;
    return table;
  }

  private cellsOf(exponent: number): Float64Array | null {
    const table = new Float64Array(2 * this.cells);
    for (let cell = 0; cell < this.cells; cell += 1) {
      const startHigh = (exponent << MAX_CELL_BITS) | (cell << this.shift);
      const start = doubleOf(startHigh, 0);
      const end = doubleOf(startHigh + (1 << this.shift) - 1, 0xffff_ffff);
      const startKey = this.exact(start);
      const endKey = this.exact(end);
      if (endKey - startKey > 1) return null;
      table[2 * cell + 1] = startKey;
      table[2 * cell] = endKey === startKey ? Number.POSITIVE_INFINITY : this.firstAbove(start, end, startKey);
    }
    return table;
  }

  /** The smallest double in (low, high] whose key exceeds `key`, given that `high`'s does. */
  private firstAbove(low: number, high: number, key: number): number {
    for (;;) {
      const middle = low + (high - low) / 2;
      if (middle === low || middle === high) return high;
      if (this.exact(middle) > key) high = middle;
      else low = middle;
    }
  }
}

function doubleOf(high: number, low: number): number {
  words[HIGH] = high >>> 0;
  words[LOW] = low >>> 0;
  return scratch[0] as number;
}

/**
 * Makes `mapping.key` answer from a KeyTable of its own key function (same keys, no logarithm per
 * call), and returns the table for callers that ask it directly. For a mapping object shared by many
 * sketches; call it once per mapping.
 */
export function keysFromTable(mapping: { key(value: number): number; readonly gamma: number }): KeyTable {
  const table = new KeyTable(mapping.key.bind(mapping), mapping.gamma);
  mapping.key = (value: number) => table.key(value);
  return table;
}

/**
 * Keys whose values one memo keeps; past them it computes without keeping. Above the span any mapping
 * of 1% accuracy or coarser can use (about 73,500 keys over all doubles at 1%), so it only bounds a
 * finer one; latencies use a few hundred.
 */
const MAX_MEMO_VALUES = 131_072;

/**
 * Makes `mapping.value` answer from a memo of its own results: the same numbers, bit for bit. Why: a
 * bucket's value is a power (`Math.pow`), 60–100 ns on this project's machine, and a read of a busy
 * timer takes seven of them (six quantiles and the first bucket of the standard deviation), a third
 * of the read; a Map hit is a few ns. For a mapping object shared by many sketches; call it once per
 * mapping.
 */
export function valuesFromMemo(mapping: { value(key: number): number }): void {
  const exact = mapping.value.bind(mapping);
  const memo = new Map<number, number>();
  mapping.value = (key: number) => {
    let value = memo.get(key);
    if (value === undefined) {
      value = exact(key);
      if (memo.size < MAX_MEMO_VALUES) memo.set(key, value);
    }
    return value;
  };
}
