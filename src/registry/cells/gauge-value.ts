// A gauge's cell: one current value, and how values from several sources combine.
import { checkState, finiteAtLeast } from './state-check.js';

/**
 * How a gauge's series from several processes combine when their states merge: `sum` (in-flight
 * requests, pool sizes), `max` or `min` (a high-water mark, a free-space floor), or `per-source`,
 * which keeps one series per source under a `worker` label (SOURCE_LABEL); such a gauge may not have a
 * label or constant label of that name itself.
 */
export type GaugeCombine = 'sum' | 'max' | 'min' | 'per-source';

/** The combinations a gauge may declare. */
export const GAUGE_COMBINES: readonly GaugeCombine[] = ['sum', 'max', 'min', 'per-source'];

/** A gauge cell as plain data. */
export interface GaugeValueState {
  readonly value: number;
}

/** The value of one gauge series. */
export class GaugeValue {
  private current = 0;
  /** False until set or merged: a fresh series created by a merge takes the other value as it is. */
  private isSet = false;

  get value(): number {
    return this.current;
  }

  set value(value: number) {
    this.current = value;
    this.isSet = true;
  }

  constructor(private readonly combine: GaugeCombine) {}

  read(): { value: number } {
    return { value: this.value };
  }

  state(): GaugeValueState {
    return { value: this.value };
  }

  /** Combines `other` into this value as the gauge declares (`per-source` series never meet here). */
  mergeFrom(other: GaugeValue): void {
    if (!this.isSet) this.value = other.value;
    else if (this.combine === 'max') this.value = Math.max(this.value, other.value);
    else if (this.combine === 'min') this.value = Math.min(this.value, other.value);
    else this.value += other.value;
  }

  /** @throws InvalidValueError when the value is missing or not finite. */
  static fromState(state: GaugeValueState, combine: GaugeCombine, metric: string): GaugeValue {
    const cell = new GaugeValue(combine);
    cell.value = finiteAtLeast(checkState<GaugeValueState>(state, metric, 'gauge').value, -Infinity, metric, 'value');
    return cell;
  }
}
