import { describe, expect, it } from 'vitest';
import { createAmMetrics, type CountSum } from '../../src/index.js';
import { createSimulator } from '../../src/simulator/simulator.js';
import { ManualClock } from '../support/manual-clock.js';

async function apiRequests(seed: number): Promise<CountSum[]> {
  const clock = new ManualClock();
  const am = createAmMetrics({ podName: 'am-0', now: () => clock.now() });
  createSimulator(am, { rate: 20, seed }).step(60);
  const family = (await am.registry.collect()).families.find((f) => f.descriptor.name === 'auth0_api_request');
  return (family?.series ?? []) as CountSum[];
}

describe('SimulatedApiRequests', () => {
  it('records auth0.api_request.count traffic in proportion to logins, replayable from the seed', async () => {
    const series = await apiRequests(42);
    const total = series.reduce((n, s) => n + s.count, 0);
    // 2 requests per login at 20 logins/s for 60 s, give or take the load wave and Poisson noise.
    expect(total).toBeGreaterThan(1_500);
    expect(total).toBeLessThan(3_500);
    expect(series.some((s) => s.labels.failure_code === 'RATE_LIMIT')).toBe(true);
    expect(series.every((s) => s.labels.api === 'AUTHENTICATION' || s.labels.client_id === '')).toBe(true);
    expect((await apiRequests(42)).map((s) => s.count)).toEqual(series.map((s) => s.count));
  });
});
