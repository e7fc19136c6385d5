// The 64-bit hash of recorded strings for the distinct counter's sketch: XXH64 over the UTF-8 bytes,
// from xxhash-wasm, keyed with a secret seed. The only file that imports it.
import { createHash, randomBytes } from 'node:crypto';
import xxhash from 'xxhash-wasm';
import { MetricsError } from '../errors.js';

type Hash64 = (input: string, seed: bigint) => bigint;

let h64: Hash64 | undefined;

/**
 * The seed of every hash in this process. Why secret: XXH64 is not a keyed hash, so with a known seed
 * anyone can craft ids that all fall into one register (2,000 crafted user ids counted as 1). Random per
 * process unless `setDistinctHashKey` sets it; never written to any output.
 */
let seed: bigint = randomBytes(8).readBigUInt64BE(0);
let hasHashed = false;

/**
 * Resolves once the hash function is compiled, a few milliseconds after this module loads. Why not a
 * top-level await: it would make the whole package unloadable with `require()` (Node runs ES modules
 * from CommonJS only when their graph has none). Until then sketches keep the raw strings (see
 * DistinctSketch), so nothing recorded early is lost.
 */
export const hashReady: Promise<void> = xxhash().then((api) => {
  h64 = (input, key) => api.h64(input, key);
});

/** Writes the keyed hash of `value` into `out` (8 bytes, big-endian) and returns true; false before hashReady. */
export function hashInto(value: string, out: DataView): boolean {
  if (h64 === undefined) return false;
  hasHashed = true;
  out.setBigUint64(0, h64(value, seed));
  return true;
}

/**
 * Sets the secret the distinct counters of this process hash with, so that processes whose sketches
 * merge (a cluster's workers and primary, pods whose states are combined) hash alike. Give every such
 * process the same secret (at least 16 characters), before anything is recorded.
 * @throws MetricsError when `key` is shorter than 16 characters or bytes, or when values were already
 *   hashed with another key (their sketches would no longer merge).
 */
export function setDistinctHashKey(key: string | Uint8Array): void {
  if (key.length < 16) throw new MetricsError('distinct hash key: must have at least 16 characters', 'distinct counter');
  const derived = createHash('sha256').update(key).digest().readBigUInt64BE(0);
  if (hasHashed && derived !== seed) {
    throw new MetricsError('distinct hash key: values were already hashed with another key; set it before recording', 'distinct counter');
  }
  seed = derived;
}

/**
 * A short name of the current key that reveals nothing of it, carried by serialized sketches so that a
 * sketch hashed with another key is refused instead of silently miscounted.
 */
export function distinctHashKeyId(): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(seed);
  return createHash('sha256').update('am-metrics distinct key id\0').update(bytes).digest('hex').slice(0, 16);
}
