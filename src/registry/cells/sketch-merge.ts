// One merge for the two cells that keep a DDSketch (decaying quantiles, log buckets), around a bug of
// @datadog/sketches-js 2.1: DenseStore.merge grows its range with `_extendRange(minKey, maxKey)`,
// which reads `secondKey || key`, so a merged-in store whose largest key is 0 is not covered; its
// last bucket is then added past the end of the bins and the weights become NaN. Key 0 holds durations
// just under 1 s, so for the decaying quantiles this is an everyday cluster merge (their stores grow
// with the values seen). The log buckets' keys stay within one allocation of the store (61 µs to
// 64 s), where the bug did not show, but they merge the same way so that no caller depends on that.

/** The parts of a DDSketch (and its dense store) the merge touches. */
export interface MergeableSketch {
  readonly count: number;
  readonly store: { readonly count: number; readonly minKey: number; readonly maxKey: number; add(key: number, weight: number): void };
  merge(other: MergeableSketch): void;
}

/**
 * Merges `from` into `into`, after growing `into`'s store to cover `from`'s keys one key at a time
 * (adding a weight of 0 changes no count; the single-key path of the library grows the range right).
 */
export function mergeSketch(into: MergeableSketch, from: MergeableSketch): void {
  if (into.count > 0 && from.store.count > 0 && into.store.count > 0) {
    into.store.add(from.store.minKey, 0);
    into.store.add(from.store.maxKey, 0);
  }
  into.merge(from);
}
