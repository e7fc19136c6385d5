// The data every consumer of the registry reads: plain readonly values, one shape per metric type.
// Metric types produce these; writers (Prometheus text, JSON, future streams) only consume them.
import type { Descriptor } from '../descriptor.js';
import type { Labels } from '../labels.js';
import type { Rates } from '../storage/moving-average.js';

/** The quantiles every timer reports, in the order of `TimerSeries.quantiles`. */
export const TIMER_QUANTILES = [0.5, 0.75, 0.95, 0.98, 0.99, 0.999] as const;

/** A summary series: events counted, amounts summed, and event rates (per second). */
export interface CountSum {
  readonly labels: Labels;
  readonly count: number;
  readonly sum: number;
  readonly rates: Rates;
}

/** A timer series: durations in seconds; quantiles, min, max and mean are NaN when the window is idle. */
export interface TimerSeries extends CountSum {
  /** One value per TIMER_QUANTILES entry, in seconds. */
  readonly quantiles: readonly number[];
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/** A gauge or distinct-counter series: one current value. */
export interface Point {
  readonly labels: Labels;
  readonly value: number;
}

/** The registry's own counters (series folded into overflow, failed gauge callbacks). */
export interface CounterFamily {
  readonly kind: 'counter';
  /** Family name without the `_total` suffix, which writers add. */
  readonly name: string;
  readonly help: string;
  readonly series: readonly Point[];
}

/** A metric family at one instant, discriminated by `kind`. */
export type FamilySnapshot =
  | { readonly kind: 'summary'; readonly descriptor: Descriptor; readonly series: readonly CountSum[] }
  | { readonly kind: 'timer'; readonly descriptor: Descriptor; readonly series: readonly TimerSeries[] }
  | { readonly kind: 'gauge' | 'distinct'; readonly descriptor: Descriptor; readonly series: readonly Point[] }
  | CounterFamily;
