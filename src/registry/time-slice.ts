// Long loops that share the event loop: collecting and rendering a large registry both run through
// this, so a scrape of many series never stalls other work for longer than a slice.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Work between two yields to the event loop. */
export const DEFAULT_SLICE_MS = 10;

/**
 * Calls `use` on each item in order, yielding to the event loop whenever `sliceMs` of work has passed
 * by `monotonic` (milliseconds). Rejects as soon as `use` throws or rejects.
 */
export async function forEachSliced<T>(
  items: Iterable<T>,
  use: (item: T) => void | Promise<void>,
  monotonic: () => number,
  sliceMs = DEFAULT_SLICE_MS,
): Promise<void> {
  let sliceStart = monotonic();
  for (const item of items) {
    const pending = use(item);
    if (pending !== undefined) await pending;
    if (monotonic() - sliceStart > sliceMs) {
      await nextTurn();
      sliceStart = monotonic();
    }
  }
}
