// AM's timer: exact count and sum of durations, recent-weighted quantiles, and event rates. A thin
// facade: it checks, then records into a TimerCell.
import { Metric } from './metric.js';
import { TimerCell, type TimerCellState } from './cells/timer-cell.js';
import type { LabelValues } from './labels.js';
import type { FamilySnapshot, HistogramSeries, SeriesBase, TimerSeries } from './collection.js';
import type { Descriptor } from './descriptor.js';
import type { Pace } from './time-slice.js';

/**
 * What a timer's histogram family (the registry's `timerBuckets` option) adds to the timer's name:
 * timer `am_cts_task` has buckets `am_cts_task_duration_seconds_bucket{le=…}`, `…_sum` and `…_count`,
 * names AM never writes.
 */
export const TIMER_HISTOGRAM_SUFFIX = '_duration_seconds';

/** A timer's series bound to one label set, for hot paths. */
export interface TimerChild {
  /** Records one duration in seconds; see `Timer.observe`. */
  observe(seconds: number): void;
  /** Starts measuring; the returned function records and returns the elapsed seconds. */
  startTimer(): () => number;
}

/**
 * Durations per label set, as AM's timer: `_count` and `_seconds_sum` are exact; the quantiles
 * (TIMER_QUANTILES) weigh each observation by its age as AM does and are NaN once no observation
 * arrived for the cell's window (see DecayingQuantiles). Durations are in seconds. `L` is the union
 * of its label names, so a misspelt or missing label fails to compile.
 */
export class Timer<L extends string = string> extends Metric<TimerCell, L> {
  /**
   * Records one duration.
   * @throws InvalidLabelError for missing, unknown or non-string labels; InvalidValueError when
   *   `seconds` is negative or not finite. Nothing is recorded then.
   */
  observe(labels: LabelValues<L>, seconds: number): void {
    this.checkNonNegative(seconds, 'duration in seconds');
    // `cellFor` spelt out: code of this method costs V8's inlining budget nothing, a call to it does
    // (notes/perf-round-two.md, "Inlining budget").
    this.cellOf(this.table.resolve(labels)).record(seconds, this.context.clock.now());
  }

  /**
   * Starts measuring an operation with the registry's monotonic clock. Labels are checked now; the
   * returned function records the elapsed seconds each time it is called and returns them.
   */
  startTimer(labels: LabelValues<L>): () => number {
    return this.labels(labels).startTimer();
  }

  /** The series for `labels`, checked once; its methods only check the duration. */
  labels(labels: LabelValues<L>): TimerChild {
    const entry = this.table.resolve(labels);
    const observe = (seconds: number): void => {
      this.checkNonNegative(seconds, 'duration in seconds');
      this.cellOf(entry).record(seconds, this.context.clock.now());
    };
    const clock = this.context.clock;
    return {
      observe,
      startTimer: () => {
        const startMs = clock.monotonic();
        return () => {
          const seconds = Math.max(0, (clock.monotonic() - startMs) / 1_000);
          observe(seconds);
          return seconds;
        };
      },
    };
  }

  /** Every series: counts, rates, quantiles and window statistics at the registry clock's now. */
  collect(): FamilySnapshot {
    return { kind: 'timer', descriptor: this.descriptor, series: this.readAll(this.reader()) };
  }

  /** As `collect`, yielding between series as `pace` says (reading quantiles costs tens of µs a series). */
  override async collectPaced(pace: Pace): Promise<FamilySnapshot> {
    return { kind: 'timer', descriptor: this.descriptor, series: await this.readAllPaced(this.reader(), pace) };
  }

  /**
   * Every series' undecayed buckets as a histogram family called name + TIMER_HISTOGRAM_SUFFIX, or
   * undefined unless the registry was made with `timerBuckets`. Series match the timer's own.
   */
  collectHistogram(): FamilySnapshot | undefined {
    if (this.context.timerBuckets !== true) return undefined;
    const series = this.readAll((cell, { labels, startMs }): HistogramSeries => {
      const { count, sum, buckets, native } = cell.readBuckets();
      return { labels, startMs, count, sum, buckets, native };
    });
    return { kind: 'histogram', descriptor: this.histogramDescriptor(), series };
  }

  cellFromState(state: unknown): TimerCell {
    return TimerCell.fromState(state as TimerCellState, this.descriptor.name);
  }

  protected createCell(): TimerCell {
    return TimerCell.create(this.context.clock.now(), this.context.timerBuckets === true);
  }

  /** Reads each series at the registry clock's now (TimerCell.readSeries builds the literal). */
  private reader(): (cell: TimerCell, series: SeriesBase) => TimerSeries {
    const nowMs = this.context.clock.now();
    return (cell, { labels, startMs }) => cell.readSeries(nowMs, labels, startMs);
  }

  private histogram: Descriptor | undefined;

  private histogramDescriptor(): Descriptor {
    const { name, help, labelNames, constLabels } = this.descriptor;
    this.histogram ??= Object.freeze({
      kind: 'histogram',
      name: `${name}${TIMER_HISTOGRAM_SUFFIX}`,
      labelNames,
      constLabels,
      help: `${help} Log-scale buckets of every duration since the series started.`,
    });
    return this.histogram;
  }
}
