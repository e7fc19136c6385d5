import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The key is chosen once per process (per module instance), so each case loads a fresh copy of the
 * package after setting the environment.
 */
async function freshPackage(key: string | undefined) {
  vi.resetModules();
  vi.stubEnv('AM_METRICS_DISTINCT_KEY', key);
  return import('../../../src/index.js');
}

/** The one estimate of `am_users` in a collection of `registry`. */
async function usersEstimate(registry: { collect(): Promise<{ families: readonly { descriptor: { name: string }; series: readonly unknown[] }[] }> }) {
  const family = (await registry.collect()).families.find((f) => f.descriptor.name === 'am_users');
  return (family?.series[0] as { value: number } | undefined)?.value;
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('the distinct-hash key from AM_METRICS_DISTINCT_KEY', () => {
  it.each(['x', 'fifteen-chars..'])('refuses a key of %j when the first distinct counter registers, naming the variable and the length', async (key) => {
    const { Registry, ServerConfigError } = await freshPackage(key);
    const registry = new Registry();
    const register = () => registry.distinctCounter({ name: 'am_users', help: 'Users.' });
    expect(register).toThrow(ServerConfigError);
    expect(register).toThrow(`AM_METRICS_DISTINCT_KEY: must have at least 16 characters, got ${key.length}`);
    expect(await usersEstimate(registry)).toBeUndefined();
  });

  it('refuses it in createAmMetrics, which registers distinct counters, before the app serves anything', async () => {
    const { createAmMetrics, ServerConfigError } = await freshPackage('short');
    expect(() => createAmMetrics({ podName: 'am-0' })).toThrow(ServerConfigError);
  });

  it.each([undefined, '', '   '])('takes a random key when the variable is %j (unset, empty or blank counts as unset)', async (key) => {
    const { Registry, hashReady } = await freshPackage(key);
    await hashReady;
    const registry = new Registry();
    registry.distinctCounter({ name: 'am_users', help: 'Users.' }).add({}, 'alice');
    expect(await usersEstimate(registry)).toBe(1);
  });

  it('hashes alike in two processes given the same key, so their states merge', async () => {
    const key = 'shared-key-0123456789';
    const first = await freshPackage(key);
    await first.hashReady;
    const a = new first.Registry();
    a.distinctCounter({ name: 'am_users', help: 'Users.' }).add({}, 'alice');
    const state = JSON.parse(JSON.stringify(await a.state()));
    const second = await freshPackage(key);
    await second.hashReady;
    const b = new second.Registry();
    b.distinctCounter({ name: 'am_users', help: 'Users.' }).add({}, 'alice');
    b.merge(state);
    expect(await usersEstimate(b)).toBe(1);
  });
});
