// Delta temporality for the push encoders: finds each series of a collection in the previous one,
// so a count is sent as what happened since the last push. Which values are deltas is the encoder's.
import type { Collection, FamilySnapshot } from '../../registry/collection.js';
import type { Labels } from '../../registry/labels.js';

/** The fields of a series that the delta baseline reads. */
interface Counted {
  readonly labels: Labels;
  readonly startMs: number;
  readonly count?: number;
  readonly sum?: number;
  readonly value?: number;
}

/** A monotonic value of one series over one push interval. */
export interface DeltaWindow {
  /** Epoch ms the change is counted from: the previous push, or the series' start if it is newer. */
  readonly startMs: number;
  /** How much of `current` the previous push already counted; 0 for a new or reset series. */
  readonly already: Readonly<{ count: number; sum: number; value: number }>;
}

const NOTHING = Object.freeze({ count: 0, sum: 0, value: 0 });
const keyCache = new WeakMap<Labels, string>();
const baselines = new WeakMap<Collection, DeltaBaseline>();

/** A series' label set as one string, the same for equal sets whatever the key order. */
function labelKey(labels: Labels): string {
  let key = keyCache.get(labels);
  if (key === undefined) {
    key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    keyCache.set(labels, key);
  }
  return key;
}

/**
 * The series of a previous collection, by family kind, name and label set. A series whose start
 * moved later, or whose count went down, was reset (or belongs to a new process): it counts from its
 * own start, and nothing of it is subtracted. A start that moved earlier with counts that did not go
 * down is the same run: in a merged cluster collection a series starts at its oldest part, and a
 * worker whose first answer came late brings an older start along with counts the previous push
 * lacked, so only the increase is new (a reset never moves a start back).
 */
export class DeltaBaseline {
  /**
   * The baseline of `previous`, built once per collection and shared by every encoder run that
   * subtracts it. A frame over a request size limit is encoded whole, then once per part (splitToFit,
   * and delivery's splitFrame), and every part keeps the whole previous collection: building a baseline
   * per run would index all of its series once per part, so a frame cut in k parts would cost k × N.
   * Collections are read-only snapshots, so a baseline built from one stays right for it; the cache
   * holds it weakly and lets it go with the collection.
   */
  static of(previous: Collection | undefined): DeltaBaseline {
    if (previous === undefined) return new DeltaBaseline(undefined);
    let baseline = baselines.get(previous);
    if (baseline === undefined) {
      baseline = new DeltaBaseline(previous);
      baselines.set(previous, baseline);
    }
    return baseline;
  }

  private readonly series = new Map<string, Map<string, Counted>>();
  private readonly previousMs: number | undefined;

  /** `previous` undefined: every series counts in full, from its start. */
  constructor(previous: Collection | undefined) {
    this.previousMs = previous?.timeMs;
    for (const family of previous?.families ?? []) {
      const bySeries = new Map<string, Counted>();
      for (const s of family.series as readonly Counted[]) bySeries.set(labelKey(s.labels), s);
      this.series.set(familyKey(family), bySeries);
    }
  }

  /** What of `current` (a series of `family`) the previous collection already held. */
  window(family: FamilySnapshot, current: Counted): DeltaWindow {
    const earlier = this.earlier(family, current);
    if (earlier === undefined || this.previousMs === undefined) return { startMs: current.startMs, already: NOTHING };
    return {
      startMs: Math.max(current.startMs, this.previousMs),
      already: { count: earlier.count ?? 0, sum: earlier.sum ?? 0, value: earlier.value ?? 0 },
    };
  }

  /** The previous collection's `current` series (same family, labels and run), or undefined for a new or reset one. */
  earlier<T extends Counted>(family: FamilySnapshot, current: T): T | undefined {
    const earlier = this.series.get(familyKey(family))?.get(labelKey(current.labels)) as T | undefined;
    const isSameRun =
      earlier !== undefined &&
      this.previousMs !== undefined &&
      current.startMs <= earlier.startMs &&
      (earlier.count ?? 0) <= (current.count ?? 0) &&
      (earlier.value ?? 0) <= (current.value ?? 0);
    return isSameRun ? earlier : undefined;
  }
}

function familyKey(family: FamilySnapshot): string {
  return `${family.kind}\u0000${family.descriptor.name}`;
}
