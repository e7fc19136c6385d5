// A summary's cell: events counted, amounts summed, and their moving rates. The timer's cell wraps one.
import { MovingRates, type MovingRatesState, type Rates } from './moving-average.js';
import { checkState, eventCount, finiteBetween, MAX_STATE_SUM } from './state-check.js';

/** A CountSum cell as plain data. */
export interface CountSumState {
  readonly count: number;
  readonly sum: number;
  readonly rates: MovingRatesState;
}

/** What a CountSum cell reads at one instant. */
export interface CountSumReading {
  readonly count: number;
  readonly sum: number;
  readonly rates: Rates;
}

/**
 * Counts and sums of one series; the caller passes the time (epoch ms) and has checked amounts.
 * The sum is compensated (Neumaier's variant of Kahan summation, "Rundungsfehleranalyse einiger
 * Verfahren zur Summation endlicher Summen", ZAMM 1974): the rounding error of each addition is kept
 * in `compensation` and added back on read, so a long run of additions ends at the correctly rounded
 * total in all but contrived cases (10,000 × 0.1 reads 1000.0, not 1000.0000000001588) instead of
 * drifting by one rounding per event. It costs a comparison and three additions per record.
 */
export class CountSum {
  private count = 0;
  private sum = 0;
  private compensation = 0;
  private rates: MovingRates;

  constructor(startMs: number) {
    this.rates = new MovingRates(startMs);
  }

  /** The latest time this cell holds (epoch ms), see MovingRates.latestTimeMs. */
  latestTimeMs(): number {
    return this.rates.latestTimeMs();
  }

  record(amount: number, nowMs: number): void {
    this.count += 1;
    this.add(amount);
    this.rates.mark(nowMs);
  }

  /** Counts `events` events of amount 1 at once, as that many `record(1, nowMs)` would. */
  recordEvents(events: number, nowMs: number): void {
    this.count += events;
    this.add(events);
    this.rates.markEvents(nowMs, events);
  }

  read(nowMs: number): CountSumReading {
    return { count: this.count, sum: this.readSum(), rates: this.readRates(nowMs) };
  }

  /**
   * The parts of `read`, one value each, for readers that build their own literal: a collection
   * reads every series, and each intermediate object was a sixth of a timer series' allocations.
   */
  readCount(): number {
    return this.count;
  }

  readSum(): number {
    return this.sum + this.compensation;
  }

  readRates(nowMs: number): Rates {
    return this.rates.rates(nowMs, this.count);
  }

  state(nowMs: number): CountSumState {
    return { count: this.count, sum: this.sum + this.compensation, rates: this.rates.state(nowMs) };
  }

  /** Counts and sums add; rates add (see MovingRates.merge). */
  mergeFrom(other: CountSum): void {
    this.count += other.count;
    this.add(other.sum);
    this.add(other.compensation);
    this.rates.mergeFrom(other.rates);
  }

  /**
   * Neumaier's step: the part of `amount` (or of the running sum) that the addition rounded away is
   * kept. `x < 0 ? -x : x` compares as Math.abs(x) does (it differs only on −0, which compares equal to
   * 0) and keeps this method small enough to inline on the record path (see Metric.checkNonNegative).
   */
  private add(amount: number): void {
    const sum = this.sum;
    const total = sum + amount;
    this.compensation += (sum < 0 ? -sum : sum) >= (amount < 0 ? -amount : amount) ? sum - total + amount : amount - total + sum;
    this.sum = total;
  }

  /**
   * @throws InvalidValueError naming the first malformed field: a count that is not a whole number, or
   *   a sum beyond MAX_STATE_SUM, which no process records.
   */
  static fromState(state: CountSumState, metric: string): CountSum {
    const s = checkState<CountSumState>(state, metric, 'count/sum');
    const rates = MovingRates.fromState(s.rates as MovingRatesState, metric);
    const cell = new CountSum(0);
    cell.count = eventCount(s.count, metric, 'count');
    cell.sum = finiteBetween(s.sum, 0, MAX_STATE_SUM, metric, 'sum');
    cell.rates = rates;
    return cell;
  }
}
