// Storage behind a distinct counter: exact 64-bit hashes while values are few, then ExaLogLog registers
// (exaloglog.ts). string-hash.ts hashes; metric names, labels and exposition belong to the distinct counter.
import { InvalidValueError, MetricsError } from '../errors.js';
import { distinctHashKeyId, hashInto } from './string-hash.js';
import { BYTES_PER_HASH, ExactHashes, MAX_EXACT_LOAD } from './exact-hashes.js';
import { ExaLogLogRegisters, registerBytes } from './exaloglog.js';

/**
 * Register-index bits unless a sketch asks otherwise: 2^12 ExaLogLog registers of 28 bits are 14 KiB,
 * with a relative standard error of √(3.67 / (28 · 2^12)) ≈ 0.57% (Ertl 2024), which puts 2% at 3.5 σ.
 */
export const DEFAULT_PRECISION = 12;
/** Smallest precision a sketch accepts: 16 registers. */
export const MIN_PRECISION = 4;
/** Largest precision a sketch accepts: 2^18 registers, 896 KiB. */
export const MAX_PRECISION = 18;

/**
 * Most hashes a sketch of `precision` keeps exactly: 3/4 of a table of 8-byte slots as large as the
 * registers (1,344 at DEFAULT_PRECISION), so the exact phase never takes more memory than the registers
 * that follow it.
 */
export function exactCapacity(precision: number): number {
  return Math.floor(exactSlots(precision) * MAX_EXACT_LOAD);
}

function exactSlots(precision: number): number {
  return Math.floor(registerBytes(precision) / BYTES_PER_HASH);
}

/**
 * A sketch serialized for merging across processes: `hashes` are big-endian 8-byte hashes, `registers`
 * the packed ExaLogLog registers (see ExaLogLogRegisters), both base64. `key` names the hash key it was
 * made with (see setDistinctHashKey) without revealing it; internal data, never for public output.
 */
export type DistinctSketchJson =
  | { readonly kind: 'exact'; readonly precision: number; readonly hashes: string; readonly key?: string }
  | { readonly kind: 'exaloglog'; readonly precision: number; readonly registers: string; readonly key?: string };

/** How a sketch is built; `metric` only names the sketch in error messages. */
export interface DistinctSketchOptions {
  readonly precision?: number | undefined;
  readonly metric?: string | undefined;
}

const DEFAULT_METRIC = 'distinct sketch';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// XXH64 reads the UTF-8 bytes in one pass, so every UTF-16 code unit counts (murmurhash-js keeps only
// the low byte of each, imurmurhash XORs neighbouring ones together).
const hashWords = new DataView(new ArrayBuffer(BYTES_PER_HASH));

/**
 * Number of distinct strings recorded (user ids, client addresses), as a sketch of one label set.
 * Exact up to `exactCapacity(precision)` values (1,344 at DEFAULT_PRECISION), then ExaLogLog within
 * about 0.57% relative standard error at DEFAULT_PRECISION; recording a value again never changes it.
 * Data stays within the registers' 3.5 · 2^precision bytes (exact table or registers); measured at
 * DEFAULT_PRECISION with headers: see notes/distinct-storage.md.
 */
export class DistinctSketch {
  private phase: ExactHashes | ExaLogLogRegisters;
  /** Values recorded before the hash function was ready (see hashReady), hashed at the next use. */
  private pending: Set<string> | undefined;
  private readonly bits: number;
  private readonly metric: string;

  /** @throws InvalidValueError when `precision` is not an integer from MIN_PRECISION to MAX_PRECISION. */
  constructor(options: DistinctSketchOptions = {}) {
    this.metric = options.metric ?? DEFAULT_METRIC;
    this.bits = checkPrecision(options.precision ?? DEFAULT_PRECISION, this.metric);
    this.phase = new ExactHashes(exactSlots(this.bits));
  }

  /** Register-index bits: the sketch has 2^precision registers. */
  get precision(): number {
    return this.bits;
  }

  /**
   * Records one value; strings are compared by their UTF-8 bytes.
   * @throws InvalidValueError when `value` is not a string; nothing is recorded then.
   */
  add(value: string): void {
    if (typeof value !== 'string') throw new InvalidValueError(this.metric, value, 'is not a string');
    if (this.pending !== undefined) this.hashPending();
    if (hashInto(value, hashWords)) this.addHash(hashWords.getUint32(0), hashWords.getUint32(4));
    else (this.pending ??= new Set()).add(value);
  }

  /** The estimated number of distinct values recorded, a whole number; 0 for an empty sketch. */
  estimate(): number {
    if (this.pending !== undefined) this.hashPending();
    return this.phase.estimate() + (this.pending?.size ?? 0);
  }

