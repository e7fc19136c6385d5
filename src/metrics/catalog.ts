// The AM metric catalogue as data: every sample base name, type, help text, label and allowed label
// value that AM and AIC document. The one place in src/ where AM's names are written.
import type { MetricKind } from '../registry/descriptor.js';

export const AUTHENTICATION_OUTCOMES = ['success', 'failure', 'timeout'] as const;
export const SUCCESS_FAILURE = ['success', 'failure'] as const;
export const ALLOW_DENY = ['allow', 'deny'] as const;
export const HIT_MISS = ['hit', 'miss'] as const;
export const TRUE_FALSE = ['true', 'false'] as const;
export const POLICY_OPERATIONS = ['create', 'delete', 'update'] as const;
export const DENYLIST_TYPES = ['session_client_based', 'oauth2'] as const;
export const CTS_OPERATIONS = ['create', 'delete', 'partial-query', 'patch', 'query', 'read', 'update', 'upsert'] as const;
// prettier-ignore
export const CTS_TOKEN_TYPES = [
  'authentication-whitelist', 'back-channel-authentication-state', 'cluster-notification', 'logout-user',
  'oauth2-blacklist', 'oauth2-csrf-protection', 'oauth2-grant-set', 'oauth2-stateless-grant', 'oauth2-stateless',
  'oauth2', 'push-notification', 'request-uri-object', 'resource-set', 'rest', 'saml2', 'session-blacklist',
  'session', 'sts', 'suspended-auth-session', 'transaction', 'unknown',
  // AM 8.1
  'uma-audit-entry', 'uma-pending-request', 'uma-permission-ticket', 'uma-requesting-party',
] as const;
export const CTS_CONNECTION_STATES = ['out', 'pending'] as const;
export const REAPER_TYPES = ['cache', 'search'] as const;
export const REAPER_TOKEN_TYPES = ['cluster-notification', 'session'] as const;
// prettier-ignore
export const GRANT_TYPES = [
  'authorization-code', 'back-channel', 'client-credentials', 'device-code', 'implicit', 'jwt-bearer', 'refresh',
  'resource-owner-password', 'saml2', 'token-exchange', 'uma2',
] as const;
export const REVOKED_GRANT_TYPES = ['unknown'] as const;
export const OAUTH2_TOKEN_TYPES = ['access-token', 'authorization-code', 'device-code', 'id-token', 'ops', 'permission-ticket', 'refresh-token'] as const;
export const REVOKED_TOKEN_TYPES = ['access-token'] as const;
// prettier-ignore
export const SESSION_OPERATIONS = [
  'check-exists', 'create', 'dereference-restricted-token-id', 'destroy', 'get-matching-sessions',
  'get-restricted-token-id', 'get-valid-sessions', 'is-applicable', 'logout', 'refresh', 'register-listener',
  'register-pll-listener', 'resolve', 'set-external-property', 'set-property', 'validate',
] as const;
export const SESSION_TIMEOUTS = ['idle-timeout', 'max-timeout'] as const;
export const SESSION_TYPES = ['authentication-client-based', 'authentication-cts-based', 'authentication-in-memory', 'client-based', 'cts-based'] as const;
export const STORE_SESSION_TYPES = ['authentication-in-memory'] as const;

export type AuthenticationOutcome = (typeof AUTHENTICATION_OUTCOMES)[number];
export type Outcome = (typeof SUCCESS_FAILURE)[number];
export type ActionOutcome = (typeof ALLOW_DENY)[number];
export type CacheOutcome = (typeof HIT_MISS)[number];
export type PolicyOperation = (typeof POLICY_OPERATIONS)[number];
export type DenylistType = (typeof DENYLIST_TYPES)[number];
export type CtsOperation = (typeof CTS_OPERATIONS)[number];
export type CtsTokenType = (typeof CTS_TOKEN_TYPES)[number];
export type CtsConnectionState = (typeof CTS_CONNECTION_STATES)[number];
export type ReaperType = (typeof REAPER_TYPES)[number];
export type ReaperTokenType = (typeof REAPER_TOKEN_TYPES)[number];
export type GrantType = (typeof GRANT_TYPES)[number];
export type OAuth2TokenType = (typeof OAUTH2_TOKEN_TYPES)[number];
export type RevokedTokenType = (typeof REVOKED_TOKEN_TYPES)[number];
export type SessionOperation = (typeof SESSION_OPERATIONS)[number];
export type SessionTimeout = (typeof SESSION_TIMEOUTS)[number];
export type SessionType = (typeof SESSION_TYPES)[number];
export type StoreSessionType = (typeof STORE_SESSION_TYPES)[number];

