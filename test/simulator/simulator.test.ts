import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_RATE, TICK_MS } from '../../src/simulator/simulator.js';
import { DRIFT_PERIOD_SECONDS } from '../../src/simulator/conditions.js';
import { expectedSamples, referenceCatalogue } from '../support/reference.js';
import { seededRandom } from '../support/random.js';
import { countOf, medianOf, sampleNames, simulatedRun, valueOf, type SimulatedRun } from './run.js';

const EVERY_SAMPLE = referenceCatalogue().flatMap((metric) => expectedSamples(metric, 'aic'));

afterEach(() => vi.useRealTimers());

/** Moves the manual clock and the fake timers on together, one driver tick at a time. */
function tick(run: SimulatedRun, seconds: number): void {
  for (let i = 0; i < (seconds * 1_000) / TICK_MS; i += 1) {
    run.clock.advance({ ms: TICK_MS });
    vi.advanceTimersByTime(TICK_MS);
  }
}

describe('createSimulator', () => {
  it.each([0.1, 20, 300])('shows every documented sample within 15 simulated seconds at %d logins/s', async (rate) => {
    const run = simulatedRun({ rate, seed: 1 });
    run.advance(15);
    const names = sampleNames(await run.am.registry.metrics());
    expect(EVERY_SAMPLE.filter((name) => !names.has(name))).toEqual([]);
  });

  it('shows every documented sample after its first step, however short', async () => {
    const run = simulatedRun({ seed: 2 });
    run.simulator.step(0);
    const names = sampleNames(await run.am.registry.metrics());
    expect(EVERY_SAMPLE.filter((name) => !names.has(name))).toEqual([]);
  });

  it('records the same events for the same seed and the same steps', async () => {
    const steps = seededRandom(9);
    const sizes = Array.from({ length: 120 }, () => 0.25 + 2 * steps());
    const render = async (): Promise<string> => {
      const run = simulatedRun({ rate: 30, seed: 1234 });
      for (const size of sizes) run.advance(size, size);
      return run.am.registry.metrics();
    };
    expect(await render()).toBe(await render());
  });

  it('records different traffic for different seeds', async () => {
    const render = async (seed: number): Promise<string> => {
      const run = simulatedRun({ seed });
      run.advance(60);
      return run.am.registry.metrics();
    };
    expect(await render(1)).not.toBe(await render(2));
  });

  it('scales traffic with the rate', async () => {
    const counts = async (rate: number) => {
      const run = simulatedRun({ rate, seed: 5 });
      run.advance(300);
      return {
        logins: await countOf(run.am, 'summary', 'am_authentication'),
        grants: await countOf(run.am, 'summary', 'am_oauth2_grant'),
        ctsTasks: await countOf(run.am, 'timer', 'am_cts_task'),
      };
    };
    const slow = await counts(10);
    const fast = await counts(40);
    // Poisson counts: at 10 logins/s over 300 s about 3,000 logins (sd ≈ 55, 1.8%); the ratio of two
    // such counts has sd ≈ 2.6%, so ±10% around 4 is about four standard deviations.
    expect(fast.logins / slow.logins).toBeGreaterThan(3.6);
    expect(fast.logins / slow.logins).toBeLessThan(4.4);
    expect(fast.grants / slow.grants).toBeGreaterThan(3.6);
    expect(fast.grants / slow.grants).toBeLessThan(4.4);
    // The CTS also carries a fixed background (cluster notifications), so it scales a little less.
    expect(fast.ctsTasks / slow.ctsTasks).toBeGreaterThan(3.3);
  });

  it('counts unique users growing more slowly than logins', async () => {
    const run = simulatedRun({ seed: 3 });
    const measure = async () => ({
      logins: await countOf(run.am, 'summary', 'am_authentication', { outcome: 'success' }),
      users: await valueOf(run.am, 'distinct', 'am_authentication_unique_uuid', { outcome: 'success' }),
    });
    run.advance(5 * 60);
    const early = await measure();
    run.advance(15 * 60);
    const late = await measure();
    expect(late.users).toBeLessThan(late.logins);
    // Four times the logins; with returning users (a Zipf-like pool) far fewer than four times the users.
    expect(late.logins / early.logins).toBeGreaterThan(3);
    expect(late.users / early.users).toBeLessThan(0.8 * (late.logins / early.logins));
  });

  it('drifts CTS latency over simulated time', async () => {
    const run = simulatedRun({ rate: 5, seed: 4 });
    const read = { operation: 'read', outcome: 'success', token_type: 'session' };
    const ratios: number[] = [];
    // Each drift cycle peaks (×2) a quarter period in and bottoms out (×0.5) three quarters in.
    run.advance(DRIFT_PERIOD_SECONDS / 4);
    for (let cycle = 0; cycle < 3; cycle += 1) {
      const slow = await medianOf(run.am, 'am_cts_task', read);
      run.advance(DRIFT_PERIOD_SECONDS / 2);
      ratios.push(slow / (await medianOf(run.am, 'am_cts_task', read)));
      run.advance(DRIFT_PERIOD_SECONDS / 2);
    }
    // ×4 from the cycle; the random walk moves it a little, and an incident (×4 for about a minute)
    // can spoil one cycle, so the middle of three cycles is held to ×2.
    const middle = [...ratios].sort((a, b) => a - b)[1] as number;
    expect(middle).toBeGreaterThan(2);
  });

  it.each([
    [1, 20, 10],
    [2, 200, 10],
    [3, MAX_RATE, 1],
  ])('runs without errors (seed %d, %d logins/s, %d simulated minutes)', async (seed, rate, minutes) => {
    const run = simulatedRun({ rate, seed });
    run.advance(minutes * 60, 5);
    const { failures } = await run.am.registry.collect();
    expect(failures).toEqual([]);
    // The traffic wave keeps load within ±20% of the rate.
    expect(await countOf(run.am, 'summary', 'am_authentication')).toBeGreaterThan(rate * minutes * 60 * 0.7);
  });

  it('spreads one long step over one-second slices', async () => {
    const oneStep = simulatedRun({ seed: 6 });
    oneStep.advance(120, 120);
    const manySteps = simulatedRun({ seed: 6 });
    manySteps.advance(120, 1);
    expect(await countOf(oneStep.am, 'summary', 'am_authentication')).toBe(await countOf(manySteps.am, 'summary', 'am_authentication'));
  });

  it.each([
    [{ rate: 0 }, RangeError],
    [{ rate: -1 }, RangeError],
    [{ rate: MAX_RATE + 1 }, RangeError],
    [{ rate: Number.NaN }, RangeError],
    [{ seed: 1.5 }, RangeError],
    [{ seed: 2 ** 32 }, RangeError],
  ])('refuses options %j', (options, errorClass) => {
    expect(() => simulatedRun(options)).toThrow(errorClass);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a step of %d seconds', (seconds) => {
    const run = simulatedRun({ seed: 1 });
    expect(() => run.simulator.step(seconds)).toThrow(RangeError);
  });

  describe('real-time driver', () => {
    it('warms up on start, steps on every tick by the time passed, and stops', async () => {
      vi.useFakeTimers();
      const run = simulatedRun({ seed: 8 });
      run.simulator.start();
      const names = sampleNames(await run.am.registry.metrics());
      expect(EVERY_SAMPLE.filter((name) => !names.has(name))).toEqual([]);
      const afterWarmUp = await countOf(run.am, 'summary', 'am_authentication');
      tick(run, 30);
      const afterTicks = await countOf(run.am, 'summary', 'am_authentication');
      expect(afterTicks - afterWarmUp).toBeGreaterThan(20 * 30 * 0.7);
      run.simulator.stop();
      tick(run, 30);
      expect(await countOf(run.am, 'summary', 'am_authentication')).toBe(afterTicks);
    });

    it('simulates at most ten seconds after a stall, not the whole gap', async () => {
      vi.useFakeTimers();
      const run = simulatedRun({ seed: 8 });
      run.simulator.start();
      const afterWarmUp = await countOf(run.am, 'summary', 'am_authentication');
      run.clock.advance({ hours: 1 });
      vi.advanceTimersByTime(TICK_MS);
      // Ten seconds at 20 logins/s is about 200 logins; an hour would be 72,000.
      expect(await countOf(run.am, 'summary', 'am_authentication')).toBeLessThan(afterWarmUp + 400);
      run.simulator.stop();
    });
  });
});
