import { describe, expect, it } from 'vitest';
import { Registry, type Collection, type CountSum } from '../../src/index.js';
import { apiRequestMetrics } from '../../src/metrics/api-request.js';
import { createAmMetrics } from '../../src/metrics/am-metrics.js';
import { StreamView, splitFrame } from '../../src/streams/stream-view.js';
import { ManualClock } from '../support/manual-clock.js';

function setup() {
  const clock = new ManualClock();
  const registry = new Registry({ now: () => clock.now(), defaultLabels: { kubernetes_pod_name: 'am-0' } });
  const am = createAmMetrics({ registry });
  const api = apiRequestMetrics(registry);
  const login = (clientId: string) => api.record({ api: 'AUTHENTICATION', operationName: 'POST /oauth/token', operationResult: 'SUCCESS', tenant: 'acme', clientId });
  return { registry, am, login };
}

const counts = (family: { series: readonly unknown[] } | undefined) => (family?.series as CountSum[]).map((s) => [s.labels, s.count]);

describe('StreamView', () => {
  it('keeps only subscribed families, and drops empty tags', async () => {
    const { registry, am, login } = setup();
    login('c1');
    am.authentication.outcome('success');
    am.cts.task({ operation: 'create', tokenType: 'session' }, 0.01, 'success');
    const view = new StreamView({ subscriptions: [{ metric_type: 'metrics_bridge.api_request' }, { metric_type: 'am.authentication' }] });
    const seen = view.apply(await registry.collect());
    expect(seen.families.map((f) => f.descriptor.name)).toEqual(['am_authentication', 'am_authentication_unique_uuid', 'auth0_api_request']);
    expect(seen.resource).toEqual({ kubernetes_pod_name: 'am-0' });
    expect(seen.families[2]?.series[0]?.labels).toEqual({
      api: 'AUTHENTICATION',
      operation_name: 'POST /oauth/token',
      operation_result: 'SUCCESS',
      tenant: 'acme',
      client_id: 'c1',
    });
  });

  it('adds up series that a deny list makes equal', async () => {
    const { registry, login } = setup();
    for (const client of ['c1', 'c2', 'c2']) login(client);
    const view = new StreamView({ subscriptions: [{ metric_type: 'metrics_bridge.api_request' }], tags: { deny: ['client_id', 'kubernetes_pod_name'] } });
    const seen = view.apply(await registry.collect());
    expect(seen.resource).toEqual({});
    expect(counts(seen.families[0])).toEqual([[{ api: 'AUTHENTICATION', operation_name: 'POST /oauth/token', operation_result: 'SUCCESS', tenant: 'acme' }, 3]]);
  });

  it('keeps only allowed tags', async () => {
    const { registry, login } = setup();
    login('c1');
    const view = new StreamView({ subscriptions: [{ metric_type: 'metrics_bridge.api_request' }], tags: { allow: ['operation_name'] } });
    expect(counts(view.apply(await registry.collect()).families[0])).toEqual([[{ operation_name: 'POST /oauth/token' }, 1]]);
  });

  it('folds series beyond its cap into an overflow series, keeping the ones it admitted first', async () => {
    const { registry, login } = setup();
    login('c1');
    login('c2');
    const view = new StreamView({ subscriptions: [{ metric_type: 'metrics_bridge.api_request' }], max_series: 2 });
    view.apply(await registry.collect());
    for (const client of ['c0', 'c3', 'c3', 'c1']) login(client);
    const seen = counts(view.apply(await registry.collect()).families[0]);
    expect(seen.map(([labels, count]) => [(labels as Record<string, string>).client_id, count])).toEqual([
      ['c1', 2],
      ['c2', 1],
      ['__overflow__', 3],
    ]);
  });

  it('adds up the buckets of timer histograms that a deny list makes equal', async () => {
    const registry = new Registry({ timerBuckets: true });
    const am = createAmMetrics({ registry });
    am.cts.task({ operation: 'create', tokenType: 'session' }, 0.01, 'success');
    am.cts.task({ operation: 'read', tokenType: 'session' }, 0.01, 'success');
    am.cts.task({ operation: 'read', tokenType: 'session' }, 2, 'success');
    const view = new StreamView({ subscriptions: [{ metric_type: 'am.cts' }], tags: { deny: ['operation'] } });
    const family = view.apply(await registry.collect()).families.find((f) => f.descriptor.name === 'am_cts_task_duration_seconds');
    expect(family?.kind).toBe('histogram');
    const [merged, ...rest] = family?.kind === 'histogram' ? family.series : [];
    expect(rest).toEqual([]);
    expect(merged?.count).toBe(3);
    expect(merged?.sum).toBeCloseTo(2.02, 12);
    const countAt = (le: number) => merged?.buckets.find((b) => b.le >= le)?.count;
    expect([countAt(0.01), countAt(2), countAt(Number.POSITIVE_INFINITY)]).toEqual([2, 3, 3]);
  });

  it('keeps counting a merged series from its total when one of the series it adds up is removed or starts over', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const logins = registry.summary({ name: 'am_authentication_by_client', help: 'Logins by client.', labelNames: ['client'] });
    const view = new StreamView({ subscriptions: [{ metric_type: 'am.authentication' }], tags: { deny: ['client'] } });
    const merged = async () => (view.apply(await registry.collect()).families[0]?.series as CountSum[]).map((s) => [s.count, s.startMs]);
    const start = clock.now();
    for (const client of ['c1', 'c1', 'c2', 'c2', 'c3']) logins.record({ client });
    expect(await merged()).toEqual([[5, start]]);
    clock.advance({ seconds: 1 });
    logins.remove({ client: 'c3' });
    logins.remove({ client: 'c2' });
    logins.record({ client: 'c2' }); // c2 starts over at 1
    logins.record({ client: 'c1' });
    expect(await merged()).toEqual([[7, start]]); // 5 before, 2 since: never down, so no receiver sees a reset
    clock.advance({ seconds: 1 });
    logins.record({ client: 'c1' });
    expect(await merged()).toEqual([[8, start]]);
  });

  it('starts a merged series over when every series it adds up started over', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const logins = registry.summary({ name: 'am_authentication_by_client', help: 'Logins by client.', labelNames: ['client'] });
    const view = new StreamView({ subscriptions: [{ metric_type: 'am.authentication' }], tags: { deny: ['client'] } });
    const merged = async () => (view.apply(await registry.collect()).families[0]?.series as CountSum[]).map((s) => [s.count, s.startMs]);
    for (const client of ['c1', 'c2', 'c2']) logins.record({ client });
    await merged();
    clock.advance({ seconds: 1 });
    registry.reset();
    logins.record({ client: 'c1' });
    expect(await merged()).toEqual([[1, clock.now()]]);
    clock.advance({ seconds: 1 });
    logins.remove({ client: 'c1' });
    logins.remove({ client: 'c2' });
    logins.record({ client: 'c2' });
    expect(await merged()).toEqual([[1, clock.now()]]);
  });

  it('splits a frame by series', async () => {
    const { registry, login } = setup();
    for (const client of ['c1', 'c2', 'c3']) login(client);
    const view = new StreamView({ subscriptions: [{ metric_type: 'metrics_bridge.api_request' }] });
    const current = view.apply(await registry.collect());
    const halves = splitFrame({ current, previous: undefined });
    expect(halves?.map((h) => h.current.families[0]?.series.length)).toEqual([1, 2]);
  });

  it('splits a frame into as many parts as asked, each series in exactly one, at most one part per series', async () => {
    const { registry, login } = setup();
    for (let i = 0; i < 10; i += 1) login(`c${i}`);
    const view = new StreamView({ subscriptions: [{ metric_type: 'metrics_bridge.api_request' }] });
    const frame = { current: view.apply(await registry.collect()), previous: undefined };
    const clients = (parts: { current: Collection }[] | undefined) => parts?.map((p) => p.current.families[0]!.series.map((s) => s.labels.client_id));
    const thirds = clients(splitFrame(frame, 3));
    expect(thirds?.map((part) => part.length)).toEqual([3, 3, 4]);
    expect(thirds?.flat()).toEqual(clients([frame])![0]);
    expect(splitFrame(frame, 50)).toHaveLength(10);
  });
});

describe('StreamView batch_seq', () => {
  it("adds Auth0's batch_seq:0 to api requests only for a Datadog stream that asks for it", async () => {
    const { registry, login, am } = setup();
    login('c1');
    am.authentication.outcome('success');
    const datadog = (batchSeq: boolean) => ({
      type: 'datadog' as const,
      configuration: { api_key: 'k', site: 'datadoghq.com', ...(batchSeq ? { batch_seq: true } : {}) },
    });
    const subscriptions = [{ metric_type: 'metrics_bridge.api_request' as const }, { metric_type: 'am.authentication' as const }];
    const withTag = new StreamView({ subscriptions, destination: datadog(true) }).apply(await registry.collect());
    expect(withTag.families.map((f) => f.series[0]?.labels.batch_seq)).toEqual([undefined, undefined, '0']);
    const without = new StreamView({ subscriptions, destination: datadog(false) }).apply(await registry.collect());
    expect(without.families.map((f) => f.series[0]?.labels.batch_seq)).toEqual([undefined, undefined, undefined]);
  });
});
