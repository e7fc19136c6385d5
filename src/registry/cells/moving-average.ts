// Event rates as AM shows them in its JSON view: mean rate and 1/5/15-minute exponentially weighted
// moving averages, ticked every TICK_SECONDS. Counting the events themselves is left to the owner.
import { checkState, eventCount, finiteAtLeast, finiteBetween } from './state-check.js';

/** How often the moving averages fold in the events counted since the last tick. */
export const TICK_SECONDS = 5;
const TICK_MS = TICK_SECONDS * 1_000;
const WINDOW_MINUTES = [1, 5, 15] as const;

/** Events per second: since creation (`mean`) and as 1, 5 and 15-minute moving averages. */
export interface Rates {
  readonly mean: number;
  readonly m1: number;
  readonly m5: number;
  readonly m15: number;
}

/** A MovingRates as plain data: what `state()` returns and `fromState` rebuilds. */
export interface MovingRatesState {
  readonly startMs: number;
  /** Epoch ms of the last tick taken; a multiple of the tick length. */
  readonly lastTickMs: number;
  readonly uncounted: number;
  readonly isInitialized: boolean;
  /** The 1, 5 and 15-minute averages in events per second. */
  readonly averages: readonly [number, number, number];
}

/**
 * Smoothing factor of an average over `minutes` fed every TICK_SECONDS: 1 − e^(−5/60/N), as in AM
 * (which inherits Dropwizard Metrics' EWMA, itself modelled on the UNIX load average).
 */
function alphaFor(minutes: number): number {
  return 1 - Math.exp(-TICK_SECONDS / 60 / minutes);
}
const ALPHAS = WINDOW_MINUTES.map(alphaFor);
/**
 * The largest average (events per second) a state holds: no process counts more events than a count
 * holds exactly, so none averages more, and merged averages stay finite.
 */
const MAX_STATE_RATE = Number.MAX_SAFE_INTEGER;

/**
 * Moving event rates driven by the caller's clock readings (epoch ms); nothing here reads a clock.
 * Ticks are taken lazily, on the next mark or read after a tick boundary: the events since the last
 * tick go into the first missed tick and later missed ticks only decay, as Dropwizard's Meter does.
 * This is a dozen lines of arithmetic; the packaged meters we found tick on real-time timers, which
 * rules out an injected clock.
 * Ticks fall on epoch multiples of TICK_SECONDS, not on multiples after the series' start, so the
 * averages of two processes tick together and add exactly (`merge`): an EWMA is linear in its input.
 */
export class MovingRates {
  private uncounted = 0;
  private lastTickMs: number;
  private isInitialized = false;
  private readonly averages = [0, 0, 0];

  constructor(private startMs: number) {
    this.lastTickMs = Math.floor(startMs / TICK_MS) * TICK_MS;
  }

  /** The latest time these rates hold (epoch ms): their start or their last tick. */
  latestTimeMs(): number {
    return Math.max(this.startMs, this.lastTickMs);
  }

  /** The rates as plain, JSON-safe data, ticked up to `nowMs` first. */
  state(nowMs: number): MovingRatesState {
    if (nowMs - this.lastTickMs >= TICK_MS) this.tickUntil(nowMs);
    const [m1, m5, m15] = this.averages as [number, number, number];
    return { startMs: this.startMs, lastTickMs: this.lastTickMs, uncounted: this.uncounted, isInitialized: this.isInitialized, averages: [m1, m5, m15] };
  }

  /**
   * Adds another process's rates (same events, other source): both are ticked to the later of their
   * last ticks, then averages and pending events add. The earlier start wins, for the mean rate.
   */
  merge(state: MovingRatesState, metric = 'rates'): void {
    this.mergeFrom(MovingRates.fromState(state, metric));
  }

  /** As `merge`, from another instance, which may be ticked forward in the process. */
  mergeFrom(other: MovingRates): void {
    const tickMs = Math.max(this.lastTickMs, other.lastTickMs);
    if (tickMs > this.lastTickMs) this.tickUntil(tickMs);
    if (tickMs > other.lastTickMs) other.tickUntil(tickMs);
    for (let i = 0; i < this.averages.length; i += 1) this.averages[i] = (this.averages[i] as number) + (other.averages[i] as number);
    this.uncounted += other.uncounted;
    this.isInitialized ||= other.isInitialized;
    this.startMs = Math.min(this.startMs, other.startMs);
  }

  /**
   * Rebuilds rates from `state()` output, typically from another process.
   * @throws InvalidValueError naming the field that is missing, negative or not finite, an uncounted
   *   number of events that is not whole, or an average above Number.MAX_SAFE_INTEGER events per second.
   */
  static fromState(state: MovingRatesState, metric = 'rates'): MovingRates {
    const s = checkState<MovingRatesState>(state, metric, 'rates');
    const rates = new MovingRates(finiteAtLeast(s.startMs, -Infinity, metric, 'startMs'));
    rates.lastTickMs = Math.floor(finiteAtLeast(s.lastTickMs, -Infinity, metric, 'lastTickMs') / TICK_MS) * TICK_MS;
    rates.uncounted = eventCount(s.uncounted, metric, 'uncounted');
    rates.isInitialized = s.isInitialized === true;
    const averages = Array.isArray(s.averages) && s.averages.length === 3 ? s.averages : [NaN, NaN, NaN];
    averages.forEach((value, i) => (rates.averages[i] = finiteBetween(value, 0, MAX_STATE_RATE, metric, `averages[${i}]`)));
    return rates;
  }

  /** Counts one event happening at `nowMs`. */
  mark(nowMs: number): void {
    if (nowMs - this.lastTickMs >= TICK_MS) this.tickUntil(nowMs);
    this.uncounted += 1;
  }

  /** Counts `events` events happening at `nowMs`, as that many `mark`s would (kept apart from `mark`, the record path). */
  markEvents(nowMs: number, events: number): void {
    if (nowMs - this.lastTickMs >= TICK_MS) this.tickUntil(nowMs);
    this.uncounted += events;
  }

  /** Rates at `nowMs`, given the owner's total event count (for the mean rate). */
  rates(nowMs: number, totalEvents: number): Rates {
    if (nowMs - this.lastTickMs >= TICK_MS) this.tickUntil(nowMs);
    const elapsedSeconds = (nowMs - this.startMs) / 1_000;
    // Indexed reads, not `const [m1, m5, m15] = …`: destructuring an array goes through its iterator,
    // which was a tenth of a 10,000-series collect.
    const averages = this.averages;
    return { mean: elapsedSeconds > 0 ? totalEvents / elapsedSeconds : 0, m1: averages[0] as number, m5: averages[1] as number, m15: averages[2] as number };
  }

  private tickUntil(nowMs: number): void {
    const ticks = Math.floor((nowMs - this.lastTickMs) / TICK_MS);
    this.lastTickMs += ticks * TICK_MS;
    const instantRate = this.uncounted / TICK_SECONDS;
    this.uncounted = 0;
    for (let i = 0; i < ALPHAS.length; i += 1) {
      const alpha = ALPHAS[i] as number;
      const first = this.isInitialized ? (this.averages[i] as number) + alpha * (instantRate - (this.averages[i] as number)) : instantRate;
      // The remaining ticks saw no events: each multiplies the average by (1 − alpha).
      this.averages[i] = first * Math.pow(1 - alpha, ticks - 1);
    }
    this.isInitialized = true;
  }
}
