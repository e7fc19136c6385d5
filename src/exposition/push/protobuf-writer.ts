// The one home of protobufjs: a wire-format writer for the push encoders (OTLP, remote write), which
// write their messages field by field. Field numbers and message shapes stay with each encoder.
import protobuf from 'protobufjs/minimal.js';

/** protobufjs' Writer: varints, fixed-width numbers, strings, and length-delimited forks. */
export type ProtobufWriter = protobuf.Writer;

/** Wire types of the protobuf encoding (protobuf.dev, "Encoding"). */
export const WIRE = { varint: 0, fixed64: 1, delimited: 2 } as const;

/** A fresh writer; `finish()` returns the bytes. */
export function createWriter(): ProtobufWriter {
  return protobuf.Writer.create();
}

/** The key that precedes a field on the wire: field number and wire type. */
export function fieldKey(field: number, wireType: number): number {
  return ((field << 3) | wireType) >>> 0;
}

const TWO_POW_20 = 2 ** 20;
const TWO_POW_32 = 2 ** 32;
const NANOS_PER_MS = 1_000_000;

/**
 * Writes epoch milliseconds as a fixed64 count of nanoseconds, exactly. Why the arithmetic: ms × 10⁶
 * reaches 2⁶⁰ today, past the 2⁵³ a double holds exactly, and a BigInt per timestamp costs more than
 * the rest of a data point. Splitting ms at 2²⁰ keeps every product below 2⁴¹; the two 32-bit halves
 * are then assembled with an exact carry. Fractions of a millisecond are rounded away.
 */
export function writeFixed64Nanos(writer: ProtobufWriter, epochMs: number): void {
  const ms = Math.round(epochMs);
  const high = Math.floor(ms / TWO_POW_20) * NANOS_PER_MS; // ms = high·2²⁰/10⁶ + low/10⁶
  const low = (ms % TWO_POW_20) * NANOS_PER_MS;
  // nanos = high·2²⁰ + low; high·2²⁰ = ⌊high/2¹²⌋·2³² + (high mod 2¹²)·2²⁰.
  const lowSum = (high % 4096) * TWO_POW_20 + low;
  writer.fixed32(lowSum % TWO_POW_32);
  writer.fixed32(Math.floor(high / 4096) + Math.floor(lowSum / TWO_POW_32));
}
