// Merging the states of a host's processes into one registry, one source at a time, so that one
// source's bad state costs only its own part. Asking for the states is primary.ts's job.
import { Registry } from '../exposition/prometheus/registry.js';
import type { Labels } from '../registry/labels.js';
import type { MergeOptions, RegistryState } from '../registry/registry.js';
import { forEachSliced } from '../registry/time-slice.js';

/** One process's `registry.state()`, named for `per-source` gauges (`worker-3`, `primary`). */
export interface SourcedState {
  readonly source: string;
  /** As received: checked by the merge, not trusted. */
  readonly state: unknown;
}

export interface MergeStatesOptions {
  /** The merged registry's default labels (the collection's resource). */
  readonly defaultLabels?: Labels | undefined;
  /** The merged registry's clock (epoch ms); default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /** Whether the merged timers keep buckets, so the sources' histograms merge (RegistryOptions.timerBuckets); default false. */
  readonly timerBuckets?: boolean | undefined;
}

export interface MergedStates {
  readonly registry: Registry;
  /** Sources merged, in the order given. */
  readonly accepted: readonly string[];
  /** Sources left out, with the error their state raised (InvalidValueError, MetricConflictError, ...). */
  readonly rejected: readonly { readonly source: string; readonly error: unknown }[];
}

/**
 * A fresh Registry holding the union of `states` (see MetricRegistry.merge). No series cap applies:
 * each process already capped its own. A state that cannot be merged leaves the registry as it was
 * (merge checks everything first) and is listed in `rejected`; the others still merge. Yields to the
 * event loop between states once a slice of work has passed (a state merges in one go, so that a bad
 * one costs only its own part).
 */
export async function mergeStates(states: readonly SourcedState[], options: MergeStatesOptions = {}): Promise<MergedStates> {
  const registry = mergedRegistry(options);
  const accepted: string[] = [];
  const rejected: { source: string; error: unknown }[] = [];
  await forEachSliced(
    states,
    ({ source, state }) => {
      try {
        registry.merge(state as RegistryState, { source });
        accepted.push(source);
      } catch (error) {
        rejected.push({ source, error });
      }
    },
    () => registry.clock.monotonic(),
  );
  return { registry, accepted, rejected };
}

/** An empty registry to merge into, as `options` describe it. */
export function mergedRegistry(options: MergeStatesOptions): Registry {
  const { defaultLabels, now, timerBuckets } = options;
  return new Registry({ defaultLabels, now, timerBuckets, maxSeriesPerMetric: Number.MAX_SAFE_INTEGER });
}

/**
 * Merges `state` (a state this library wrote) into `registry` one family at a time, so that a family
 * clashing with what the registry holds (a metric whose type, help or labels changed when workers were
 * replaced by a new version of the code) costs only itself. Returns how many families were left out.
 */
export function mergeEachFamily(registry: Registry, state: RegistryState, options: MergeOptions = {}): number {
  let left = 0;
  for (const family of state.families) {
    try {
      registry.merge({ ...state, families: [family] }, options);
    } catch {
      left += 1;
    }
  }
  return left;
}