/** The families the catalogue groups metrics into: the reference's six, and AIC's script cache. */
export type FamilyName = 'authentication' | 'authorization' | 'denylist' | 'cts' | 'oauth2' | 'session' | 'script';

/** A label: its name and, for a closed set, every value AM documents; an open set takes any string. */
export interface LabelSpec {
  readonly name: string;
  readonly values?: readonly string[];
}

/**
 * Who documents a metric: `AIC` and `AM` (self-hosted only) on the AM Prometheus metrics page the
 * reference copies; `AIC-docs` on other public AIC and AM pages only, so the reference lacks it.
 */
export type MetricSource = 'AIC' | 'AM' | 'AIC-docs';

/** One metric of the catalogue. `source` says who documents it (see MetricSource). */
export interface MetricSpec {
  readonly family: FamilyName;
  readonly name: string;
  readonly kind: MetricKind;
  readonly help: string;
  readonly labels: readonly LabelSpec[];
  /**
   * AM's dotted id of a series, as its JSON view (`/json/metrics/api`) lists it: `{label}` stands for
   * that label's value. From AM 8.1's documentation; where it names no id (the session timeouts,
   * `ctsPendingTasks`, `ctsTaskQueueWait`, `ctsTaskQueueSize`, the script cache) the id is ours, in
   * the same style.
   */
  readonly jsonId: string;
  readonly source: MetricSource;
}

/** Label specs keep their literal name and values, so recorders' label types derive from the data. */
const closed = <N extends string, V extends string>(name: N, values: readonly V[]): { readonly name: N; readonly values: readonly V[] } => ({ name, values });
const open = <N extends string>(name: N): { readonly name: N } => ({ name });

/**
 * Every metric AM documents, by id: the six families in the order the reference lists them, then the
 * script cache (source `AIC-docs`, not in the reference).
 */
