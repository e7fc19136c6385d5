// The simulated script caches: two `cacheManager` caches that journeys' decision scripts read, with
// their cumulative statistics. Expected values, not draws, so the other parts' random sequences stay as
// they were.
import type { ScriptCacheLabels } from '../index.js';
import type { SimulatedPart, SimulationContext } from './context.js';

interface CacheShape {
  readonly labels: ScriptCacheLabels;
  readonly lookupsPerLogin: number;
  readonly hitShare: number;
  readonly capacity: number;
  readonly bytesPerEntry: number;
}

const CACHES: readonly CacheShape[] = [
  { labels: { cache_name: 'accessTokens', realm: 'alpha' }, lookupsPerLogin: 1, hitShare: 0.95, capacity: 50, bytesPerEntry: 2_048 },
  { labels: { cache_name: 'userProfiles', realm: 'bravo' }, lookupsPerLogin: 0.3, hitShare: 0.7, capacity: 1_000, bytesPerEntry: 512 },
];
const LOAD_FAILURE_SHARE = 0.01;
const LOAD_SECONDS = 0.08;
/** Entries scripts invalidate one by one, per load; and whole-cache invalidations per second. */
const INVALIDATE_PER_LOAD = 0.05;
const INVALIDATE_ALL_PER_SECOND = 0.001;

class CacheState {
  hits = 0;
  misses = 0;
  loadFailures = 0;
  invalidations = 0;
  invalidateAlls = 0;
  evictions = 0;
  size = 0;

  constructor(readonly shape: CacheShape) {}

  lookups(count: number, seconds: number): void {
    const misses = count * (1 - this.shape.hitShare);
    this.hits += count - misses;
    this.misses += misses;
    this.loadFailures += misses * LOAD_FAILURE_SHARE;
    this.invalidations += misses * INVALIDATE_PER_LOAD;
    this.invalidateAlls += seconds * INVALIDATE_ALL_PER_SECOND;
    const grown = this.size + misses * (1 - LOAD_FAILURE_SHARE - INVALIDATE_PER_LOAD);
    this.evictions += Math.max(0, grown - this.shape.capacity);
    this.size = Math.min(this.shape.capacity, grown);
  }
}

/** Simulated script caches. */
export class SimulatedScriptCache implements SimulatedPart {
  private readonly caches = CACHES.map((shape) => new CacheState(shape));

  constructor(private readonly context: SimulationContext) {
    const { scriptCache } = context.am;
    for (const cache of this.caches) {
      const { labels } = cache.shape;
      scriptCache.hits.track(() => Math.round(cache.hits), labels);
      scriptCache.misses.track(() => Math.round(cache.misses), labels);
      scriptCache.loads.track(() => Math.round(cache.misses), labels);
      scriptCache.loadFailures.track(() => Math.round(cache.loadFailures), labels);
      scriptCache.loadTimeSeconds.track(() => cache.misses * LOAD_SECONDS, labels);
      scriptCache.invalidations.track(() => Math.round(cache.invalidations), labels);
      scriptCache.invalidateAlls.track(() => Math.floor(cache.invalidateAlls), labels);
      scriptCache.evictions.track(() => Math.round(cache.evictions), labels);
      scriptCache.size.track(() => Math.round(cache.size), labels);
      scriptCache.memoryBytes.track(() => Math.round(cache.size) * cache.shape.bytesPerEntry, labels);
    }
  }

  warmUp(): void {
    for (const cache of this.caches) cache.lookups(1, 0);
  }

  step(seconds: number): void {
    for (const cache of this.caches) cache.lookups(cache.shape.lookupsPerLogin * this.context.rate * seconds, seconds);
  }
}
