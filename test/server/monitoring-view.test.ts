import { describe, expect, it } from 'vitest';
import { createAmMetrics, type AmMetrics } from '../../src/index.js';
import { monitoringView, type FamilyView } from '../../src/metrics/page/monitoring-view.js';
import { ManualClock } from '../support/manual-clock.js';

function amOnManualClock(): { am: AmMetrics; clock: ManualClock } {
  const clock = new ManualClock();
  return { am: createAmMetrics({ podName: 'am-0', now: () => clock.now() }), clock };
}

async function familyOf(am: AmMetrics, family: string): Promise<FamilyView> {
  const { families } = await am.registry.collect();
  const view = monitoringView(families).families.find((f) => f.family === family);
  if (view === undefined) throw new Error(`no ${family} in the view`);
  return view;
}

describe('monitoringView', () => {
  it('has one section per AM family, in catalogue order', async () => {
    const { am } = amOnManualClock();
    const { families } = await am.registry.collect();
    expect(monitoringView(families).families.map((f) => f.family)).toEqual(['authentication', 'authorization', 'denylist', 'cts', 'oauth2', 'session']);
  });

  it('shows no traffic, not an error, before anything was recorded', async () => {
    const { am } = amOnManualClock();
    expect(await familyOf(am, 'authentication')).toEqual({
      family: 'authentication',
      title: 'Authentication',
      // Every outcome's series exists from the start (as in AIC), at 0.
      rates: {
        metric: 'am_authentication',
        label: 'outcome',
        unit: 'logins/s',
        total: 0,
        groups: ['success', 'failure', 'timeout'].map((value) => ({ value, perSecond: 0 })),
      },
      latency: null,
    });
    expect((await familyOf(am, 'cts')).latency).toEqual({ metric: 'am_cts_task', labels: {}, p50: null, p95: null, p99: null });
  });

  it('sums 1-minute rates by the grouping label, in the catalogue order of its values', async () => {
    const { am, clock } = amOnManualClock();
    // 6 reads and 3 creates over one 5 s tick of the moving averages, on two token types each.
    for (let i = 0; i < 3; i += 1) {
      am.cts.task({ operation: 'read', tokenType: 'session' }, 0.002, 'success');
      am.cts.task({ operation: 'read', tokenType: 'oauth2' }, 0.002, 'success');
      am.cts.task({ operation: 'create', tokenType: i === 0 ? 'session' : 'oauth2' }, 0.004, 'success');
    }
    clock.advance({ seconds: 5 });
    const { rates } = await familyOf(am, 'cts');
    // The first tick sets the 1-minute average to the instant rate (events / 5 s), as Dropwizard does.
    expect(rates.groups).toEqual([
      { value: 'create', perSecond: expect.closeTo(3 / 5, 10) },
      { value: 'read', perSecond: expect.closeTo(6 / 5, 10) },
    ]);
    expect(rates.total).toBeCloseTo(9 / 5, 10);
  });

  it('reports the latency of the busiest series of the main timer, in milliseconds, without the pod label', async () => {
    const { am, clock } = amOnManualClock();
    for (let i = 0; i < 10; i += 1) am.cts.task({ operation: 'read', tokenType: 'session' }, 0.01, 'success');
    am.cts.task({ operation: 'create', tokenType: 'session' }, 2, 'success');
    clock.advance({ seconds: 5 });
    const { latency } = await familyOf(am, 'cts');
    expect(latency?.labels).toEqual({ operation: 'read', outcome: 'success', token_type: 'session' });
    // Quantiles come from a sketch with 1% relative accuracy (decaying-quantiles.ts): 10 ms reads 10 ± 0.1.
    for (const q of [latency?.p50, latency?.p95, latency?.p99]) expect(Math.abs((q ?? NaN) - 10)).toBeLessThanOrEqual(0.1);
  });

  it('tells the session timer from the session timeouts sharing its name', async () => {
    const { am, clock } = amOnManualClock();
    am.session.timeout('idle-timeout', 'cts-based');
    am.session.operation({ operation: 'validate', sessionType: 'cts-based' }, 0.003, 'success');
    clock.advance({ seconds: 5 });
    const session = await familyOf(am, 'session');
    expect(session.rates.groups.map((g) => g.value)).toEqual(['validate']);
    expect(session.latency?.labels).toMatchObject({ operation: 'validate' });
  });
});
