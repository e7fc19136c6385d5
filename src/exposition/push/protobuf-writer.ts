// The one home of @bufbuild/protobuf: the wire-format writer of the push encoders (OTLP, remote write),
// which write their messages field by field, and the reader of the few answers they read back (OTLP's
// partial_success). Field numbers and message shapes stay with each encoder.
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/**
 * A protobuf wire writer: one growing buffer; `fork()`/`join()` wrap a length-delimited message in
 * place, `raw()` copies bytes encoded earlier, `finish()` returns the bytes.
 */
export type ProtobufWriter = BinaryWriter;

/** A fresh writer. */
export function createWriter(): ProtobufWriter {
  return new BinaryWriter();
}

/**
 * A protobuf wire reader over `bytes`: `tag()` gives the next field's number and wire type, `skip()`
 * passes over a field not wanted, `bytes()`/`int64()`/`string()` read one. Throws on truncated input.
 */
export type ProtobufReader = BinaryReader;

/** A reader at the start of `bytes`. */
export function createReader(bytes: Uint8Array): ProtobufReader {
  return new BinaryReader(bytes);
}

/** Wire types as `ProtobufReader.tag()` reports them. */
export const WIRE_TYPE = { varint: WireType.Varint, delimited: WireType.LengthDelimited } as const;

/** The key that precedes a field on the wire, by wire type: numbers, 8-byte values, length-delimited. */
export const fieldKey = {
  varint: (field: number): number => ((field << 3) | WireType.Varint) >>> 0,
  fixed64: (field: number): number => ((field << 3) | WireType.Bit64) >>> 0,
  delimited: (field: number): number => ((field << 3) | WireType.LengthDelimited) >>> 0,
} as const;

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
  const high = Math.floor(ms / TWO_POW_20) * NANOS_PER_MS; // nanos = high·2²⁰ + low
  const low = (ms % TWO_POW_20) * NANOS_PER_MS;
  // high·2²⁰ = ⌊high/2¹²⌋·2³² + (high mod 2¹²)·2²⁰; the low word carries into the high one.
  const lowSum = (high % 4096) * TWO_POW_20 + low;
  writer.fixed32(lowSum % TWO_POW_32);
  writer.fixed32(Math.floor(high / 4096) + Math.floor(lowSum / TWO_POW_32));
}

/** Writes a whole number below 2⁵³ as fixed64. */
export function writeFixed64(writer: ProtobufWriter, value: number): void {
  writer.fixed32(value % TWO_POW_32);
  writer.fixed32(Math.floor(value / TWO_POW_32));
}
