// Storage behind a distinct counter: exact 64-bit hashes while values are few, then HyperLogLog
// registers. hyperloglog-lite keeps and merges the registers, string-hash.ts hashes, and the estimate is
// Ertl's improved raw estimator; metric names, labels and exposition belong to the distinct counter.
import HyperLogLog from 'hyperloglog-lite';
import { InvalidValueError, MetricsError } from '../errors.js';
import { distinctHashKeyId, hashInto } from './string-hash.js';
import { BYTES_PER_HASH, ExactHashes, exactCapacity } from './exact-hashes.js';
import { improvedRawEstimate } from './hll-estimator.js';

export { exactCapacity };

/**
 * Register-index bits unless a sketch asks otherwise: 2^14 one-byte registers are 16 KiB, with a
 * standard error of 1.04 / √2^14 ≈ 0.81% (Flajolet et al. 2007), which keeps 2% at about 2.5 σ.
 */
export const DEFAULT_PRECISION = 14;
/** Smallest precision a sketch accepts: 16 registers. */
export const MIN_PRECISION = 4;
/** Largest precision a sketch accepts: 2^18 registers, 256 KiB. */
export const MAX_PRECISION = 18;

/**
 * A sketch serialized for merging across processes; base64 fields hold big-endian bytes. `key` names
 * the hash key it was made with (see setDistinctHashKey) without revealing it; internal data, never
 * for public output.
 */
export type DistinctSketchJson =
  | { readonly kind: 'exact'; readonly precision: number; readonly hashes: string; readonly key?: string }
  | { readonly kind: 'registers'; readonly precision: number; readonly registers: string; readonly key?: string };

/** How a sketch is built; `metric` only names the sketch in error messages. */
export interface DistinctSketchOptions {
  readonly precision?: number | undefined;
  readonly metric?: string | undefined;
}

const DEFAULT_METRIC = 'distinct sketch';
const HASH_BITS = 64;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// XXH64 reads the UTF-8 bytes in one pass, so every UTF-16 code unit counts (murmurhash-js keeps only
// the low byte of each, imurmurhash XORs neighbouring ones together).
const hashWords = new DataView(new ArrayBuffer(BYTES_PER_HASH));
/** hyperloglog-lite's four-word input, reused: [0] gives the bucket, [3] then [2] the rank. */
const liteInput = [0, 0, 0, 0];

type LiteCounter = ReturnType<typeof HyperLogLog>;

/**
 * Number of distinct strings recorded (user ids, client addresses), as a HyperLogLog sketch of one
 * label set. Exact up to `exactCapacity(precision)` values (1,536 at DEFAULT_PRECISION), then within
 * about 1.04 / √2^precision relative standard error; recording a value again never changes it.
 * Data stays within 2^precision bytes (exact table or registers); measured at DEFAULT_PRECISION with
 * headers: about 0.4 KB empty, 2.4 KB at 100 values, 16.7 KB at 1,536, 17.3 KB past that.
 */
export class DistinctSketch {
  private phase: ExactHashes | RegisterPhase;
  /** Values recorded before the hash function was ready (see hashReady), hashed at the next use. */
  private pending: Set<string> | undefined;
  private readonly bits: number;
  private readonly metric: string;

  /** @throws InvalidValueError when `precision` is not an integer from MIN_PRECISION to MAX_PRECISION. */
  constructor(options: DistinctSketchOptions = {}) {
    this.metric = options.metric ?? DEFAULT_METRIC;
    this.bits = checkPrecision(options.precision ?? DEFAULT_PRECISION, this.metric);
    this.phase = new ExactHashes(2 ** this.bits / BYTES_PER_HASH);
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
      : { kind: 'registers', precision, registers: toBase64(phase.bytes()), key };
  }

  /**
   * Rebuilds a sketch from `toJSON` output, typically parsed from another process.
   * @throws InvalidValueError when the data is malformed: unknown kind, bad precision or base64, a
   * register count other than 2^precision, a register above 65 − precision, or too many exact hashes;
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
    } else if (json.kind === 'registers') {
      sketch.registers().merge(checkRegisters(decodeBase64(json.registers, metric), sketch.bits, metric));
    } else {
      const kind = (json as { kind?: unknown }).kind;
      throw new InvalidValueError(metric, kind, 'is not a sketch kind (allowed: exact, registers)');
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
    if (this.phase instanceof ExactHashes && this.phase.insert(high, low)) return;
    this.registers().add(high, low);
  }

  /** The register phase, converting the exact hashes into registers first if need be. */
  private registers(): RegisterPhase {
    const phase = this.phase;
    if (phase instanceof RegisterPhase) return phase;
    const registers = new RegisterPhase(this.bits);
    phase.forEach((high, low) => registers.add(high, low));
    this.phase = registers;
    return registers;
  }
}

/**
 * HyperLogLog registers kept by hyperloglog-lite, fed one 64-bit hash per value: the bucket is the top
 * `precision` bits of the high word; the rank is 1 + the trailing zeros of the low word, continuing into
 * the high word's other bits (a stop bit above them caps the rank at 65 − precision), as in a 64-bit HLL.
 */
class RegisterPhase {
  private readonly counter: LiteCounter;
  /** hyperloglog-lite's live register buffer; it is replaced only when folding to a smaller precision. */
  private readonly registers: Uint8Array;
  private readonly stopBit: number;
  private cachedEstimate: number | undefined;

  constructor(private readonly precision: number) {
    this.counter = HyperLogLog(precision);
    this.registers = this.counter.output().buckets;
    this.stopBit = 2 ** (32 - precision);
  }

  /**
   * Why the check before `add`: hyperloglog-lite's add costs ~150 ns even when the register keeps its
   * value (two Math.pow calls and a boxed running sum), and past a few registers' worth of values almost
   * every add does (a register's maximum rises about ln(n/m) times), so only raising adds reach it.
   */
  add(high: number, low: number): void {
    const withStop = (high | this.stopBit) >>> 0;
    const rank = low !== 0 ? 32 - Math.clz32(low & -low) : 64 - Math.clz32(withStop & -withStop);
    if (rank <= (this.registers[high >>> (32 - this.precision)] ?? 0)) return;
    liteInput[0] = high;
    liteInput[2] = withStop;
    liteInput[3] = low;
    this.counter.add(liteInput);
    this.cachedEstimate = undefined;
  }

  merge(registers: Uint8Array): void {
    this.counter.merge({ n: this.precision, buckets: registers });
    this.cachedEstimate = undefined;
  }

  mergeFrom(other: RegisterPhase): void {
    this.merge(other.registers);
  }

  estimate(): number {
    this.cachedEstimate ??= Math.round(improvedRawEstimate(this.registers, HASH_BITS - this.precision));
    return this.cachedEstimate;
  }

  /** A copy of the registers, one byte each. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.registers);
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

function checkRegisters(bytes: Buffer, precision: number, metric: string): Buffer {
  if (bytes.length !== 2 ** precision) {
    const reason = `bytes of registers do not match precision ${precision} (expected ${2 ** precision})`;
    throw new InvalidValueError(metric, bytes.length, reason);
  }
  const maxRank = HASH_BITS - precision + 1;
  const highest = bytes.reduce((a, b) => Math.max(a, b), 0);
  if (highest > maxRank) throw new InvalidValueError(metric, highest, `is above the highest register value ${maxRank}`);
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