// prettier-ignore
export const METRICS = {
  authentication: { family: 'authentication', name: 'am_authentication', kind: 'summary', jsonId: 'authentication.{outcome}', source: 'AIC', help: 'Authentication journeys completed, by outcome.', labels: [closed('outcome', AUTHENTICATION_OUTCOMES)] },
  authenticationUniqueUsers: { family: 'authentication', name: 'am_authentication_unique_uuid', kind: 'distinct', jsonId: 'authentication.unique-uuid.{outcome}', source: 'AIC', help: 'Estimated number of distinct identities that logged in successfully.', labels: [closed('outcome', ['success'])] },

  policyChanges: { family: 'authorization', name: 'am_authorization_policy_set_policy', kind: 'summary', jsonId: 'authorization.policy-set.{policy_set}.policy.{operation}', source: 'AIC', help: 'Policies created, updated or deleted in a policy set since the server started.', labels: [closed('operation', POLICY_OPERATIONS), open('policy_set')] },
  subjectCacheSize: { family: 'authorization', name: 'am_authorization_policy_set_evaluate_subject_cache_size', kind: 'gauge', jsonId: 'authorization.policy-set.evaluate.subject-cache.size', source: 'AIC', help: 'Subject membership relationships held in the policy evaluation cache.', labels: [] },
  policyEvaluations: { family: 'authorization', name: 'am_authorization_policy_set_evaluate', kind: 'timer', jsonId: 'authorization.policy-set.{policy_set}.evaluate.{outcome}', source: 'AIC', help: 'Policy evaluations in a policy set, by outcome, and the time they took.', labels: [closed('outcome', SUCCESS_FAILURE), open('policy_set')] },
  policyActions: { family: 'authorization', name: 'am_authorization_policy_set_evaluate_action', kind: 'summary', jsonId: 'authorization.policy-set.{policy_set}.evaluate.action.{action_type}.{outcome}', source: 'AIC', help: 'Actions allowed or denied by policy evaluations in a policy set.', labels: [open('action_type'), closed('outcome', ALLOW_DENY), open('policy_set')] },
  policyAdvice: { family: 'authorization', name: 'am_authorization_policy_set_evaluate_advice', kind: 'summary', jsonId: 'authorization.policy-set.{policy_set}.evaluate.advice.{advice_type}', source: 'AIC', help: 'Advice types returned by policy evaluations in a policy set.', labels: [open('advice_type'), open('policy_set')] },

  denylistSearches: { family: 'denylist', name: 'am_blacklist_cts_search', kind: 'timer', jsonId: '{blacklist_type}.blacklist.cts.search.{outcome}', source: 'AIC', help: 'Searches of the CTS for denylist entries, by outcome, and the time they took.', labels: [closed('blacklist_type', DENYLIST_TYPES), closed('outcome', SUCCESS_FAILURE)] },
  denylistSearchResults: { family: 'denylist', name: 'am_blacklist_cts_search_result', kind: 'summary', jsonId: '{blacklist_type}.blacklist.cts.search.result', source: 'AIC', help: 'Denylist entries returned by CTS searches.', labels: [closed('blacklist_type', DENYLIST_TYPES)] },
  denylistBloomFilterChecks: { family: 'denylist', name: 'am_blacklist_bloomfilter_check', kind: 'summary', jsonId: '{blacklist_type}.blacklist.bloomfilter.check.{outcome}', source: 'AIC', help: 'Denylist checks made against the bloom filter, by outcome.', labels: [closed('blacklist_type', DENYLIST_TYPES), closed('outcome', SUCCESS_FAILURE)] },
  denylistCache: { family: 'denylist', name: 'am_blacklist_cache', kind: 'summary', jsonId: '{blacklist_type}.blacklist.cache.check.{outcome}', source: 'AIC', help: 'Hits and misses of the denylist cache layer.', labels: [closed('blacklist_type', DENYLIST_TYPES), closed('outcome', HIT_MISS)] },
  denylistChecks: { family: 'denylist', name: 'am_blacklist_check', kind: 'summary', jsonId: '{blacklist_type}.blacklist.check.{outcome}', source: 'AIC', help: 'Denylist checks, by whether the token was denylisted (true) or not (false).', labels: [closed('blacklist_type', DENYLIST_TYPES), closed('outcome', TRUE_FALSE)] },

  ctsTasks: { family: 'cts', name: 'am_cts_task', kind: 'timer', jsonId: 'cts.task.{token_type}.{operation}.{outcome}', source: 'AIC', help: 'CTS operations by operation, outcome and token type, and the time they took.', labels: [closed('operation', CTS_OPERATIONS), closed('outcome', SUCCESS_FAILURE), closed('token_type', CTS_TOKEN_TYPES)] },
  ctsPendingTasks: { family: 'cts', name: 'am_cts_task_pending', kind: 'gauge', jsonId: 'cts.task.{operation}.pending', source: 'AIC', help: 'CTS operations queued or in progress, by operation.', labels: [closed('operation', CTS_OPERATIONS)] },
  ctsConnections: { family: 'cts', name: 'am_cts_connection', kind: 'timer', jsonId: 'cts.connection.{outcome}', source: 'AM', help: 'Attempts to open a connection to the CTS store, by outcome, and the time they took.', labels: [closed('outcome', SUCCESS_FAILURE)] },
  ctsConnectionState: { family: 'cts', name: 'am_cts_connection_state', kind: 'gauge', jsonId: 'cts.connection.state.{status}', source: 'AM', help: 'CTS store connections handed out or waiting to be.', labels: [closed('status', CTS_CONNECTION_STATES)] },
  ctsReaperSearches: { family: 'cts', name: 'am_cts_reaper_search', kind: 'timer', jsonId: 'cts.reaper.search.{outcome}', source: 'AM', help: 'CTS reaper searches for expired tokens, by outcome, and the time they took.', labels: [closed('outcome', SUCCESS_FAILURE)] },
  ctsReaperDeletions: { family: 'cts', name: 'am_cts_reaper_deletion', kind: 'summary', jsonId: 'cts.reaper.{reaper_type}.{token_type}.deletion.{outcome}', source: 'AM', help: 'Expired tokens deleted by the CTS reaper, by outcome, reaper and token type.', labels: [closed('outcome', SUCCESS_FAILURE), closed('reaper_type', REAPER_TYPES), closed('token_type', REAPER_TOKEN_TYPES)] },
  ctsReaperCacheSize: { family: 'cts', name: 'am_cts_reaper_cache_size', kind: 'gauge', jsonId: 'cts.reaper.cache.size', source: 'AM', help: 'Tokens held in the CTS reaper cache.', labels: [] },
  ctsTaskQueueWait: { family: 'cts', name: 'am_cts_task_queue', kind: 'timer', jsonId: 'cts.task.queue', source: 'AM', help: 'Time CTS operations waited in the task queue (AM 7.2 and earlier).', labels: [] },
  ctsTaskQueueSize: { family: 'cts', name: 'am_cts_task_queue_size', kind: 'gauge', jsonId: 'cts.task.queue.size', source: 'AM', help: 'CTS operations waiting in the task queue (AM 7.2 and earlier).', labels: [] },

  oauth2Grants: { family: 'oauth2', name: 'am_oauth2_grant', kind: 'summary', jsonId: 'oauth2.grant.{grant_type}', source: 'AIC', help: 'OAuth 2.0 grants completed, by grant type.', labels: [closed('grant_type', GRANT_TYPES)] },
  oauth2GrantRevocations: { family: 'oauth2', name: 'am_oauth2_grant_revoke', kind: 'summary', jsonId: 'oauth2.grant.revoke', source: 'AIC', help: 'OAuth 2.0 grants revoked.', labels: [closed('grant_type', REVOKED_GRANT_TYPES)] },
  oauth2TokensIssued: { family: 'oauth2', name: 'am_oauth2_token_issue', kind: 'summary', jsonId: 'oauth2.token.{token_type}.issue', source: 'AIC', help: 'OAuth 2.0 tokens issued, by token type.', labels: [closed('token_type', OAUTH2_TOKEN_TYPES)] },
  oauth2TokensRevoked: { family: 'oauth2', name: 'am_oauth2_token_revoke', kind: 'summary', jsonId: 'oauth2.token.{token_type}.revoke', source: 'AIC', help: 'OAuth 2.0 access tokens revoked.', labels: [closed('token_type', REVOKED_TOKEN_TYPES)] },
  oauth2TokenReadsAsJwt: { family: 'oauth2', name: 'am_oauth2_token_read_as_jwt', kind: 'timer', jsonId: 'oauth2.token.read-as-jwt.{outcome}', source: 'AIC', help: 'OAuth 2.0 tokens read as JSON Web Tokens, by outcome, and the time it took.', labels: [closed('outcome', SUCCESS_FAILURE)] },

  sessionOperations: { family: 'session', name: 'am_session', kind: 'timer', jsonId: 'session.{session_type}.{operation}.{outcome}', source: 'AIC', help: 'Session operations by operation, outcome and session type, and the time they took; idle and max timeouts by session type.', labels: [closed('operation', SESSION_OPERATIONS), closed('outcome', SUCCESS_FAILURE), closed('session_type', SESSION_TYPES)] },
  sessionTimeouts: { family: 'session', name: 'am_session', kind: 'summary', jsonId: 'session.{session_type}.{operation}', source: 'AIC', help: 'Session operations by operation, outcome and session type, and the time they took; idle and max timeouts by session type.', labels: [closed('operation', SESSION_TIMEOUTS), closed('session_type', SESSION_TYPES)] },
  sessionLifetimes: { family: 'session', name: 'am_session_lifetime', kind: 'timer', jsonId: 'session.{session_type}.lifetime', source: 'AIC', help: 'How long sessions lived, by session type.', labels: [closed('session_type', SESSION_TYPES)] },
  sessionStoreSize: { family: 'session', name: 'am_session_store_size', kind: 'gauge', jsonId: 'session.{session_type}.store.size', source: 'AIC', help: 'Journey sessions held in the in-memory authentication session store.', labels: [closed('session_type', STORE_SESSION_TYPES)] },
  sessionCache: { family: 'session', name: 'am_session_cts_based_cache', kind: 'summary', jsonId: 'session.cts-based.cache.{outcome}', source: 'AIC', help: 'Hits and misses of the CTS-based session cache.', labels: [closed('outcome', HIT_MISS)] },
  sessionCacheEvictions: { family: 'session', name: 'am_session_cts_based_cache_eviction', kind: 'summary', jsonId: 'session.cts-based.cache.eviction', source: 'AIC', help: 'Sessions evicted from the CTS-based session cache.', labels: [] },
  sessionCacheSize: { family: 'session', name: 'am_session_cts_based_cache_size', kind: 'gauge', jsonId: 'session.cts-based.cache.size', source: 'AIC', help: 'Sessions held in the CTS-based session cache.', labels: [] },

  // AIC's "AM Prometheus metrics" page, section "Script cache metrics"
  // (https://docs.pingidentity.com/pingoneaic/am-reference/prometheus-metrics.html#ref-script-cache-metrics),
  // and PingAM 8.1's "Cache script values" page (am-scripting/cache-manager), "Monitor the cache usage".
  // Caffeine's cumulative cache statistics, which AM exposes as gauges. No dotted id is documented: the
  // ids are ours, in AM's style. `am_script_cache_load_count` is a gauge despite its `_count` suffix;
  // nothing here is a summary or timer `am_script_cache_load`, so the registry sees no clash.
  scriptCacheEvictions: { family: 'script', name: 'am_script_cache_eviction', kind: 'gauge', jsonId: 'script-cache.{realm}.{cache_name}.eviction', source: 'AIC-docs', help: 'Entries evicted from a script cache since it was created.', labels: [open('cache_name'), open('realm')] },
  scriptCacheHits: { family: 'script', name: 'am_script_cache_hit', kind: 'gauge', jsonId: 'script-cache.{realm}.{cache_name}.hit', source: 'AIC-docs', help: 'Lookups a script cache answered from its entries since it was created.', labels: [open('cache_name'), open('realm')] },
  scriptCacheInvalidations: { family: 'script', name: 'am_script_cache_invalidate', kind: 'gauge', jsonId: 'script-cache.{realm}.{cache_name}.invalidate', source: 'AIC-docs', help: 'Entries of a script cache invalidated one by one by scripts since it was created.', labels: [open('cache_name'), open('realm')] },
  scriptCacheInvalidateAlls: { family: 'script', name: 'am_script_cache_invalidate_all', kind: 'gauge', jsonId: 'script-cache.{realm}.{cache_name}.invalidate-all', source: 'AIC-docs', help: 'Times scripts invalidated every entry of a script cache since it was created.', labels: [open('cache_name'), open('realm')] },
  scriptCacheLoadFailures: { family: 'script', name: 'am_script_cache_load_failure', kind: 'gauge', jsonId: 'script-cache.{realm}.{cache_name}.load-failure', source: 'AIC-docs', help: 'Loads of a script cache entry that failed since the cache was created.', labels: [open('cache_name'), open('realm')] },
  scriptCacheLoadTime: { family: 'script', name: 'am_script_cache_load_time_seconds', kind: 'gauge', jsonId: 'script-cache.{realm}.{cache_name}.load-time', source: 'AIC-docs', help: 'Total time a script cache spent loading entries since it was created, in seconds.', labels: [open('cache_name'), open('realm')] },
  scriptCacheLoads: { family: 'script', name: 'am_script_cache_load_count', kind: 'gauge', jsonId: 'script-cache.{realm}.{cache_name}.load-count', source: 'AIC-docs', help: 'Loads of script cache entries, successful or not, since the cache was created.', labels: [open('cache_name'), open('realm')] },
  scriptCacheMemory: { family: 'script', name: 'am_script_cache_memory_bytes', kind: 'gauge', jsonId: 'script-cache.{realm}.{cache_name}.memory', source: 'AIC-docs', help: 'Estimated memory held by the entries of a script cache, in bytes.', labels: [open('cache_name'), open('realm')] },
  scriptCacheMisses: { family: 'script', name: 'am_script_cache_miss', kind: 'gauge', jsonId: 'script-cache.{realm}.{cache_name}.miss', source: 'AIC-docs', help: 'Lookups a script cache could not answer from its entries since it was created.', labels: [open('cache_name'), open('realm')] },
  scriptCacheSize: { family: 'script', name: 'am_script_cache_size', kind: 'gauge', jsonId: 'script-cache.{realm}.{cache_name}.size', source: 'AIC-docs', help: 'Entries held in a script cache.', labels: [open('cache_name'), open('realm')] },
} as const satisfies Readonly<Record<string, MetricSpec>>;

/** The catalogue as a list, for whatever needs every AM metric (install, dashboards, tests). */
export const CATALOG: readonly MetricSpec[] = Object.values(METRICS);
