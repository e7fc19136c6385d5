// Types for hyperloglog-lite 1.0.2 (CommonJS, ships none); only the distinct-add bench imports it, as the baseline.

declare module 'hyperloglog-lite' {
  /** Registers as `output()` returns them and `merge()` accepts them: `n` index bits, 2^n bytes. */
  interface HyperLogLogData {
    readonly n: number;
    readonly buckets: Uint8Array;
  }

  interface HyperLogLogCounter {
    /**
     * Raises one register: the bucket is the top `n` bits of `hash[0]`; the rank is 1 + the trailing
     * zeros of `hash[3]`, continuing into `hash[2]` when `hash[3]` is 0. `hash[1]` is never read.
     */
    add(hash: ArrayLike<number> | null): HyperLogLogCounter | undefined;
    /** Raw HyperLogLog estimate, switching to linear counting below 2.5 × 2^n with empty registers. */
    count(): number;
    relative_error(): number;
    /** The live register buffer (not a copy) and the precision. */
    output(): { n: number; buckets: Buffer };
    /** Register-wise maximum with `data`; folds this counter down when `data.n` is smaller. */
    merge(data: HyperLogLogData): void;
  }

  interface HyperLogLogFactory {
    /** A counter of 2^n one-byte registers. */
    (n: number): HyperLogLogCounter;
    /** Four 32-bit MurmurHash2 values of the UTF-8 bytes, seeds 0, 2, 4 and 8. */
    hash(value: string): [number, number, number, number];
  }

  const HyperLogLog: HyperLogLogFactory;
  export = HyperLogLog;
}
