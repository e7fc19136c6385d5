// The script cache dashboard: what AIC's script caches hold, their lookups, loads and removals. AM
// exposes cumulative counts as gauges, so the panels show them as AM reports them, per pod and cache.
import { METRICS } from '../../../src/metrics/catalog.js';
import type { DashboardSpec, SectionSpec } from '../grafana.js';
import type { Scope } from '../promql.js';
import { dashboardScope, gaugePanel, labelVariable, sourceVariables } from '../panels.js';

/** Each panel shows one series per pod, realm and cache. */
const BY = ['realm', 'cache_name'] as const;

function contents(scope: Scope): SectionSpec {
  return {
    title: 'Contents',
    panels: [
      gaugePanel({ title: 'Script cache entries', description: 'Entries held in each script cache, on each pod.' }, METRICS.scriptCacheSize, scope, BY),
      gaugePanel(
        { title: 'Script cache memory', description: 'Estimated memory the entries of each script cache hold, on each pod.' },
        METRICS.scriptCacheMemory,
        scope,
        BY,
        'bytes',
      ),
    ],
  };
}

function lookups(scope: Scope): SectionSpec {
  return {
    title: 'Lookups and loads',
    panels: [
      gaugePanel(
        { title: 'Script cache hits', description: 'Lookups answered from the cache since it was created (a cumulative count AM exposes as a gauge).' },
        METRICS.scriptCacheHits,
        scope,
        BY,
      ),
      gaugePanel(
        { title: 'Script cache misses', description: "Lookups the cache could not answer since it was created. A miss runs the cache's load() script." },
        METRICS.scriptCacheMisses,
        scope,
        BY,
      ),
      gaugePanel(
        { title: 'Script cache loads', description: 'Entries loaded by load() or reload(), successful or not, since the cache was created.' },
        METRICS.scriptCacheLoads,
        scope,
        BY,
      ),
      gaugePanel(
        { title: 'Script cache load failures', description: 'Loads that failed since the cache was created. The script sees an error for each.' },
        METRICS.scriptCacheLoadFailures,
        scope,
        BY,
      ),
      gaugePanel(
        { title: 'Script cache load time', description: 'Total time spent loading entries since the cache was created. Divided by the loads, it is the mean load time.' },
        METRICS.scriptCacheLoadTime,
        scope,
        BY,
        's',
      ),
    ],
  };
}

function removals(scope: Scope): SectionSpec {
  return {
    title: 'Removals',
    panels: [
      gaugePanel(
        { title: 'Script cache evictions', description: "Entries evicted by the cache's size or expiry policy since it was created." },
        METRICS.scriptCacheEvictions,
        scope,
        BY,
      ),
      gaugePanel(
        { title: 'Script cache invalidations', description: 'Entries scripts invalidated one by one since the cache was created.' },
        METRICS.scriptCacheInvalidations,
        scope,
        BY,
      ),
      gaugePanel(
        { title: 'Script cache full invalidations', description: 'Times scripts invalidated every entry of the cache since it was created.' },
        METRICS.scriptCacheInvalidateAlls,
        scope,
        BY,
      ),
    ],
  };
}

/** The script cache dashboard. */
export function scriptCacheDashboard(): DashboardSpec {
  const scope = dashboardScope([...BY]);
  return {
    uid: 'am-script-cache',
    title: 'AM / Script caches',
    description:
      'PingOne AIC script caches (the cacheManager binding of scripted decision nodes): entries, memory, hits, misses, loads and removals, per realm and cache.',
    tags: ['script'],
    variables: [
      ...sourceVariables(METRICS.scriptCacheSize),
      labelVariable(METRICS.scriptCacheSize, 'realm', 'Realm', 'Realms to show.'),
      labelVariable(METRICS.scriptCacheSize, 'cache_name', 'Cache', 'Script caches to show.'),
    ],
    sections: [contents(scope), lookups(scope), removals(scope)],
  };
}
