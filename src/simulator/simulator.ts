// createSimulator: an AM-like service that records realistic traffic through the public recorders,
// driven by simulated seconds (`step`) or in real time (`start`). The parts live beside this file.
import type { AmMetrics } from '../index.js';
import { SimulatedAuthentication } from './authentication.js';
import { SimulatedAuthorization } from './authorization.js';
import { Conditions } from './conditions.js';
import { SimulationContext, type SimulatedPart } from './context.js';
import { SimulatedCts } from './cts.js';
import { SimulatedDenylist } from './denylist.js';
import { SimulatedOAuth2 } from './oauth2.js';
import { SeededRandom } from './random.js';
import { SimulatedReaper } from './reaper.js';
import { SimulatedSessions } from './sessions.js';
import { SimulatedApiRequests } from './api-requests.js';
import { SimulatedScriptCache } from './script-cache.js';

/** Login journeys per second when no rate is given; every other rate is a multiple of it. */
export const DEFAULT_RATE = 20;
/** The highest rate accepted, which keeps a step's work well under a tick on one core. */
export const MAX_RATE = 1_000;
export const DEFAULT_SEED = 42;
/** How often the real-time driver steps the simulation. */
export const TICK_MS = 1_000;
/** Traffic is drawn in slices of at most this many simulated seconds, however long a step. */
const SLICE_SECONDS = 1;
/** After a stall (a suspended laptop, a paused debugger) the driver simulates at most this much. */
const MAX_CATCH_UP_SECONDS = 10;

export interface SimulatorOptions {
  /** Login journeys per second, > 0 and at most MAX_RATE; default DEFAULT_RATE. */
  readonly rate?: number | undefined;
  /** A 32-bit integer; default DEFAULT_SEED. */
  readonly seed?: number | undefined;
}

/** A running AM-like service; see createSimulator. */
export interface Simulator {
  readonly rate: number;
  readonly seed: number;
  /** Records the traffic of `seconds` of simulated time (the first call also warms up). @throws RangeError */
  step(seconds: number): void;
  /** Warms up at once, then steps every TICK_MS by the time passed on the registry's clock. */
  start(): void;
  /** Stops the real-time driver; recorded data and tracked gauges stay. */
  stop(): void;
}

/**
 * An AM-like service recording through `am`'s recorders: login journeys, sessions, OAuth 2.0, policy
 * evaluations, denylist checks and the CTS beneath them. The first step records one event of every
 * documented sample (a warm-up), so a scrape shows the whole catalogue at once; random traffic
 * follows. The same seed and the same sequence of `step` calls record the same events. Gauges read the
 * simulator's state at scrape time. The real-time driver's timer is unref'd: it never keeps a process alive.
 * @throws RangeError when the rate is not in (0, MAX_RATE] or the seed is not a 32-bit integer.
 */
export function createSimulator(am: AmMetrics, options: SimulatorOptions = {}): Simulator {
  const rate = checkRate(options.rate ?? DEFAULT_RATE);
  const seed = checkSeed(options.seed ?? DEFAULT_SEED);
  const random = new SeededRandom(seed);
  const conditions = new Conditions(random);
  const context = new SimulationContext(am, random, conditions, rate);
  const cts = new SimulatedCts(context);
  const reaper = new SimulatedReaper(context, cts);
  const denylist = new SimulatedDenylist(context, cts);
  const sessions = new SimulatedSessions(context, cts, reaper, denylist);
  const parts: readonly SimulatedPart[] = [
    cts,
    new SimulatedAuthentication(context, cts, sessions),
    sessions,
    new SimulatedOAuth2(context, cts, denylist),
    new SimulatedAuthorization(context),
    denylist,
    reaper,
    new SimulatedApiRequests(am.registry, seed, conditions, rate),
    new SimulatedScriptCache(context),
  ];
  let isWarm = false;
  let interval: NodeJS.Timeout | undefined;

  const step = (seconds: number): void => {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`simulator step: seconds must be a finite number >= 0, got ${seconds}`);
    if (!isWarm) {
      isWarm = true;
      for (const part of parts) part.warmUp();
    }
    for (let left = seconds; left > 0; left -= SLICE_SECONDS) {
      const slice = Math.min(SLICE_SECONDS, left);
      conditions.advance(slice);
      for (const part of parts) part.step(slice);
      cts.settle(slice);
    }
  };

  return {
    rate,
    seed,
    step,
    start() {
      if (interval !== undefined) return;
      const clock = am.registry.clock;
      let lastMs = clock.monotonic();
      step(0);
      interval = setInterval(() => {
        const nowMs = clock.monotonic();
        step(Math.min(MAX_CATCH_UP_SECONDS, Math.max(0, (nowMs - lastMs) / 1_000)));
        lastMs = nowMs;
      }, TICK_MS);
      interval.unref();
    },
    stop() {
      clearInterval(interval);
      interval = undefined;
    },
  };
}

function checkRate(rate: number): number {
  if (!(Number.isFinite(rate) && rate > 0 && rate <= MAX_RATE)) {
    throw new RangeError(`simulator rate must be a number of logins per second in (0, ${MAX_RATE}], got ${rate}`);
  }
  return rate;
}

function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 32) {
    throw new RangeError(`simulator seed must be a 32-bit integer, got ${seed}`);
  }
  return seed;
}
