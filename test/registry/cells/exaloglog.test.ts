// ExaLogLogRegisters fed seeded random 64-bit hashes: the register layout against a reference model,
// exact unions, the ML estimate against hand-derived values, and accuracy over many seeds.
import { describe, expect, it } from 'vitest';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { ELL_D, ExaLogLogRegisters, registerBytes } from '../../../src/registry/cells/exaloglog.js';
import { InvalidValueError } from '../../../src/registry/errors.js';

const P = 12;

/** Seeded 64-bit hashes as [high, low] 32-bit words (xoroshiro's raw output: millions per second). */
function hashStream(seed: number): () => [number, number] {
  const rng = xoroshiro128plus(seed);
  for (let i = 0; i < 8; i += 1) rng.next(); // small seeds start in a low-entropy state
  return () => [rng.next() >>> 0, rng.next() >>> 0];
}

function registersOf(hashes: ReadonlyArray<readonly [number, number]>, precision = P): ExaLogLogRegisters {
  const registers = new ExaLogLogRegisters(precision);
  for (const [high, low] of hashes) registers.add(high, low);
  return registers;
}

/**
 * The paper's definition, written with BigInt and sets instead of the class's 32-bit word arithmetic:
 * register i = top p bits; update value k = 4·nlz + s + 1 with s the next 2 bits and nlz the leading
 * zeros of the other 62 − p bits; a register keeps the largest k and which of the 20 below it were seen.
 */
