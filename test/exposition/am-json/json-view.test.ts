import { describe, expect, it } from 'vitest';
import { Registry } from '../../../src/index.js';
import { ManualClock } from '../../support/manual-clock.js';
import { rawRequest, sampleRegistry, serve } from '../../server/helpers.js';

interface Entry {
  readonly _id: string;
  readonly _type: string;
  readonly [field: string]: unknown;
}
interface QueryResult {
  readonly result: readonly Entry[];
  readonly resultCount: number;
}

async function query(registry: Registry, search = ''): Promise<{ status: number; body: QueryResult & Record<string, unknown> }> {
  const server = await serve({ source: registry });
  const res = await rawRequest(`${server.url}/json/metrics/api${search}`);
  return { status: res.status, body: JSON.parse(res.body.toString()) };
}

describe('JSON metrics view', () => {
  it('answers as a CREST query with one entry per series', async () => {
    const { status, body } = await query(sampleRegistry());
    expect(status).toBe(200);
    expect(body).toMatchObject({ resultCount: 5, pagedResultsCookie: null, totalPagedResultsPolicy: 'NONE', totalPagedResults: -1, remainingPagedResults: -1 });
    expect(body.result.map((e) => [e._id, e._type])).toEqual([
      ['am_x.success', 'summary'],
      ['am_x.failure', 'summary'],
      ['am_t.create.success', 'timer'],
      ['am_g', 'gauge'],
      ['am_u.success', 'distinctCounter'],
    ]);
  });

  it('shows a summary with count, total and per-second rates', async () => {
    const { body } = await query(sampleRegistry());
    expect(body.result[0]).toEqual({
      _id: 'am_x.success',
      _type: 'summary',
      name: 'am_x',
      labels: { kubernetes_pod_name: 'am-0', outcome: 'success' },
      count: 3,
      total: 3,
      // 3 events over the 10 s the sample registry's clock moved. The moving averages are
      // moving-average.ts's business (and its tests'); here only their presence is checked.
      mean_rate: 0.3,
      m1_rate: expect.any(Number),
      m5_rate: expect.any(Number),
      m15_rate: expect.any(Number),
      rate_units: 'events/second',
    });
  });

  it('shows a timer in milliseconds, with quantiles p50 to p999', async () => {
    const { body } = await query(sampleRegistry(), '?prefix=am_t');
    const timer = body.result[0] as Record<string, number>;
    expect(timer).toMatchObject({ _type: 'timer', count: 2, total: 400, min: 100, max: 300, mean: 200, duration_units: 'milliseconds', rate_units: 'calls/second' });
    // Quantiles come from a sketch with 1% relative accuracy (decaying-quantiles.ts): 0.3 s reads 300 ± 3 ms.
    for (const field of ['p75', 'p95', 'p98', 'p99', 'p999']) expect(Math.abs(timer[field]! - 300)).toBeLessThanOrEqual(3);
    expect(Math.abs(timer.p50! - 100)).toBeLessThanOrEqual(1);
    expect(timer.mean_rate).toBeCloseTo(0.2, 10);
  });

  it('shows gauges and distinct counters as a value', async () => {
    const { body } = await query(sampleRegistry(), '?prefix=am_');
    expect(body.result.find((e) => e._id === 'am_g')).toMatchObject({ value: 42, labels: { kubernetes_pod_name: 'am-0' } });
    expect(body.result.find((e) => e._id === 'am_u.success')).toMatchObject({ value: 2 });
  });

  it('writes null, not NaN, for a timer whose window went idle', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    registry.timer({ name: 'am_idle', help: 'Idle.' }).observe({}, 0.5);
    clock.advance({ minutes: 20 });
    const { status, body } = await query(registry);
    expect(status).toBe(200);
    expect(body.result[0]).toMatchObject({ count: 1, total: 500, min: null, max: null, mean: null, p50: null, p999: null });
  });

  it('builds ids from label values in declared order, escaping dots and percent signs', async () => {
    const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } });
    registry.summary({ name: 'am_grant', help: 'Grants.', labelNames: ['realm', 'grant_type'] }).record({ grant_type: 'refresh', realm: 'a.b%c' });
    const { body } = await query(registry);
    expect(body.result[0]?._id).toBe('am_grant.a%2Eb%25c.refresh');
  });

  it.each([
    ['?_queryFilter=true', ['am_x.success', 'am_x.failure', 'am_t.create.success', 'am_g', 'am_u.success']],
    ['?_queryFilter=false', []],
    ['?_queryFilter=_id+sw+"am_x"', ['am_x.success', 'am_x.failure']],
    ['?_queryFilter=/_id%20sw%20%27am_t.%27', ['am_t.create.success']],
    ['?_queryFilter=_id+eq+"am_g"', ['am_g']],
    ['?_queryFilter=_id+co+"success"', ['am_x.success', 'am_t.create.success', 'am_u.success']],
    ['?_queryFilter=_id+SW+"am_u"', ['am_u.success']],
    ['?prefix=am_x.f', ['am_x.failure']],
    ['?prefix=am_x&_queryFilter=_id+co+"succ"', ['am_x.success']],
    ['?prefix=zzz', []],
  ])('filters %s', async (search, ids) => {
    const { status, body } = await query(sampleRegistry(), search);
    expect(status).toBe(200);
    expect(body.result.map((e) => e._id)).toEqual(ids);
    expect(body.resultCount).toBe(ids.length);
  });

  it.each(['?_queryFilter=name+eq+"am_x"', '?_queryFilter=_id+sw+am_x', '?_queryFilter=', '?_queryFilter=true+and+false'])(
    'answers 400 in CREST form to the unsupported filter %s',
    async (search) => {
      const { status, body } = await query(sampleRegistry(), search);
      expect(status).toBe(400);
      expect(body).toMatchObject({ code: 400, reason: 'Bad Request', message: expect.stringMatching(/^_queryFilter .* is not supported here/) });
    },
  );
});
