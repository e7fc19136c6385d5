// Distinct 64-bit hashes kept exactly: the small-cardinality phase of a distinct counter's sketch,
// before it turns into ExaLogLog registers (see distinct-sketch.ts).

/** Bytes of one stored hash. */
export const BYTES_PER_HASH = 8;
/** A new table: 16 slots, 128 bytes; it doubles up to the largest table the sketch allows, then takes that size. */
const INITIAL_EXACT_SLOTS = 16;
/** Linear probing stays short while the table is at most three-quarters full. */
export const MAX_EXACT_LOAD = 0.75;

/**
 * Distinct 64-bit hashes in an open-addressing table of (high, low) word pairs; (0, 0) marks an empty
 * slot, so the hash (0, 0) is stored as (0, 1), one more collision at odds of 2^-64.
 * Why: a label set with few values then costs a few hundred bytes instead of the registers' 14 KiB,
 * and counts up to a thousand stay within the 1% goal, exactly; HLL++ keeps a sparse exact form first
 * for the same reasons (Heule et al. 2013). `maxSlots` need not be a power of two.
 */
export class ExactHashes {
  private words: Uint32Array;
  private count = 0;

  constructor(private readonly maxSlots: number) {
    this.words = new Uint32Array(2 * Math.min(INITIAL_EXACT_SLOTS, maxSlots));
  }

  estimate(): number {
    return this.count;
  }

  /** Stores the hash unless present; false, storing nothing, when a new hash would overfill the table. */
  insert(high: number, low: number): boolean {
    const stored = high === 0 && low === 0 ? 1 : low;
    const slot = this.slotOf(high, stored);
    if (this.words[slot] !== 0 || this.words[slot + 1] !== 0) return true;
    if (this.count + 1 > Math.floor((this.words.length / 2) * MAX_EXACT_LOAD)) {
      if (this.words.length / 2 >= this.maxSlots) return false;
      this.grow();
      return this.insert(high, stored);
    }
    this.words[slot] = high;
    this.words[slot + 1] = stored;
    this.count += 1;
    return true;
  }

  forEach(visit: (high: number, low: number) => void): void {
    const words = this.words;
    for (let i = 0; i < words.length; i += 2) {
      const high = words[i] ?? 0;
      const low = words[i + 1] ?? 0;
      if (high !== 0 || low !== 0) visit(high, low);
    }
  }

  /** The hashes as sorted big-endian 8-byte values, so equal sets give equal bytes. */
  bytes(): Uint8Array {
    const sorted = new BigUint64Array(this.count);
    let next = 0;
    this.forEach((high, low) => (sorted[next++] = (BigInt(high) << 32n) | BigInt(low)));
    sorted.sort();
    const bytes = Buffer.alloc(sorted.length * BYTES_PER_HASH);
    sorted.forEach((hash, i) => bytes.writeBigUInt64BE(hash, i * BYTES_PER_HASH));
    return bytes;
  }

  /** Word index of the hash's slot, or of the empty slot where it belongs (linear probing). */
  private slotOf(high: number, low: number): number {
    const slots = this.words.length / 2;
    // The high word scaled to [0, slots): any table size, no modulo.
    for (let slot = Math.floor((high / 2 ** 32) * slots); ; slot = slot + 1 === slots ? 0 : slot + 1) {
      const h = this.words[2 * slot];
      const l = this.words[2 * slot + 1];
      if ((h === high && l === low) || (h === 0 && l === 0)) return 2 * slot;
    }
  }

  private grow(): void {
    const old = this.words;
    this.words = new Uint32Array(2 * Math.min(old.length, this.maxSlots));
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      const high = old[i] ?? 0;
      const low = old[i + 1] ?? 0;
      if (high !== 0 || low !== 0) this.insert(high, low);
    }
  }
}
