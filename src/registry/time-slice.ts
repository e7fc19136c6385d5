// Long loops that share the event loop: collecting and rendering a large registry both run through
// this, so a scrape of many series never stalls other work for longer than a slice.
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Work between two yields to the event loop. Loops yielding in the same turn each run a slice before
 * timers run again, so a stall is a few slices long: 5 ms keeps it well under the 50 ms goal while
 * serving (10 ms left stalls of up to 56 ms; README, design notes).
 */
export const DEFAULT_SLICE_MS = 5;

/**
 * Asked after each piece of work: a promise to await (a yield to the event loop) once a slice of work
 * has passed, else undefined, so a fast loop pays no promise per item.
 */
export type Pace = () => Promise<void> | undefined;

/** A Pace that yields whenever `sliceMs` of work has passed by `monotonic` (milliseconds). */
export function pacer(monotonic: () => number, sliceMs = DEFAULT_SLICE_MS): Pace {
  let sliceStart = monotonic();
  return () => {
    if (monotonic() - sliceStart <= sliceMs) return undefined;
    return nextTurn().then(() => {
      sliceStart = monotonic();
    });
  };
}

/**
 * Calls `use` on each item in order, yielding to the event loop whenever `sliceMs` of work has passed
 * by `monotonic` (milliseconds), or as `pace` says when given. Rejects as soon as `use` throws or rejects.
 */
export async function forEachSliced<T>(
  items: Iterable<T>,
  use: (item: T) => void | Promise<void>,
  monotonic: () => number,
  sliceMs = DEFAULT_SLICE_MS,
  pace: Pace = pacer(monotonic, sliceMs),
): Promise<void> {
  for (const item of items) {
    const pending = use(item);
    if (pending !== undefined) await pending;
    const turn = pace();
    if (turn !== undefined) await turn;
  }
}
