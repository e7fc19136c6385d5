// A gauge: a current value per label set, set by the caller or computed at scrape time.
import { Metric, type MetricContext } from './metric.js';
import type { Descriptor } from './descriptor.js';
import type { Labels } from './labels.js';
import type { FamilySnapshot } from './exposition/snapshot.js';

/**
 * Computes a gauge at scrape time: set series on the gauge it receives, or, for a gauge without
 * labels, return the value. May be async; the registry bounds how long it may take.
 */
export type GaugeCollect = (gauge: Gauge) => number | void | Promise<number | void>;

class GaugeSeries {
  value = 0;
}

/** A gauge's series bound to one label set. */
export interface GaugeChild {
  set(value: number): void;
  inc(by?: number): void;
  dec(by?: number): void;
}

/**
 * A value that goes up and down, such as a cache size or operations in flight. A new series reads 0.
 */
export class Gauge extends Metric<GaugeSeries> {
  constructor(
    descriptor: Descriptor,
    context: MetricContext,
    private readonly compute?: GaugeCollect,
  ) {
    super(descriptor, context);
  }

  /** Whether this gauge runs a callback at every scrape. */
  get isComputed(): boolean {
    return this.compute !== undefined;
  }

  /**
   * Sets the value for `labels`.
   * @throws InvalidLabelError for bad labels; InvalidValueError when `value` is not finite.
   */
  set(labels: Labels, value: number): void {
    this.checkFinite(value, 'gauge value');
    this.seriesFor(labels).value = value;
  }

  /** Adds `by` (default 1); throws as `set` does. */
  inc(labels: Labels, by = 1): void {
    this.checkFinite(by, 'increment');
    this.seriesFor(labels).value += by;
  }

  /** Subtracts `by` (default 1); throws as `set` does. */
  dec(labels: Labels, by = 1): void {
    this.checkFinite(by, 'decrement');
    this.seriesFor(labels).value -= by;
  }

  /** The series for `labels`, checked once. */
  labels(labels: Labels): GaugeChild {
    const entry = this.table.resolve(labels);
    return {
      set: (value) => {
        this.checkFinite(value, 'gauge value');
        this.storageOf(entry).value = value;
      },
      inc: (by = 1) => {
        this.checkFinite(by, 'increment');
        this.storageOf(entry).value += by;
      },
      dec: (by = 1) => {
        this.checkFinite(by, 'decrement');
        this.storageOf(entry).value -= by;
      },
    };
  }

  /** Runs the scrape-time callback, if any, then reads every series. Rejects when the callback throws. */
  async collect(): Promise<FamilySnapshot> {
    if (this.compute !== undefined) {
      const returned = await this.compute(this);
      if (typeof returned === 'number') this.set({}, returned);
    }
    const series = [];
    for (const { labels, storage } of this.table.all()) series.push({ labels, value: storage.value });
    return { kind: 'gauge', descriptor: this.descriptor, series };
  }

  protected createStorage(): GaugeSeries {
    return new GaugeSeries();
  }
}
