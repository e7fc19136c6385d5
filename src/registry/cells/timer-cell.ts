// A timer's cell: exact count and sum of durations with their rates (a CountSum), plus the
// recent-weighted distribution (DecayingQuantiles) its quantiles, min, max and mean come from.
import { CountSum, type CountSumReading, type CountSumState } from './count-sum.js';
import { DecayingQuantiles, QUANTILES, type DecayingQuantilesState } from './decaying-quantiles.js';
import { checkState } from './state-check.js';

/** A timer cell as plain data. */
export interface TimerCellState {
  readonly counts: CountSumState;
  readonly sample: DecayingQuantilesState;
}

/** What a timer cell reads at one instant; durations in the unit recorded (seconds). */
export interface TimerReading extends CountSumReading {
  readonly quantiles: readonly { readonly quantile: number; readonly value: number }[];
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stddev: number;
}

/** Durations of one series; the caller passes the time (epoch ms) and has checked the duration. */
export class TimerCell {
  constructor(
    private readonly counts: CountSum,
    private readonly sample: DecayingQuantiles,
  ) {}

  /** An empty cell whose rates start at `startMs`. */
  static create(startMs: number): TimerCell {
    return new TimerCell(new CountSum(startMs), new DecayingQuantiles());
  }

  record(seconds: number, nowMs: number): void {
    this.counts.record(seconds, nowMs);
    this.sample.observe(seconds, nowMs);
  }

  read(nowMs: number): TimerReading {
    const values = this.sample.quantiles(nowMs);
    const quantiles = QUANTILES.map((quantile, i) => ({ quantile, value: values[i] as number }));
    return { ...this.counts.read(nowMs), quantiles, ...this.sample.window(nowMs) };
  }

  state(nowMs: number): TimerCellState {
    return { counts: this.counts.state(nowMs), sample: this.sample.state() };
  }

  /** Counts and sums add; the distributions merge into that of the union of both streams. */
  mergeFrom(other: TimerCell): void {
    this.sample.mergeFrom(other.sample);
    this.counts.mergeFrom(other.counts);
  }

  /** @throws InvalidValueError naming the first malformed field. */
  static fromState(state: TimerCellState, metric: string): TimerCell {
    const s = checkState<TimerCellState>(state, metric, 'timer');
    return new TimerCell(
      CountSum.fromState(s.counts as CountSumState, metric),
      DecayingQuantiles.fromState(s.sample as DecayingQuantilesState, metric),
    );
  }
}
