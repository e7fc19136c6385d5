import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES, InvalidLabelError, Registry, type CountSum } from '../../src/index.js';
import { ManualClock } from '../support/manual-clock.js';

// What prom-client users reach for first, on the exported Registry: contentType, getSingleMetric,
// metric.remove, reset and clear.
function setup() {
  const clock = new ManualClock();
  const registry = new Registry({ now: () => clock.now(), defaultLabels: { kubernetes_pod_name: 'am-0' } });
  const logins = registry.summary({ name: 'am_authentication', help: 'Logins', labelNames: ['outcome'] });
  return { clock, registry, logins };
}

async function summarySeries(registry: Registry): Promise<CountSum[]> {
  const { families } = await registry.collect();
  return families.flatMap((f) => (f.kind === 'summary' ? [...f.series] : []));
}

describe('Registry conveniences', () => {
  it('names the content type of metrics(): Prometheus text 0.0.4', () => {
    expect(new Registry().contentType).toBe(CONTENT_TYPES.prometheus);
    expect(new Registry().contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('finds a registered metric by name, the summary where a timer shares it, and nothing for other names', () => {
    const { registry, logins } = setup();
    registry.timer({ name: 'am_authentication', help: 'Timed logins', labelNames: ['outcome', 'realm'] });
    expect(registry.getSingleMetric('am_authentication')).toBe(logins);
    expect(registry.getSingleMetric('am_unknown')).toBeUndefined();
  });

  it('removes one series, says whether there was one, and restarts it afresh when recorded again', async () => {
    const { clock, registry, logins } = setup();
    const failures = logins.labels({ outcome: 'failure' });
    logins.record({ outcome: 'success' });
    failures.record();
    expect(logins.remove({ outcome: 'failure' })).toBe(true);
    expect(logins.remove({ outcome: 'failure' })).toBe(false);
    expect((await summarySeries(registry)).map((s) => s.labels.outcome)).toEqual(['success']);
    clock.advance({ minutes: 1 });
    failures.record();
    const revived = (await summarySeries(registry)).find((s) => s.labels.outcome === 'failure');
    expect(revived).toMatchObject({ count: 1, startMs: clock.now() });
  });

  it('refuses to remove by unknown labels and removes nothing then', async () => {
    const { registry, logins } = setup();
    logins.record({ outcome: 'success' });
    expect(() => logins.remove({ outcom: 'success' } as never)).toThrow(InvalidLabelError);
    expect(await summarySeries(registry)).toHaveLength(1);
  });

  it('resets every series to zero with its start time moved to now, keeping metrics and label sets', async () => {
    const { clock, registry, logins } = setup();
    logins.record({ outcome: 'success' }, 3);
    clock.advance({ minutes: 5 });
    registry.reset();
    expect(await summarySeries(registry)).toMatchObject([{ labels: { outcome: 'success' }, count: 0, sum: 0, startMs: clock.now() }]);
    logins.record({ outcome: 'success' });
    expect(await registry.metrics()).toContain('am_authentication_count{kubernetes_pod_name="am-0",outcome="success",} 1.0');
  });

  it('clears every metric: nothing is collected, and the name can be registered anew', async () => {
    const { registry, logins } = setup();
    logins.record({ outcome: 'success' });
    registry.clear();
    expect(await registry.metrics()).toBe('');
    expect(registry.getSingleMetric('am_authentication')).toBeUndefined();
    logins.record({ outcome: 'success' }); // a handle from before still records, unseen
    const again = registry.summary({ name: 'am_authentication', help: 'Logins, again', labelNames: ['outcome'] });
    expect(again).not.toBe(logins);
    expect(await registry.metrics()).toContain('# HELP am_authentication Logins, again');
  });
});
