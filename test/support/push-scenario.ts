// Fixed inputs for the push encoders' tests: one registry on a manual clock with one metric of each
// kind, collected twice a push interval apart, so delta and cumulative points both have known values.
import { Registry, type Collection } from '../../src/index.js';
import { ManualClock } from './manual-clock.js';

export const POD = 'am-75b55d85c8-gqw9l';
export const START_MS = Date.UTC(2026, 10, 26, 12);

export interface PushScenario {
  readonly registry: Registry;
  readonly clock: ManualClock;
  /** Taken 6.5 minutes after the start: 3 successful logins and 1 failure, 5 CTS creates, and so on. */
  readonly first: Collection;
  /** Taken 10 s later, after 2 more successful logins and one more CTS create. */
  readonly second: Collection;
}

export interface ScenarioOptions {
  /** Default START_MS; receivers want recent samples. */
  readonly startMs?: number;
  /** The `kubernetes_pod_name` resource label; default POD. */
  readonly pod?: string;
}

/** Builds the scenario. */
export async function pushScenario(options: ScenarioOptions = {}): Promise<PushScenario> {
  const clock = new ManualClock(options.startMs ?? START_MS);
  const registry = new Registry({ now: () => clock.now(), defaultLabels: { kubernetes_pod_name: options.pod ?? POD } });
  const logins = registry.summary({ name: 'am_authentication', help: 'Authentication journeys by outcome.', labelNames: ['outcome'] });
  const cts = registry.timer({ name: 'am_cts_task', help: 'CTS operations by outcome and token type.', labelNames: ['operation', 'outcome', 'token_type'] });
  const users = registry.distinctCounter({ name: 'am_authentication_unique_uuid', help: 'Unique identities that logged in.', labelNames: ['outcome'] });
  registry.gauge({ name: 'am_session_cts_based_cache_size', help: 'Sessions in the "CTS-based" session cache.', collect: () => 42 });
  const idle = registry.timer({ name: 'am_cts_connection', help: 'CTS connection attempts.', labelNames: ['outcome'] });
  // Fails on every collection, so the registry's own counter am_metrics_collect_errors counts 1, then 2.
  registry.gauge({ name: 'am_ldap_pool_size', help: 'LDAP connections in the pool.', collect: () => Promise.reject(new Error('LDAP down')) });

  idle.observe({ outcome: 'success' }, 0.002);
  clock.advance({ minutes: 6 });
  for (const outcome of ['success', 'success', 'success', 'failure'] as const) logins.record({ outcome });
  for (const user of ['alice', 'bob', 'alice', 'carol']) users.add({ outcome: 'success' }, user);
  for (const seconds of [0.004, 0.005, 0.006, 0.25]) cts.observe({ operation: 'create', outcome: 'success', token_type: 'session' }, seconds);
  cts.observe({ operation: 'read', outcome: 'failure', token_type: 'oauth2' }, 1.5);
  clock.advance({ seconds: 30 });
  const first = await registry.collect();
  logins.record({ outcome: 'success' });
  logins.record({ outcome: 'success' });
  cts.observe({ operation: 'create', outcome: 'success', token_type: 'session' }, 0.01);
  clock.advance({ seconds: 10 });
  const second = await registry.collect();
  return { registry, clock, first, second };
}
