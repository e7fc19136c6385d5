import { describe, expect, it } from 'vitest';
import { MovingRates, TICK_SECONDS } from '../../../src/registry/cells/moving-average.js';

const START = 1_000_000;

/** The Dropwizard/AM EWMA, ticked by hand every 5 s: the reference the lazy ticks must match. */
function referenceRates(eventsPerTick: readonly number[], minutes: number): number {
  const alpha = 1 - Math.exp(-TICK_SECONDS / 60 / minutes);
  let rate = 0;
  let isInitialized = false;
  for (const events of eventsPerTick) {
    const instant = events / TICK_SECONDS;
    rate = isInitialized ? rate + alpha * (instant - rate) : instant;
    isInitialized = true;
  }
  return rate;
}

describe('MovingRates', () => {
  it('reports zero before anything happened', () => {
    const rates = new MovingRates(START);
    expect(rates.rates(START, 0)).toEqual({ mean: 0, m1: 0, m5: 0, m15: 0 });
  });

  it('converges on a steady rate of 10 events per second', () => {
    const rates = new MovingRates(START);
    for (let ms = 0; ms < 30 * 60_000; ms += 100) rates.mark(START + ms);
    const r = rates.rates(START + 30 * 60_000, 18_000);
    // After 30 minutes of constant traffic every average is within 1% of the true 10/s.
    expect(r.m1).toBeCloseTo(10, 1);
    expect(r.m5).toBeCloseTo(10, 1);
    expect(Math.abs(r.m15 - 10) / 10).toBeLessThan(0.01);
    expect(r.mean).toBeCloseTo(10, 6);
  });

  it("matches AM's tick-by-tick averages when ticks are taken lazily across an idle gap", () => {
    const rates = new MovingRates(START);
    // 3 events in the first tick, none for 10 minutes, then reads.
    rates.mark(START + 1_000);
    rates.mark(START + 2_000);
    rates.mark(START + 3_000);
    const ticks = (10 * 60) / TICK_SECONDS;
    const history = [3, ...Array<number>(ticks - 1).fill(0)];
    const r = rates.rates(START + ticks * TICK_SECONDS * 1_000, 3);
    // Closed-form decay must equal ticking one by one up to floating-point rounding.
    expect(r.m1).toBeCloseTo(referenceRates(history, 1), 12);
    expect(r.m5).toBeCloseTo(referenceRates(history, 5), 12);
    expect(r.m15).toBeCloseTo(referenceRates(history, 15), 12);
  });

  it('decays the one-minute rate to almost nothing a few minutes after traffic stops', () => {
    const rates = new MovingRates(START);
    for (let ms = 0; ms < 5 * 60_000; ms += 50) rates.mark(START + ms);
    const before = rates.rates(START + 5 * 60_000, 6_000);
    const after = rates.rates(START + 10 * 60_000, 6_000);
    expect(before.m1).toBeGreaterThan(19);
    // e^(-5) of the rate is left after 5 minutes of a 1-minute average.
    expect(after.m1).toBeLessThan(before.m1 * Math.exp(-4.9));
    expect(after.m15).toBeGreaterThan(after.m5);
  });
});
