// Drives the typed AM API from label values, one entry per catalogue metric, so tests can record
// "one of each event" or every documented label value without reaching under the API.
import type { AmMetrics } from '../../src/index.js';
import type { ReferenceMetric } from './reference.js';

type Values = Readonly<Record<string, string>>;
type Record_ = (am: AmMetrics, l: Values) => void | Promise<unknown>;

/* eslint-disable @typescript-eslint/no-explicit-any -- label values come from the reference at run time */
const v = (l: Values, name: string): any => l[name];

const scriptCache = (l: Values) => ({ cache_name: v(l, 'cache_name'), realm: v(l, 'realm') });

/** How to record one event of each catalogue metric through the public API, by `kind:name`. */
export const RECORDERS: Readonly<Record<string, Record_>> = {
  'summary:am_authentication': (am, l) => am.authentication.outcome(v(l, 'outcome')),
  'distinct:am_authentication_unique_uuid': (am, l) => am.authentication.uniqueUser(v(l, 'outcome'), 'id=demo,ou=user,o=alpha'),
  'summary:am_authorization_policy_set_policy': (am, l) => am.authorization.policyChange(v(l, 'operation'), v(l, 'policy_set')),
  'gauge:am_authorization_policy_set_evaluate_subject_cache_size': (am) => am.authorization.subjectCacheSize.track(() => 17),
  'timer:am_authorization_policy_set_evaluate': (am, l) => am.authorization.evaluation(v(l, 'policy_set'), 0.003, v(l, 'outcome')),
  'summary:am_authorization_policy_set_evaluate_action': (am, l) => am.authorization.action(v(l, 'policy_set'), v(l, 'action_type'), v(l, 'outcome')),
  'summary:am_authorization_policy_set_evaluate_advice': (am, l) => am.authorization.advice(v(l, 'policy_set'), v(l, 'advice_type')),
  'timer:am_blacklist_cts_search': (am, l) => am.denylist.ctsSearch(v(l, 'blacklist_type'), 0.004, v(l, 'outcome')),
  'summary:am_blacklist_cts_search_result': (am, l) => am.denylist.searchResults(v(l, 'blacklist_type'), 1),
  'summary:am_blacklist_bloomfilter_check': (am, l) => am.denylist.bloomFilterCheck(v(l, 'blacklist_type'), v(l, 'outcome')),
  'summary:am_blacklist_cache': (am, l) => am.denylist.cache(v(l, 'blacklist_type'), v(l, 'outcome')),
  'summary:am_blacklist_check': (am, l) => am.denylist.check(v(l, 'blacklist_type'), l.outcome === 'true'),
  'timer:am_cts_task': (am, l) => am.cts.task({ operation: v(l, 'operation'), tokenType: v(l, 'token_type') }, 0.002, v(l, 'outcome')),
  'gauge:am_cts_task_pending': (am, l) => am.cts.pending(v(l, 'operation')).inc(),
  'timer:am_cts_connection': (am, l) => am.cts.connection(0.001, v(l, 'outcome')),
  'gauge:am_cts_connection_state': (am, l) => am.cts.connectionsIn(v(l, 'status')).set(l.status === 'out' ? 8 : 1),
  'timer:am_cts_reaper_search': (am, l) => am.cts.reaperSearch(0.02, v(l, 'outcome')),
  'summary:am_cts_reaper_deletion': (am, l) => am.cts.reaperDeletion({ reaperType: v(l, 'reaper_type'), tokenType: v(l, 'token_type') }, v(l, 'outcome')),
  'gauge:am_cts_reaper_cache_size': (am) => am.cts.reaperCacheSize.track(() => 5),
  'timer:am_cts_task_queue': (am) => am.cts.taskQueueWait(0.0005),
  'gauge:am_cts_task_queue_size': (am) => am.cts.taskQueueSize.track(async () => 2),
  'summary:am_oauth2_grant': (am, l) => am.oauth2.grant(v(l, 'grant_type')),
  'summary:am_oauth2_grant_revoke': (am) => am.oauth2.grantRevoked(),
  'summary:am_oauth2_token_issue': (am, l) => am.oauth2.tokenIssued(v(l, 'token_type')),
  'summary:am_oauth2_token_revoke': (am, l) => am.oauth2.tokenRevoked(v(l, 'token_type')),
  'timer:am_oauth2_token_read_as_jwt': (am, l) => am.oauth2.readAsJwt(0.0007, v(l, 'outcome')),
  'timer:am_session': (am, l) => am.session.operation({ operation: v(l, 'operation'), sessionType: v(l, 'session_type') }, 0.006, v(l, 'outcome')),
  'summary:am_session': (am, l) => am.session.timeout(v(l, 'operation'), v(l, 'session_type')),
  'timer:am_session_lifetime': (am, l) => am.session.lifetime(v(l, 'session_type'), 1800),
  'gauge:am_session_store_size': (am, l) => am.session.storeSize.track(() => 3, { session_type: v(l, 'session_type') }),
  'summary:am_session_cts_based_cache': (am, l) => am.session.cache(v(l, 'outcome')),
  'summary:am_session_cts_based_cache_eviction': (am) => am.session.cacheEviction(),
  'gauge:am_session_cts_based_cache_size': (am) => am.session.cacheSize.track(() => 250),
  'gauge:am_script_cache_eviction': (am, l) => am.scriptCache.evictions.track(() => 4, scriptCache(l)),
  'gauge:am_script_cache_hit': (am, l) => am.scriptCache.hits.track(() => 120, scriptCache(l)),
  'gauge:am_script_cache_invalidate': (am, l) => am.scriptCache.invalidations.labels(scriptCache(l)).set(2),
  'gauge:am_script_cache_invalidate_all': (am, l) => am.scriptCache.invalidateAlls.labels(scriptCache(l)).set(1),
  'gauge:am_script_cache_load_failure': (am, l) => am.scriptCache.loadFailures.track(() => 1, scriptCache(l)),
  'gauge:am_script_cache_load_time_seconds': (am, l) => am.scriptCache.loadTimeSeconds.track(() => 0.75, scriptCache(l)),
  'gauge:am_script_cache_load_count': (am, l) => am.scriptCache.loads.track(() => 9, scriptCache(l)),
  'gauge:am_script_cache_memory_bytes': (am, l) => am.scriptCache.memoryBytes.track(async () => 20_480, scriptCache(l)),
  'gauge:am_script_cache_miss': (am, l) => am.scriptCache.misses.track(() => 9, scriptCache(l)),
  'gauge:am_script_cache_size': (am, l) => am.scriptCache.size.track(() => 5, scriptCache(l)),
};

/** The first documented value of each label (open sets get a typical AM value). */
export function firstValues(metric: ReferenceMetric): Values {
  const open: Record<string, string> = {
    policy_set: 'iPlanetAMWebAgentService',
    action_type: 'GET',
    advice_type: 'AuthLevelConditionAdvice',
    cache_name: 'accessTokens',
    realm: 'alpha',
  };
  return Object.fromEntries(metric.labels.map((l) => [l.name, l.values?.[0] ?? open[l.name] ?? 'x']));
}

/** Records one event of `metric` with `values` through the public API. */
export async function recordEvent(am: AmMetrics, metric: ReferenceMetric, values: Values = firstValues(metric)): Promise<void> {
  const record = RECORDERS[`${metric.kind}:${metric.name}`];
  if (record === undefined) throw new Error(`no recorder for ${metric.kind} ${metric.name}`);
  await record(am, values);
}
