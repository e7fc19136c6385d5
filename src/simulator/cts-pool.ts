// The simulated pool of connections to the CTS store (AM-only metrics): connection attempts, and how
// many connections are handed out or waited for. What runs over them is cts.ts's business.
import type { SimulationContext } from './context.js';

/** Connections the pool holds, as AM's CTS connection settings would size it. */
export const POOL_SIZE = 16;
/** Each pooled connection is recycled about this often, per second. */
const RECYCLES_PER_CONNECTION_PER_SECOND = 0.005;
const CONNECT_MEDIAN_SECONDS = 0.003;
const BASE_CONNECT_FAILURE = 0.01;

/** Simulated CTS connection pool; `settle` hears how many operations are in flight. */
export class CtsPool {
  private handedOut = 0;
  private waiting = 0;
  private failedConnections = 0;

  constructor(private readonly context: SimulationContext) {
    const { cts } = context.am;
    cts.connectionState.track(() => this.handedOut, { status: 'out' });
    cts.connectionState.track(() => this.waiting, { status: 'pending' });
  }

  /** The pool opens its connections at start-up. */
  warmUp(): void {
    for (let i = 0; i < POOL_SIZE; i += 1) this.connect();
  }

  /** Recycles connections and retries failed ones, then hands out connections to `inFlight` operations. */
  settle(seconds: number, inFlight: number): void {
    const retries = this.failedConnections;
    this.failedConnections = 0;
    const recycles = this.context.conditions.events(POOL_SIZE * RECYCLES_PER_CONNECTION_PER_SECOND, seconds);
    for (let n = retries + recycles; n > 0; n -= 1) this.connect();
    const usable = Math.max(0, POOL_SIZE - this.failedConnections);
    this.handedOut = Math.min(usable, inFlight);
    this.waiting = inFlight - this.handedOut;
  }

  private connect(): void {
    const outcome = this.context.outcome(BASE_CONNECT_FAILURE);
    this.context.am.cts.connection(this.context.latency(CONNECT_MEDIAN_SECONDS, this.context.conditions.ctsLatency), outcome);
    if (outcome === 'failure') this.failedConnections += 1;
  }
}
