import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAmMetrics, Registry, InvalidLabelError, InvalidNameError, MetricConflictError, type AmMetrics } from '../../src/index.js';
import { ManualClock } from '../support/manual-clock.js';

afterEach(() => vi.unstubAllEnvs());

describe('createAmMetrics', () => {
  it.each([
    [{ KUBERNETES_POD_NAME: 'am-0', HOSTNAME: 'host-1' }, 'am-0'],
    [{ KUBERNETES_POD_NAME: undefined, HOSTNAME: 'host-1' }, 'host-1'],
    // Declared but empty (`env: - name: KUBERNETES_POD_NAME` without a value): skipped, as the CLI does.
    [{ KUBERNETES_POD_NAME: '', HOSTNAME: 'host-1' }, 'host-1'],
    // Blank counts as unset, as in the CLI.
    [{ KUBERNETES_POD_NAME: ' ', HOSTNAME: 'host-1' }, 'host-1'],
  ])('takes kubernetes_pod_name from the environment (%j)', async (env, expected) => {
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    const am = createAmMetrics();
    am.authentication.outcome('success');
    expect(await am.registry.metrics()).toContain(`am_authentication_count{kubernetes_pod_name="${expected}",outcome="success",} 1.0`);
  });

  it('puts the pod name on a registry it is given, unless the registry already has one', async () => {
    const plain = createAmMetrics({ registry: new Registry(), podName: 'am-1' });
    plain.oauth2.grant('refresh');
    expect(await plain.registry.metrics()).toContain('am_oauth2_grant_count{grant_type="refresh",kubernetes_pod_name="am-1",} 1.0');
    const labelled = createAmMetrics({ registry: new Registry({ defaultLabels: { kubernetes_pod_name: 'am-2' } }), podName: 'ignored' });
    labelled.oauth2.grant('refresh');
    expect(await labelled.registry.metrics()).toContain('am_oauth2_grant_count{grant_type="refresh",kubernetes_pod_name="am-2",} 1.0');
  });

  it('leaves kubernetes_pod_name out when podName is null, as self-hosted AM does', async () => {
    vi.stubEnv('KUBERNETES_POD_NAME', 'am-env');
    const am = createAmMetrics({ podName: null });
    am.authentication.outcome('success');
    const text = await am.registry.metrics();
    expect(text).toContain('am_authentication_count{outcome="success",} 1.0');
    expect(text).not.toContain('kubernetes_pod_name');
    const onRegistry = createAmMetrics({ registry: new Registry(), podName: null });
    onRegistry.oauth2.grant('refresh');
    expect(await onRegistry.registry.metrics()).toContain('am_oauth2_grant_count{grant_type="refresh",} 1.0');
  });

  it('returns the same recorders when installed twice on one registry', () => {
    const registry = new Registry();
    expect(createAmMetrics({ registry })).toBe(createAmMetrics({ registry }));
  });

  it('refuses a clock together with a registry, and a registry holding a clashing metric', () => {
    expect(() => createAmMetrics({ registry: new Registry(), now: () => 0 })).toThrow(InvalidNameError);
    const registry = new Registry();
    registry.gauge({ name: 'am_authentication_count', help: 'clash' });
    expect(() => createAmMetrics({ registry })).toThrow(MetricConflictError);
  });

  describe('timing operations', () => {
    it('records success when the operation resolves and failure when it throws, passing results through', async () => {
      const clock = new ManualClock();
      const am = createAmMetrics({ podName: 'am-0', now: () => clock.now() });
      const task = { operation: 'read', tokenType: 'session' } as const;
      const value = await am.cts.timeTask(task, async () => {
        clock.advance({ ms: 40 });
        return 'token';
      });
      const error = new Error('LDAP unavailable');
      await expect(
        am.cts.timeTask(task, () => {
          clock.advance({ ms: 10 });
          throw error;
        }),
      ).rejects.toBe(error);
      expect(value).toBe('token');
      const text = await am.registry.metrics();
      expect(text).toContain('am_cts_task_seconds_sum{kubernetes_pod_name="am-0",operation="read",outcome="success",token_type="session",} 0.04');
      expect(text).toContain('am_cts_task_count{kubernetes_pod_name="am-0",operation="read",outcome="failure",token_type="session",} 1.0');
    });

    // A label refused only after the operation would turn its success into an error (a CTS write done,
    // its caller told it failed) or hide its own error: a JavaScript caller can pass anything.
    it.each([
      ['cts.timeTask', (am: AmMetrics, run: () => string) => am.cts.timeTask({ operation: 'read', tokenType: 'sessions' as never }, run)],
      ['session.timeOperation', (am: AmMetrics, run: () => string) => am.session.timeOperation({ operation: 'create', sessionType: 7 as never }, run)],
      ['denylist.timeCtsSearch', (am: AmMetrics, run: () => string) => am.denylist.timeCtsSearch('tokens' as never, run)],
      ['authorization.timeEvaluation', (am: AmMetrics, run: () => string) => am.authorization.timeEvaluation(null as never, run)],
    ])('%s refuses a bad label before running the operation', async (_name, time) => {
      const am = createAmMetrics({ podName: 'am-0' });
      const run = vi.fn(() => 'done');
      await expect(time(am, run)).rejects.toThrow(InvalidLabelError);
      expect(run).not.toHaveBeenCalled();
      expect(await am.registry.metrics()).not.toMatch(/_seconds_count\{/);
    });

    it('counts a search returning a million denylist entries in one step', async () => {
      const am = createAmMetrics({ podName: 'am-0' });
      am.denylist.searchResults('oauth2', 1_000_000);
      expect(await am.registry.metrics()).toContain('am_blacklist_cts_search_result_count{blacklist_type="oauth2",kubernetes_pod_name="am-0",} 1000000.0');
      expect(() => am.denylist.searchResults('oauth2', -3)).toThrow(/value -3 is not a valid number of events/);
    });

    it('counts a CTS operation as pending while it runs', async () => {
      const am = createAmMetrics({ podName: 'am-0' });
      let release: () => void = () => undefined;
      const running = am.cts.timeTask({ operation: 'create', tokenType: 'session' }, () => new Promise<void>((resolve) => (release = resolve)));
      expect(await am.registry.metrics()).toContain('am_cts_task_pending{kubernetes_pod_name="am-0",operation="create",} 1.0');
      release();
      await running;
      expect(await am.registry.metrics()).toContain('am_cts_task_pending{kubernetes_pod_name="am-0",operation="create",} 0.0');
    });
  });

  it('reads host-owned sizes at scrape time', async () => {
    const am = createAmMetrics({ podName: 'am-0' });
    const cache = new Map<string, string>();
    am.session.cacheSize.track(() => cache.size);
    cache.set('a', 'session');
    expect(await am.registry.metrics()).toContain('am_session_cts_based_cache_size{kubernetes_pod_name="am-0",} 1.0');
    cache.set('b', 'session');
    expect(await am.registry.metrics()).toContain('am_session_cts_based_cache_size{kubernetes_pod_name="am-0",} 2.0');
  });

  it('counts each unique user once and only on success', async () => {
    const am = createAmMetrics({ podName: 'am-0' });
    for (const user of ['alice', 'bob', 'alice', 'alice']) am.authentication.login('success', user);
    am.authentication.login('failure', 'mallory');
    const text = await am.registry.metrics();
    expect(text).toContain('am_authentication_unique_uuid{kubernetes_pod_name="am-0",outcome="success",} 2.0');
    expect(text).toContain('am_authentication_count{kubernetes_pod_name="am-0",outcome="success",} 4.0');
  });

  // AIC serves the failure series at 0.0 before any failure; a series that first appears with the first
  // failure after a restart is invisible to rate() and increase(), and so to the failure-ratio alerts.
  it('serves every authentication outcome at 0 before its first journey, and after a reset', async () => {
    const am = createAmMetrics({ podName: 'am-0' });
    const zeros = ['success', 'failure', 'timeout'].map((outcome) => `am_authentication_count{kubernetes_pod_name="am-0",outcome="${outcome}",} 0.0`);
    for (const line of zeros) expect(await am.registry.metrics()).toContain(line);
    am.authentication.outcome('failure');
    expect(await am.registry.metrics()).toContain('am_authentication_count{kubernetes_pod_name="am-0",outcome="failure",} 1.0');
    am.registry.reset();
    for (const line of zeros) expect(await am.registry.metrics()).toContain(line);
  });
});
