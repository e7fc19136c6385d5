// The 64-bit hash of recorded strings for the distinct counter's sketch: XXH64 over the UTF-8 bytes,
// from xxhash-wasm. The only file that imports it.
import xxhash from 'xxhash-wasm';

type Hash64 = (input: string) => bigint;

let h64: Hash64 | undefined;

/**
 * Resolves once the hash function is compiled, a few milliseconds after this module loads. Why not a
 * top-level await: it would make the whole package unloadable with `require()` (Node runs ES modules
 * from CommonJS only when their graph has none). Until then sketches keep the raw strings (see
 * DistinctSketch), so nothing recorded early is lost.
 */
export const hashReady: Promise<void> = xxhash().then((api) => {
  h64 = (input) => api.h64(input);
});

/** Writes the hash of `value` into `out` (8 bytes, big-endian) and returns true; false before hashReady. */
export function hashInto(value: string, out: DataView): boolean {
  if (h64 === undefined) return false;
  out.setBigUint64(0, h64(value));
  return true;
}
