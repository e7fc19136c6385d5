// The denylist dashboard: token denylist checks, its cache and bloom filter, and the CTS searches behind them.
// AM names this family `am_blacklist_*`; the samples keep AM's words.
import { METRICS } from '../../../src/metrics/catalog.js';
import type { DashboardSpec, PanelSpec } from '../grafana.js';
import { eq, type Scope } from '../promql.js';
import { dashboardScope, labelVariable, meanPanel, partRatePanel, quantilePanel, ratePanel, ratioPanel, sourceVariables } from '../panels.js';

const HIT = ['hit', [eq('outcome', 'hit')]] as const;

/** Denylist checks per second by type and result. */
export function checksPanel(scope: Scope): PanelSpec {
  const description =
    'Checks of client-based session and OAuth 2.0 tokens against the denylist per second, by denylist type; outcome true means the token was denylisted (revoked) and rejected.';
  return ratePanel({ title: 'Denylist checks by result', description }, METRICS.denylistChecks, scope, ['blacklist_type', 'outcome']);
}

/** Share of denylist lookups answered by the cache. */
export function cacheHitRatioPanel(scope: Scope): PanelSpec {
  const description =
    'Share of denylist lookups answered from the in-memory cache, by denylist type. Misses go to the CTS, so a falling ratio means more CTS searches and slower token checks.';
  return ratioPanel({ title: 'Denylist cache hit ratio', description }, METRICS.denylistCache, scope, ['blacklist_type'], [HIT]);
}

/** The denylist dashboard. */
export function denylistDashboard(): DashboardSpec {
  const scope = dashboardScope(['blacklist_type']);
  return {
    uid: 'am-denylist',
    title: 'AM / Denylist',
    description:
      'ForgeRock AM and PingOne AIC token denylist (am_blacklist_*): checks, the cache and bloom filter in front of the CTS, and CTS searches for denylisted tokens.',
    tags: ['denylist'],
    variables: [
      ...sourceVariables(METRICS.denylistChecks),
      labelVariable(METRICS.denylistChecks, 'blacklist_type', 'Denylist type', 'Denylists to show: client-based sessions, OAuth 2.0 tokens.'),
    ],
    sections: [
      {
        title: 'Checks',
        panels: [
          checksPanel(scope),
          cacheHitRatioPanel(scope),
          ratePanel(
            {
              title: 'Bloom filter checks by outcome',
              description: 'Denylist checks made against the bloom filter per second, by outcome. The bloom filter rules out most tokens without a CTS search.',
            },
            METRICS.denylistBloomFilterChecks,
            scope,
            ['blacklist_type', 'outcome'],
          ),
          ratePanel(
            { title: 'Denylist cache lookups', description: 'Lookups in the denylist cache per second, by denylist type and hit or miss.' },
            METRICS.denylistCache,
            scope,
            ['blacklist_type', 'outcome'],
          ),
        ],
      },
      {
        title: 'CTS searches',
        panels: [
          ratePanel(
            { title: 'CTS searches by outcome', description: 'Searches of the CTS for denylist entries per second, by denylist type and outcome.' },
            METRICS.denylistSearches,
            scope,
            ['blacklist_type', 'outcome'],
          ),
          partRatePanel(
            {
              title: 'CTS search failures',
              description: 'Failed searches of the CTS for denylist entries per second. While they fail, AM cannot confirm whether a token was revoked.',
            },
            METRICS.denylistSearches,
            scope,
            ['blacklist_type'],
            [eq('outcome', 'failure')],
          ),
          quantilePanel(
            {
              title: 'CTS search latency by pod',
              description:
                'p50, p95 and p99 time of CTS searches for denylist entries, on each pod (the slowest denylist type there). Per-pod quantiles over roughly the last five minutes.',
            },
            METRICS.denylistSearches,
            scope,
          ),
          meanPanel(
            {
              title: 'Mean CTS search latency by type',
              description: 'Average time one CTS search for denylist entries took, by denylist type, across the selected servers.',
            },
            METRICS.denylistSearches,
            scope,
            ['blacklist_type'],
          ),
          {
            ...ratePanel(
              { title: 'CTS search results', description: 'Denylist entries returned by CTS searches per second, by denylist type.' },
              METRICS.denylistSearchResults,
              scope,
              ['blacklist_type'],
            ),
            width: 24,
          },
        ],
      },
    ],
  };
}
