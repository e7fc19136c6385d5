// Denylist family (AM's `am_blacklist_*` samples): CTS searches for denylisted tokens, the bloom
// filter, the cache in front of it, and the checks themselves.
import { METRICS, type CacheOutcome, type DenylistType, type Outcome } from './catalog.js';
import type { InstalledCatalog } from './install.js';
import { timeOutcome } from './timing.js';

/** Records what AM's token denylists do. */
export interface DenylistMetrics {
  /** A CTS search for denylist entries took `seconds` and ended with `outcome`. */
  ctsSearch(type: DenylistType, seconds: number, outcome: Outcome): void;
  /** Runs and times a CTS search; success if it resolves, failure if it throws. */
  timeCtsSearch<T>(type: DenylistType, search: () => T | Promise<T>): Promise<T>;
  /** A search returned `entries` denylist entries (each counts once, as AM counts them). */
  searchResults(type: DenylistType, entries: number): void;
  /** The bloom filter answered a check, or failed to. */
  bloomFilterCheck(type: DenylistType, outcome: Outcome): void;
  /** The denylist cache had the answer (hit) or not (miss). */
  cache(type: DenylistType, outcome: CacheOutcome): void;
  /** A token was checked; `isDenylisted` becomes AM's outcome `true` or `false`. */
  check(type: DenylistType, isDenylisted: boolean): void;
}

export function denylistMetrics(catalog: InstalledCatalog): DenylistMetrics {
  const searches = catalog.timer(METRICS.denylistSearches);
  const results = catalog.summary(METRICS.denylistSearchResults);
  const bloom = catalog.summary(METRICS.denylistBloomFilterChecks);
  const cache = catalog.summary(METRICS.denylistCache);
  const checks = catalog.summary(METRICS.denylistChecks);
  const searchLabels = (type: DenylistType, outcome: Outcome) => ({ blacklist_type: type, outcome });
  const ctsSearch = (type: DenylistType, seconds: number, outcome: Outcome): void => searches.observe(searchLabels(type, outcome), seconds);
  return {
    ctsSearch,
    timeCtsSearch: (type, search) => timeOutcome(catalog.registry.clock, searches, (outcome) => searchLabels(type, outcome), search),
    searchResults: (type, entries) => results.recordEvents({ blacklist_type: type }, entries),
    bloomFilterCheck: (type, outcome) => bloom.record({ blacklist_type: type, outcome }),
    cache: (type, outcome) => cache.record({ blacklist_type: type, outcome }),
    check: (type, isDenylisted) => checks.record({ blacklist_type: type, outcome: isDenylisted ? 'true' : 'false' }),
  };
}
