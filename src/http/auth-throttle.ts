// Slows down password guessing: counts failed authentications per client and refuses a client that
// failed too often within a window. Deciding what counts as a failure is the handlers' job.
import { positiveInteger } from './errors.js';

/** How many failures a client may have in one window before it is refused until the window ends. */
export const DEFAULT_MAX_AUTH_FAILURES = 10;
/** Length of the window, counted from a client's first failure in it. */
export const DEFAULT_AUTH_FAILURE_WINDOW_MS = 60_000;
/** Clients tracked at once; beyond it the least recently failing one is forgotten, bounding memory. */
export const DEFAULT_MAX_TRACKED_CLIENTS = 10_000;

/** Tuning of the failed-authentication throttle; each field has the DEFAULT_ constant of its name. */
export interface AuthThrottleOptions {
  readonly maxFailures?: number | undefined;
  readonly windowMs?: number | undefined;
  readonly maxClients?: number | undefined;
}

interface FailureWindow {
  readonly startMs: number;
  failures: number;
}

/**
 * Failed authentications per client (its remote address), in fixed windows opened by the first failure.
 * A client with `maxFailures` failures in its window has its further failed attempts refused (429)
 * until the window ends. Requests with valid credentials are never asked about: one address may be
 * shared by an attacker and the real scraper. Time comes from the `now` given (monotonic milliseconds).
 */
export class AuthThrottle {
  private readonly windows = new Map<string, FailureWindow>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxClients: number;

  /** @throws ServerConfigError when a setting is not a whole number >= 1. */
  constructor(
    options: AuthThrottleOptions,
    private readonly now: () => number,
  ) {
    this.maxFailures = positiveInteger('authThrottle.maxFailures', options.maxFailures, DEFAULT_MAX_AUTH_FAILURES);
    this.windowMs = positiveInteger('authThrottle.windowMs', options.windowMs, DEFAULT_AUTH_FAILURE_WINDOW_MS);
    this.maxClients = positiveInteger('authThrottle.maxClients', options.maxClients, DEFAULT_MAX_TRACKED_CLIENTS);
  }

  /** Seconds until `client` may try again (for `Retry-After`), or `undefined` when it may try now. */
  retryAfterSeconds(client: string): number | undefined {
    const window = this.current(client);
    if (window === undefined || window.failures < this.maxFailures) return undefined;
    return Math.max(1, Math.ceil((window.startMs + this.windowMs - this.now()) / 1_000));
  }

  /** Counts one failed authentication by `client`. */
  recordFailure(client: string): void {
    const window = this.current(client) ?? { startMs: this.now(), failures: 0 };
    window.failures += 1;
    // Re-inserting keeps the map ordered by last failure, so the first key is the one to forget.
    this.windows.delete(client);
    this.windows.set(client, window);
    if (this.windows.size > this.maxClients) {
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.windows.delete(oldest);
    }
  }

  private current(client: string): FailureWindow | undefined {
    const window = this.windows.get(client);
    if (window !== undefined && this.now() - window.startMs >= this.windowMs) {
      this.windows.delete(client);
      return undefined;
    }
    return window;
  }
}
