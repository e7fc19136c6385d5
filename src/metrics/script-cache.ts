// Script cache family: AIC's per-cache statistics of the caches scripts reach through `cacheManager`.
// AM reads them from the cache at each scrape; the host does the same here with `track`.
import { METRICS } from './catalog.js';
import type { InstalledCatalog, SpecLabels, StateGauge } from './install.js';

/** Which script cache, in which realm: the labels every script cache gauge takes (both open sets). */
export type ScriptCacheLabels = SpecLabels<typeof METRICS.scriptCacheSize>;

/**
 * Reports the statistics of the script caches, one series per cache and realm. Every gauge is a
 * StateGauge: `track(read, { cache_name, realm })` reads the cache's statistics at each scrape, or
 * `labels({ cache_name, realm }).set(v)` sets them. The counts are cumulative since the cache was
 * created, as AM reports them (Caffeine's statistics); they go back to zero when a cache is rebuilt.
 */
export interface ScriptCacheMetrics {
  /** Entries evicted since the cache was created. */
  readonly evictions: StateGauge<ScriptCacheLabels>;
  /** Lookups answered from the cache. */
  readonly hits: StateGauge<ScriptCacheLabels>;
  /** Lookups the cache could not answer (each one loads, unless the script only reads). */
  readonly misses: StateGauge<ScriptCacheLabels>;
  /** Entries invalidated one by one by scripts. */
  readonly invalidations: StateGauge<ScriptCacheLabels>;
  /** Times scripts invalidated the whole cache. */
  readonly invalidateAlls: StateGauge<ScriptCacheLabels>;
  /** Loads, successful or not (`am_script_cache_load_count`, a gauge despite its suffix). */
  readonly loads: StateGauge<ScriptCacheLabels>;
  /** Loads that failed. */
  readonly loadFailures: StateGauge<ScriptCacheLabels>;
  /** Total time spent loading, in seconds (Caffeine counts nanoseconds: divide by 1e9). */
  readonly loadTimeSeconds: StateGauge<ScriptCacheLabels>;
  /** Estimated memory the entries hold, in bytes. */
  readonly memoryBytes: StateGauge<ScriptCacheLabels>;
  /** Entries held now. */
  readonly size: StateGauge<ScriptCacheLabels>;
}

export function scriptCacheMetrics(catalog: InstalledCatalog): ScriptCacheMetrics {
  return {
    evictions: catalog.gauge(METRICS.scriptCacheEvictions),
    hits: catalog.gauge(METRICS.scriptCacheHits),
    misses: catalog.gauge(METRICS.scriptCacheMisses),
    invalidations: catalog.gauge(METRICS.scriptCacheInvalidations),
    invalidateAlls: catalog.gauge(METRICS.scriptCacheInvalidateAlls),
    loads: catalog.gauge(METRICS.scriptCacheLoads),
    loadFailures: catalog.gauge(METRICS.scriptCacheLoadFailures),
    loadTimeSeconds: catalog.gauge(METRICS.scriptCacheLoadTime),
    memoryBytes: catalog.gauge(METRICS.scriptCacheMemory),
    size: catalog.gauge(METRICS.scriptCacheSize),
  };
}
