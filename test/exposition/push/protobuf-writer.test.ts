import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWriter, writeFixed64Nanos } from '../../../src/exposition/push/protobuf-writer.js';

describe('writeFixed64Nanos', () => {
  it('writes epoch ms as the exact little-endian 64-bit count of nanoseconds', () => {
    // Up to 2^64 ns: the year 2554; Number.MAX_SAFE_INTEGER ms would overflow the field.
    const maxMs = Math.floor(Number(2n ** 64n - 1n) / 1e6) - 1;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: maxMs }), (ms) => {
        const w = createWriter();
        writeFixed64Nanos(w, ms);
        const bytes = w.finish();
        expect(Buffer.from(bytes).readBigUInt64LE(0)).toBe(BigInt(ms) * 1_000_000n);
      }),
      { numRuns: 2_000 },
    );
  });
});
