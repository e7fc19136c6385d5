// The 64-bit hash of recorded strings for the distinct counter's sketch: XXH64 over the UTF-8 bytes,
// from xxhash-wasm, keyed with a secret seed. The only file that imports it.
import { createHash, randomBytes } from 'node:crypto';
import xxhash from 'xxhash-wasm';
import { MetricsError } from '../errors.js';
import { environmentValue, type Environment } from '../environment.js';
import { checkSecret, MIN_SECRET_LENGTH } from '../secret.js';

type Hash64 = (input: string, seed: bigint) => bigint;

let h64: Hash64 | undefined;

/**
 * The environment variable a process takes its distinct-hash secret from: set it alike on every pod
 * whose states merge. A cluster primary sets it for the workers it forks (see src/cluster/primary.ts).
 */
export const DISTINCT_KEY_ENV = 'AM_METRICS_DISTINCT_KEY';

/**
 * The secret behind every hash in this process. Why secret: XXH64 is not a keyed hash, so with a known
 * seed anyone can craft ids that all fall into one register (2,000 crafted user ids counted as 1).
 * Set by `setDistinctHashKey`, else taken at first use from DISTINCT_KEY_ENV (see
 * distinctKeyFromEnvironment), else random per process; never written to any output. Why at first use
 * rather than when this module loads: a short key must be refused with an error the caller can catch
 * (the CLI prints it as one line), and an import cannot be caught.
 */
let secret: string | undefined;
/** The seed derived from `secret`; meaningless while `secret` is undefined. */
let seed = 0n;
let hasHashed = false;

/**
 * The distinct-hash secret `env` gives in DISTINCT_KEY_ENV; undefined when that is unset, empty or
 * blank, as the package's other variables. The one check of the variable: the library applies it to
 * `process.env` at first use, the CLI to its environment before it starts anything.
 * @throws ServerConfigError naming DISTINCT_KEY_ENV when the key has fewer than MIN_SECRET_LENGTH
 *   characters. Why not a random key then, as for an unset one: pods meant to share the key would each
 *   get their own, and their distinct counters would refuse each other's states.
 */
export function distinctKeyFromEnvironment(env: Environment): string | undefined {
  const value = environmentValue(env, DISTINCT_KEY_ENV);
  if (value === undefined) return undefined;
  checkSecret(DISTINCT_KEY_ENV, value);
  return value;
}

/**
 * The seed of this process's key, choosing the key first if nothing has yet (see `secret`). Distinct
 * counters call it when they are registered, so a bad DISTINCT_KEY_ENV is refused there.
 * @throws ServerConfigError as distinctKeyFromEnvironment; no key is chosen then, so the next call
 *   throws again.
 */
export function distinctHashSeed(): bigint {
  if (secret === undefined) useKey(distinctKeyFromEnvironment(process.env) ?? randomBytes(24).toString('base64url'));
  return seed;
}

function useKey(key: string): void {
  seed = derive(key);
  secret = key;
}

function derive(key: string): bigint {
  return createHash('sha256').update(key).digest().readBigUInt64BE(0);
}

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
  const key = secret === undefined ? distinctHashSeed() : seed;
  hasHashed = true;
  out.setBigUint64(0, h64(value, key));
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
  if (key.length < MIN_SECRET_LENGTH) throw new MetricsError(`distinct hash key: must have at least ${MIN_SECRET_LENGTH} characters`, 'distinct counter');
  const text = typeof key === 'string' ? key : Buffer.from(key).toString('base64url');
  const derived = derive(text);
  if (hasHashed && derived !== seed) {
    throw new MetricsError('distinct hash key: values were already hashed with another key; set it before recording', 'distinct counter');
  }
  useKey(text);
}

/**
 * This process's secret, for handing to processes whose sketches will merge with its own (a cluster
 * primary passes it to the workers it forks through DISTINCT_KEY_ENV). Never write it to an output.
 * @throws ServerConfigError as distinctHashSeed.
 */
export function distinctHashSecret(): string {
  distinctHashSeed();
  return secret as string;
}

/**
 * A short name of the current key that reveals nothing of it, carried by serialized sketches so that a
 * sketch hashed with another key is refused instead of silently miscounted.
 */
export function distinctHashKeyId(): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(distinctHashSeed());
  return createHash('sha256').update('am-metrics distinct key id\0').update(bytes).digest('hex').slice(0, 16);
}