  /**
   * Adds every value `other` recorded (a union): values both saw count once, and the result is the
   * sketch that recording both streams would give. `other` is left as it was.
   * @throws InvalidValueError when the precisions differ; this sketch is left unchanged then.
   */
  merge(other: DistinctSketch): void {
    if (other.bits !== this.bits) {
      const reason = `is not this sketch's precision ${this.bits}; only equal precisions merge`;
      throw new InvalidValueError(this.metric, other.bits, reason);
    }
    if (other === this) return;
    other.hashPending();
    this.hashPending();
    if (other.pending !== undefined) for (const value of other.pending) this.add(value);
    const source = other.phase;
    if (source instanceof ExactHashes) source.forEach((high, low) => this.addHash(high, low));
    else this.registers().mergeFrom(source);
  }

  /** The cell interface's names for `toJSON` and `merge`. */
  state(): DistinctSketchJson {
    return this.toJSON();
  }

  mergeFrom(other: DistinctSketch): void {
    this.merge(other);
  }

  /** The sketch as plain JSON data, for `fromJSON` in another process; equal sketches give equal JSON. */
  toJSON(): DistinctSketchJson {
    this.hashPending();
    if (this.pending !== undefined) {
      throw new MetricsError(`${this.metric}: cannot serialize before the hash function is ready (await hashReady)`, this.metric);
    }
    const precision = this.bits;
    const phase = this.phase;
    const key = distinctHashKeyId();
    return phase instanceof ExactHashes
      ? { kind: 'exact', precision, hashes: toBase64(phase.bytes()), key }
      : { kind: 'exaloglog', precision, registers: toBase64(phase.copyBytes()), key };
  }

  /**
   * Rebuilds a sketch from `toJSON` output, typically parsed from another process.
   * @throws InvalidValueError when the data is malformed: unknown kind, bad precision or base64,
   * registers of another length than the precision's or in a state no insert reaches, or too many exact
   * hashes;
   * or when it was hashed with another key than this process's (see setDistinctHashKey).
   */
  static fromJSON(json: DistinctSketchJson, options: { readonly metric?: string } = {}): DistinctSketch {
    const metric = options.metric ?? DEFAULT_METRIC;
    if (typeof json !== 'object' || json === null) {
      throw new InvalidValueError(metric, json, 'is not a serialized distinct sketch');
    }
    if (json.key !== undefined && json.key !== distinctHashKeyId()) {
      throw new InvalidValueError(metric, json.key, 'names another hash key than this process uses; give every process the same setDistinctHashKey');
    }
    const sketch = new DistinctSketch({ precision: checkPrecision(json.precision, metric), metric });
    if (json.kind === 'exact') {
      const bytes = checkHashes(decodeBase64(json.hashes, metric), sketch.bits, metric);
      for (let i = 0; i < bytes.length; i += BYTES_PER_HASH) {
        sketch.addHash(bytes.readUInt32BE(i), bytes.readUInt32BE(i + 4));
      }
    } else if (json.kind === 'exaloglog') {
      sketch.phase = ExaLogLogRegisters.fromBytes(sketch.bits, decodeBase64(json.registers, metric), metric);
    } else {
      const kind = (json as { kind?: unknown }).kind;
      throw new InvalidValueError(metric, kind, 'is not a sketch kind (allowed: exact, exaloglog)');
    }
    return sketch;
  }

  /** Hashes the values kept while the hash function was loading, once it is there. */
  private hashPending(): void {
    const pending = this.pending;
    if (pending === undefined || !hashInto('', hashWords)) return;
    this.pending = undefined;
    for (const value of pending) this.add(value);
  }

  private addHash(high: number, low: number): void {
    const phase = this.phase;
    if (phase instanceof ExaLogLogRegisters) phase.add(high, low);
    else if (!phase.insert(high, low)) this.registers().add(high, low);
  }

  /** The register phase, converting the exact hashes into registers first if need be. */
  private registers(): ExaLogLogRegisters {
    const phase = this.phase;
    if (phase instanceof ExaLogLogRegisters) return phase;
    const registers = new ExaLogLogRegisters(this.bits);
    phase.forEach((high, low) => registers.add(high, low));
    this.phase = registers;
    return registers;
  }
}

function checkPrecision(precision: unknown, metric: string): number {
  const isAllowed = typeof precision === 'number' && Number.isInteger(precision) && precision >= MIN_PRECISION && precision <= MAX_PRECISION;
  if (isAllowed) return precision;
  throw new InvalidValueError(metric, precision, `is not a precision (allowed: ${MIN_PRECISION} to ${MAX_PRECISION})`);
}

function checkHashes(bytes: Buffer, precision: number, metric: string): Buffer {
  const count = bytes.length / BYTES_PER_HASH;
  if (!Number.isInteger(count) || count > exactCapacity(precision)) {
    const reason = `bytes of hashes do not fit an exact sketch of precision ${precision}`;
    throw new InvalidValueError(metric, bytes.length, reason);
  }
  return bytes;
}

function decodeBase64(text: unknown, metric: string): Buffer {
  if (typeof text !== 'string' || !BASE64.test(text)) {
    const shown = typeof text === 'string' && text.length > 16 ? `${text.slice(0, 16)}…` : text;
    throw new InvalidValueError(metric, shown, 'is not base64 text');
  }
  return Buffer.from(text, 'base64');
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