function referenceBytes(hashes: ReadonlyArray<readonly [number, number]>, precision: number): Uint8Array {
  const seen = new Map<number, Set<number>>();
  for (const [high, low] of hashes) {
    const hash = (BigInt(high) << 32n) | BigInt(low);
    const index = Number(hash >> BigInt(64 - precision));
    const s = Number((hash >> BigInt(62 - precision)) & 3n);
    const restBits = 62 - precision;
    const rest = hash & ((1n << BigInt(restBits)) - 1n);
    const nlz = rest === 0n ? restBits : restBits - rest.toString(2).length;
    const values = seen.get(index) ?? new Set<number>();
    values.add(4 * nlz + s + 1);
    seen.set(index, values);
  }
  let packed = 0n;
  for (const [index, values] of seen) {
    const u = Math.max(...values);
    let register = BigInt(u) << BigInt(ELL_D);
    for (let j = 1; j <= ELL_D; j += 1) if (values.has(u - j)) register |= 1n << BigInt(ELL_D - j);
    packed |= register << BigInt(28 * index);
  }
  const bytes = new Uint8Array(registerBytes(precision));
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number((packed >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

describe('ExaLogLogRegisters', () => {
  it.each([4, 12])('keeps the registers the paper defines, packed 28 bits each, at precision %i', (precision) => {
    const next = hashStream(precision);
    const hashes = Array.from({ length: 20_000 }, next);
    // Zero bits past the index reach the last level (nlz = 62 − p); hand-picked so that path runs.
    hashes.push([0, 0], [2 ** 32 - 2 ** (32 - precision), 0], [1, 0], [0, 1]);
    expect(Buffer.from(registersOf(hashes, precision).copyBytes())).toEqual(Buffer.from(referenceBytes(hashes, precision)));
  });

  it('gives the registers of the union when merged, whatever the split and the order', () => {
    const next = hashStream(21);
    const hashes = Array.from({ length: 60_000 }, next);
    for (const [from, to] of [
      [0, 30_000],
      [10_000, 20_000],
      [59_000, 60_000],
    ] as const) {
      const a = registersOf([...hashes.slice(0, from), ...hashes.slice(to)]);
      const b = registersOf(hashes.slice(from, to).reverse());
      a.mergeFrom(b);
      const whole = registersOf(hashes);
      // Identical bytes, so identical estimates: a merged sketch reports what one sketch of all would.
      expect(Buffer.from(a.copyBytes())).toEqual(Buffer.from(whole.copyBytes()));
      expect(a.estimate()).toBe(whole.estimate());
    }
  });

  it.each([
    // Every register at u = 1: seen ρ = 1/8 in each, unseen 3/8 + 1/2 = 7/8, so
    // m·(1/8)/(e^(λ/8) − 1) = m·7/8 gives λ = 8·ln(8/7) and n = 4096·8·ln(8/7) ≈ 4375.6.
    ['every register at u = 1', (i: number) => i >= 0, 4_376],
    // 100 registers at u = 1, 3,996 empty: 100/8 / (e^(λ/8) − 1) = 3996 + 87.5 gives n ≈ 100.15.
    ['100 registers at u = 1', (i: number) => i < 100, 100],
  ])('estimates fixed registers by maximum likelihood: %s', (_, isSet, expected) => {
    const bytes = new Uint8Array(registerBytes(P));
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < 2 ** P; i += 1) {
      if (!isSet(i)) continue;
      const offset = (i * 7) >>> 1;
      view.setUint32(offset, view.getUint32(offset, true) | ((1 << ELL_D) << ((i & 1) * 4)), true);
    }
    expect(ExaLogLogRegisters.fromBytes(P, bytes, 'm').estimate()).toBe(expected);
  });

  it('estimates 0 for empty registers', () => {
    expect(new ExaLogLogRegisters(P).estimate()).toBe(0);
  });

  it.each([
    // 2^12 registers of 28 bits: 0.57% standard error; over 100 seeds at 10^5 the RMS must stay near it.
    { count: 100_000, seeds: 100 },
    { count: 1_000_000, seeds: 10 },
  ])('estimates $count distinct hashes within 2% for each of $seeds seeds, RMS near the theory', ({ count, seeds }) => {
    const errors: number[] = [];
    for (let seed = 1; seed <= seeds; seed += 1) {
      const next = hashStream(1_000 + seed);
      const registers = new ExaLogLogRegisters(P);
      for (let i = 0; i < count; i += 1) registers.add(...next());
      errors.push(registers.estimate() / count - 1);
    }
    // 2% is 3.5 σ for σ = √(3.67 / (28 · 4096)) = 0.566% (Ertl 2024): about 1 seed in 2,000 misses it.
    for (const error of errors) expect(Math.abs(error)).toBeLessThanOrEqual(0.02);
    // The RMS of 100 (10) normal errors lies within ±25% (±60%) of σ with overwhelming odds; a register
    // or estimator bug that costs accuracy shows as a larger RMS or a bias, as the HLL-sized 0.81% would.
    const rms = Math.sqrt(errors.reduce((sum, e) => sum + e * e, 0) / seeds);
    expect(rms).toBeLessThanOrEqual(seeds >= 100 ? 0.0071 : 0.009);
    const mean = errors.reduce((sum, e) => sum + e, 0) / seeds;
    expect(Math.abs(mean)).toBeLessThanOrEqual((3 * 0.00566) / Math.sqrt(seeds)); // bias within 3 standard errors
  });

  it.each([
    ['a length other than the precision needs', new Uint8Array(100)],
    ['an update value above the largest one (236 at p = 4)', registerAt(4, 237 << ELL_D)],
    ['history below update value 1', registerAt(4, (3 << ELL_D) | 1)],
    ['history without an update value', registerAt(4, 1 << 5)],
  ])('refuses registers with %s', (_, bytes) => {
    expect(() => ExaLogLogRegisters.fromBytes(4, bytes, 'm')).toThrow(InvalidValueError);
  });
});

/** Registers of precision `precision`, all empty but register 1 (the first at a half-byte offset). */
function registerAt(precision: number, value: number): Uint8Array {
  const bytes = new Uint8Array(registerBytes(precision));
  new DataView(bytes.buffer).setUint32(3, value << 4, true);
  return bytes;
}
