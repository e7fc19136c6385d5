// Ids crafted against the distinct counter's hash: with a hash anyone can compute, 2,000 crafted user
// ids land in one register and count as 1. Keyed with a secret seed, they count as what they are.
import { describe, expect, it } from 'vitest';
import xxhash from 'xxhash-wasm';
import { DistinctSketch, hashReady, InvalidValueError, MetricsError, Registry, setDistinctHashKey } from '../../src/index.js';

const PRECISION = 4; // 16 registers: crafting takes ~128 tries per id instead of ~32,768 at the default
const CRAFTED = 2_000;

/**
 * Ids whose unkeyed XXH64 falls into register 0 with update value 1 (index bits 0, the next two bits 0,
 * then a 1): the top 7 bits are 0000001, and the whole set reads as about 1 value.
 */
async function craftAgainstUnkeyedHash(): Promise<string[]> {
  const { h64 } = await xxhash();
  const ids: string[] = [];
  for (let i = 0; ids.length < CRAFTED; i += 1) {
    const hash = h64(`user-${i}`);
    if (Number(hash >> BigInt(64 - PRECISION - 3)) === 1) ids.push(`user-${i}`);
  }
  return ids;
}

describe('crafted distinct values', () => {
  it('cannot deflate the count: the hash is keyed with a secret seed', async () => {
    await hashReady;
    const crafted = await craftAgainstUnkeyedHash();
    const sketch = new DistinctSketch({ precision: PRECISION });
    for (const id of crafted) sketch.add(id);
    // Unkeyed, every id would set the same register to 1: an estimate of about 1. Keyed, the ids spread
    // over the 16 registers; at 16 registers the standard error is about 9%, so 500 is far below any
    // plausible estimate of 2,000 and far above the attack's 1.
    expect(sketch.estimate()).toBeGreaterThan(500);
  });

  it('keeps the key out of the exposition and out of serialized sketches', async () => {
    await hashReady;
    const registry = new Registry();
    const users = registry.distinctCounter({ name: 'am_users', help: 'Users.' });
    users.add({}, 'alice');
    const text = await registry.metrics({ format: 'openmetrics' });
    expect(text).toBe('# TYPE am_users gauge\n# HELP am_users Users.\nam_users 1.0\n# EOF\n');
    const json = JSON.stringify(await registry.state());
    expect(json).toMatch(/"key":"[0-9a-f]{16}"/);
  });

  it('refuses a serialized sketch made with another key instead of miscounting it', () => {
    expect(() => DistinctSketch.fromJSON({ kind: 'exact', precision: 14, hashes: '', key: '0123456789abcdef' })).toThrow(InvalidValueError);
  });

  it('refuses a short key, and a new key once values were hashed with another', async () => {
    await hashReady;
    expect(() => setDistinctHashKey('short')).toThrow(MetricsError);
    new DistinctSketch().add('someone');
    expect(() => setDistinctHashKey('a-key-of-sufficient-length')).toThrow(/already hashed with another key/);
  });
});
