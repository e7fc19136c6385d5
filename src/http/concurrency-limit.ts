// Caps the scrape requests being served at once; what to answer beyond the cap is the handlers' job.
import { positiveInteger } from './errors.js';

/** Counts requests in flight against a fixed cap. */
export class ConcurrencyLimit {
  private inFlight = 0;
  private readonly max: number;

  /**
   * @param setting the option that gave `max`, named in the error.
   * @throws ServerConfigError when `max` is not a whole number >= 1.
   */
  constructor(max: number, setting: string) {
    this.max = positiveInteger(setting, max, max);
  }

  /** Takes a slot, or returns `undefined` when all are taken. The release function is safe to call twice. */
  tryAcquire(): (() => void) | undefined {
    if (this.inFlight >= this.max) return undefined;
    this.inFlight += 1;
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      this.inFlight -= 1;
    };
  }
}
