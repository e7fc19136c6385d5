// The simulated CTS reaper (AM-only metrics): expired tokens wait in the reaper cache until the cache
// reaper deletes them; the ones no cache heard of are found by a periodic search.
import { REAPER_TOKEN_TYPES, type ReaperTokenType, type ReaperType } from '../index.js';
import type { SimulatedPart, SimulationContext } from './context.js';
import type { SimulatedCts } from './cts.js';

/** How often the search reaper looks for expired tokens. */
export const SEARCH_PERIOD_SECONDS = 60;
/** Mean time an expired token waits in the reaper cache before the cache reaper deletes it. */
const CACHE_DELAY_SECONDS = 15;
/** Share of expired tokens this pod's cache never heard of (created on other pods). */
const MISSED_BY_CACHE = 0.05;
const SEARCH_MEDIAN_SECONDS = 0.03;
const BASE_SEARCH_FAILURE = 0.005;

type Counts = Map<ReaperTokenType, number>;

/** Simulated reaper; other parts report expired tokens with `expire`. */
export class SimulatedReaper implements SimulatedPart {
  private readonly cached: Counts = new Map(REAPER_TOKEN_TYPES.map((t) => [t, 0]));
  private readonly unknown: Counts = new Map(REAPER_TOKEN_TYPES.map((t) => [t, 0]));
  private sinceSearchSeconds = 0;

  constructor(
    private readonly context: SimulationContext,
    private readonly cts: SimulatedCts,
  ) {
    context.am.cts.reaperCacheSize.track(() => total(this.cached));
  }

  /** `count` tokens of `tokenType` expired and are due for deletion. */
  expire(tokenType: ReaperTokenType, count = 1): void {
    for (let i = 0; i < count; i += 1) {
      const counts = this.context.random.chance(MISSED_BY_CACHE) ? this.unknown : this.cached;
      counts.set(tokenType, (counts.get(tokenType) ?? 0) + 1);
    }
  }

  /** The first search at start-up finds a session token that expired while the pod was down. */
  warmUp(): void {
    this.unknown.set('session', (this.unknown.get('session') ?? 0) + 1);
    this.search();
  }

  step(seconds: number): void {
    this.expire('cluster-notification', this.cts.takeNotifications());
    for (const [tokenType, count] of this.cached) {
      const due = Math.min(count, this.context.random.poisson((count * seconds) / CACHE_DELAY_SECONDS));
      for (let i = 0; i < due; i += 1) this.delete(this.cached, 'cache', tokenType);
    }
    this.sinceSearchSeconds += seconds;
    if (this.sinceSearchSeconds >= SEARCH_PERIOD_SECONDS) {
      this.sinceSearchSeconds -= SEARCH_PERIOD_SECONDS;
      this.search();
    }
  }

  private search(): void {
    const outcome = this.context.outcome(BASE_SEARCH_FAILURE);
    this.context.am.cts.reaperSearch(this.context.latency(SEARCH_MEDIAN_SECONDS, this.context.conditions.ctsLatency), outcome);
    if (outcome === 'failure') return;
    for (const [tokenType, count] of this.unknown) {
      for (let i = 0; i < count; i += 1) this.delete(this.unknown, 'search', tokenType);
    }
  }

  /** Deletes one token; a failed deletion leaves it to be tried again. */
  private delete(from: Counts, reaperType: ReaperType, tokenType: ReaperTokenType): void {
    const { outcome } = this.cts.run('delete', tokenType);
    this.context.am.cts.reaperDeletion({ reaperType, tokenType }, outcome);
    if (outcome === 'success') from.set(tokenType, (from.get(tokenType) ?? 1) - 1);
  }
}

function total(counts: Counts): number {
  let sum = 0;
  for (const count of counts.values()) sum += count;
  return sum;
}
