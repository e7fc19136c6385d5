// What every simulated family shares: the recorders, the seeded draws, the conditions and the rate,
// plus the few draws they all make (an outcome, a latency, a count of events).
import type { AmMetrics, Outcome } from '../index.js';
import type { Conditions } from './conditions.js';
import type { SeededRandom } from './random.js';

/** A simulated part of AM: records one of each of its events on warm-up, then traffic step by step. */
export interface SimulatedPart {
  /** Records one event of every sample this part writes, so a fresh scrape shows them all. */
  warmUp(): void;
  /** Records the traffic of `seconds` of simulated time (at most a second at a time). */
  step(seconds: number): void;
}

/** The shared state and draws of one simulation. */
export class SimulationContext {
  constructor(
    readonly am: AmMetrics,
    readonly random: SeededRandom,
    readonly conditions: Conditions,
    /** Login journeys per second at load 1; every other rate is a multiple of it. */
    readonly rate: number,
  ) {}

  /** `failure` with probability `baseFailure` (raised during an incident), else `success`. */
  outcome(baseFailure: number): Outcome {
    return this.random.chance(baseFailure * this.conditions.failure) ? 'failure' : 'success';
  }

  /** A log-normal duration in seconds around `medianSeconds` × `factor`. */
  latency(medianSeconds: number, factor: number, sigma = 0.5): number {
    return this.random.logNormal(medianSeconds * factor, sigma);
  }

  /** How many events of a kind happen in `seconds`, at `perLogin` × the login rate (scaled by load). */
  perLogin(perLogin: number, seconds: number): number {
    return this.conditions.events(perLogin * this.rate, seconds);
  }
}
