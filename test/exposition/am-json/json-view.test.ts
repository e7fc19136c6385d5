import { describe, expect, it } from 'vitest';
import { amJsonIds, createAmMetrics, Registry, type AmMetrics, type Collection } from '../../../src/index.js';
import type { StartServerOptions } from '../../../src/server.js';
import { ManualClock } from '../../support/manual-clock.js';
import { recordEvent } from '../../support/am-events.js';
import { expectToMatchFixture } from '../../support/fixtures.js';
import { referenceCatalogue } from '../../support/reference.js';
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

type Source = StartServerOptions['source'];

async function get(
  source: Source,
  path: string,
  options: Partial<StartServerOptions> = {},
): Promise<{ status: number; text: string; body: QueryResult & Record<string, unknown> }> {
  const server = await serve({ source, ...options });
  const res = await rawRequest(`${server.url}${path}`);
  const text = res.body.toString();
  return { status: res.status, text, body: JSON.parse(text) };
}

function query(registry: Source, search = '', options: Partial<StartServerOptions> = {}) {
  return get(registry, `/json/metrics/api${search}`, options);
}

/** Every catalogue metric recorded once on a fixed clock, as the Prometheus golden file has them. */
async function oneOfEach(): Promise<AmMetrics> {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 12));
  const am = createAmMetrics({ podName: 'am-0', now: () => clock.now() });
  for (const metric of referenceCatalogue()) await recordEvent(am, metric);
  clock.advance({ seconds: 10 });
  return am;
}

const AM_IDS = { jsonIds: amJsonIds };

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

  it("shows a summary with AM's fields: count, total, per-second rates and units", async () => {
    const { body, text } = await query(sampleRegistry());
    expect(body.result[0]).toEqual({
      _id: 'am_x.success',
      _type: 'summary',
      count: 3,
      total: 3,
      // The moving averages are moving-average.ts's business (and its tests'); here only their presence.
      m1_rate: expect.any(Number),
      m5_rate: expect.any(Number),
      m15_rate: expect.any(Number),
      // 3 events over the 10 s the sample registry's clock moved.
      mean_rate: 0.3,
      units: 'events/second',
      name: 'am_x',
      labels: { kubernetes_pod_name: 'am-0', outcome: 'success' },
    });
    // Java's numbers: a double total reads 3.0, a long count 3.
    expect(text).toContain('{"_id":"am_x.success","_type":"summary","count":3,"total":3.0,');
  });

  it('shows a timer in milliseconds, with stddev and quantiles p50 to p999', async () => {
    const { body } = await query(sampleRegistry(), '?prefix=am_t');
    const timer = body.result[0] as Record<string, number>;
    expect(timer).toMatchObject({ _type: 'timer', count: 2, total: 400, min: 100, max: 300, mean: 200, duration_units: 'milliseconds', rate_units: 'calls/second' });
    // Quantiles and the deviation come from a sketch with 1% relative accuracy (decaying-quantiles.ts):
    // 0.3 s reads 300 ± 3 ms; the deviation of {100, 300} ms is 100 ms, within 1% of their RMS (224 ms).
    for (const field of ['p75', 'p95', 'p98', 'p99', 'p999']) expect(Math.abs(timer[field]! - 300)).toBeLessThanOrEqual(3);
    expect(Math.abs(timer.p50! - 100)).toBeLessThanOrEqual(1);
    expect(Math.abs(timer.stddev! - 100)).toBeLessThanOrEqual(2.24);
    expect(timer.mean_rate).toBeCloseTo(0.2, 10);
    expect(Object.keys(timer).slice(0, 18)).toEqual([
      '_id',
      '_type',
      'count',
      'total',
      'min',
      'max',
      'mean',
      'stddev',
      'p50',
      'p75',
      'p95',
      'p98',
      'p99',
      'p999',
      'm1_rate',
      'm5_rate',
      'm15_rate',
      'mean_rate',
    ]);
  });

  it('shows gauges and distinct counters as a value', async () => {
    const { body, text } = await query(sampleRegistry(), '?prefix=am_');
    expect(body.result.find((e) => e._id === 'am_g')).toMatchObject({ value: 42, labels: { kubernetes_pod_name: 'am-0' } });
    expect(body.result.find((e) => e._id === 'am_u.success')).toMatchObject({ value: 2 });
    expect(text).toContain('"value":42,');
  });

  it('writes null, not NaN, for a timer whose window went idle', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    registry.timer({ name: 'am_idle', help: 'Idle.' }).observe({}, 0.5);
    clock.advance({ minutes: 20 });
    const { status, body } = await query(registry);
    expect(status).toBe(200);
    expect(body.result[0]).toMatchObject({ count: 1, total: 500, min: null, max: null, mean: null, stddev: null, p50: null, p999: null });
  });

  it('writes numbers as Java does: E-notation below 10^-3 and from 10^7', async () => {
    const registry = new Registry();
    registry.timer({ name: 'am_fast', help: 'Fast.' }).observe({}, 0.0000005);
    registry.gauge({ name: 'am_big', help: 'Big.' }).set({}, 12113019.5);
    const { text } = await query(registry);
    expect(text).toContain('"total":5.0E-4,');
    expect(text).toContain('"value":1.21130195E7,');
  });

  it('builds default ids from label values in declared order, escaping dots, slashes and percent signs', async () => {
    const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } });
    registry.summary({ name: 'am_grant', help: 'Grants.', labelNames: ['realm', 'grant_type'] }).record({ grant_type: 'refresh', realm: 'a.b%c/d' });
    const { body } = await query(registry);
    expect(body.result[0]?._id).toBe('am_grant.a%2Eb%25c%2Fd.refresh');
  });

  it.each([
    ['?_queryFilter=true', ['am_x.success', 'am_x.failure', 'am_t.create.success', 'am_g', 'am_u.success']],
    ['?_queryFilter=false', []],
    ['?_queryFilter=_id+sw+"am_x"', ['am_x.success', 'am_x.failure']],
    ['?_queryFilter=/_id%20sw%20%27am_t.%27', ['am_t.create.success']],
    ['?_queryFilter=_id+eq+"am_g"', ['am_g']],
    ['?_queryFilter=_id+co+"success"', ['am_x.success', 'am_t.create.success', 'am_u.success']],
    ['?_queryFilter=_id+SW+"am_u"', ['am_u.success']],
    ['?_queryFilter=_type+eq+"summary"+and+!(_id+co+"fail")', ['am_x.success']],
    ['?_queryFilter=_id+eq+"am_g"+or+_type+eq+"timer"', ['am_t.create.success', 'am_g']],
    ['?prefix=am_x.f', ['am_x.failure']],
    ['?prefix=am_x&_queryFilter=_id+co+"succ"', ['am_x.success']],
    ['?prefix=zzz', []],
    // CREST matches parameter names whatever their case, as AM does.
    ['?_QueryFilter=_id+sw+"am_x"', ['am_x.success', 'am_x.failure']],
    ['?_queryfilter=false', []],
  ])('filters %s', async (search, ids) => {
    const { status, body } = await query(sampleRegistry(), search);
    expect(status).toBe(200);
    expect(body.result.map((e) => e._id)).toEqual(ids);
    expect(body.resultCount).toBe(ids.length);
  });

  it.each([
    ['?_queryFilter=name+gt+"am_x"', /^_queryFilter "name gt \\"am_x\\"" is not supported here: operator "gt"/],
    ['?_queryFilter=_id+sw+am_x', /^_queryFilter .* is not supported here: expected a quoted string/],
    ['?_queryFilter=', /^_queryFilter "" is not supported here: it is empty/],
    ['?_queryFilter=true+and', /^_queryFilter .* is not supported here/],
    ['?_pageSize=-1', /^_pageSize "-1" is not a whole number/],
    ['?_pagedResultsOffset=x', /^_pagedResultsOffset "x" is not a whole number/],
    ['?_totalPagedResultsPolicy=ALL', /^_totalPagedResultsPolicy "ALL" is not NONE, EXACT or ESTIMATE/],
    ['?_sortKeys=_id', /^_sortKeys is not supported here/],
    ['?_SORTKEYS=_id', /^_sortKeys is not supported here/],
    // CREST refuses a single-valued parameter given twice rather than pick one.
    ['?_queryFilter=true&_queryFilter=false', /^_queryFilter is given 2 times; it takes one value/],
    ['?_pageSize=1&_PAGESIZE=2', /^_pageSize is given 2 times; it takes one value/],
  ])('answers 400 in CREST form to %s', async (search, message) => {
    const { status, body } = await query(sampleRegistry(), search);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 400, reason: 'Bad Request', message: expect.stringMatching(message) });
  });

  it('keeps only the fields _fields names, and always _id', async () => {
    const { body } = await query(sampleRegistry(), '?_fields=count,labels/outcome,nothing&_queryFilter=_id+sw+"am_x"');
    expect(body.result).toEqual([
      { _id: 'am_x.success', count: 3, labels: { outcome: 'success' } },
      { _id: 'am_x.failure', count: 1, labels: { outcome: 'failure' } },
    ]);
  });

  it('keeps the fields of every _fields parameter, as CREST does', async () => {
    const { body } = await query(sampleRegistry(), '?_fields=count&_Fields=labels/outcome&_queryFilter=_id+eq+"am_x.failure"');
    expect(body.result).toEqual([{ _id: 'am_x.failure', count: 1, labels: { outcome: 'failure' } }]);
  });

  it('pages with _pageSize and _pagedResultsOffset, handing back a cookie while entries remain', async () => {
    const registry = sampleRegistry();
    const first = await query(registry, '?_pageSize=2&_totalPagedResultsPolicy=EXACT');
    expect(first.body.result.map((e) => e._id)).toEqual(['am_x.success', 'am_x.failure']);
    expect(first.body).toMatchObject({ resultCount: 2, pagedResultsCookie: '2', totalPagedResultsPolicy: 'EXACT', totalPagedResults: 5 });
    const second = await query(registry, `?_pageSize=2&_pagedResultsCookie=${first.body.pagedResultsCookie as string}`);
    expect(second.body.result.map((e) => e._id)).toEqual(['am_t.create.success', 'am_g']);
    expect(second.body).toMatchObject({ pagedResultsCookie: '4', totalPagedResults: -1 });
    const last = await query(registry, '?_pageSize=2&_pagedResultsOffset=4');
    expect(last.body.result.map((e) => e._id)).toEqual(['am_u.success']);
    expect(last.body.pagedResultsCookie).toBeNull();
    expect((await query(registry, '?_pagedResultsOffset=3')).body.result.map((e) => e._id)).toEqual(['am_g', 'am_u.success']);
  });

  // Reaching `am_grant.a%2Eb%25c%2Fd.refresh` took `a%252Eb%2525c%252Fd`: the id encoded again.
  it.each([
    ['the _id as the view writes it', 'am_grant.a%2Eb%25c%2Fd.refresh', 'am_grant.a%2Eb%25c%2Fd.refresh'],
    ['another spelling of the same pieces', '%61m_grant.a%2eb%25c%2fd.refresh', 'am_grant.a%2Eb%25c%2Fd.refresh'],
    ['literal dots, which separate pieces', 'am_grant.a.b%2Erefresh', 'am_grant.a.b%2Erefresh'],
  ])('answers GET /json/metrics/api/<id> for %s, decoding the segment once as CREST does', async (_spelling, segment, id) => {
    const registry = new Registry();
    const grants = registry.summary({ name: 'am_grant', help: 'Grants.', labelNames: ['realm', 'grant_type'] });
    grants.record({ realm: 'a.b%c/d', grant_type: 'refresh' });
    grants.record({ realm: 'a', grant_type: 'b.refresh' });
    const { status, body } = await get(registry, `/json/metrics/api/${segment}`);
    expect(status).toBe(200);
    expect(body._id).toBe(id);
  });

  it('answers 404 for an _id encoded twice, which names label values holding percent signs', async () => {
    const registry = new Registry();
    registry.summary({ name: 'am_grant', help: 'Grants.', labelNames: ['realm'] }).record({ realm: 'a.b' });
    const { status, body } = await get(registry, `/json/metrics/api/${encodeURIComponent('am_grant.a%2Eb')}`);
    expect(status).toBe(404);
    expect(body).toMatchObject({ message: "Resource 'am_grant.a%252Eb' not found" });
  });

  it('answers GET /json/metrics/api/<id> with that entry, and _fields', async () => {
    const { status, body } = await get(sampleRegistry(), '/json/metrics/api/am_t.create.success');
    expect(status).toBe(200);
    expect(body).toMatchObject({ _id: 'am_t.create.success', _type: 'timer', count: 2 });
    expect((await get(sampleRegistry(), '/json/metrics/api/am_x.failure?_fields=count')).body).toEqual({ _id: 'am_x.failure', count: 1 });
  });

  it('answers 404 in CREST form for an unknown id', async () => {
    const { status, body } = await get(sampleRegistry(), '/json/metrics/api/am_x.nothing');
    expect(status).toBe(404);
    expect(body).toEqual({ code: 404, reason: 'Not Found', message: "Resource 'am_x.nothing' not found" });
  });
});

describe("JSON metrics view with AM's ids (amJsonIds)", () => {
  it('lists every catalogue metric under its dotted id, as the golden file has it', async () => {
    const { status, text } = await query(await oneOfEach(), '?_queryFilter=true', AM_IDS);
    expect(status).toBe(200);
    // The bytes as served (Java's numbers included), one entry per line so a diff reads.
    expectToMatchFixture(`${text.replace(/\},\{"_id"/g, '},\n{"_id"')}\n`, 'exposition/am-catalogue.json-view.json');
  });

  it.each([
    ['cts-family', '/json/metrics/api?_queryFilter=_id+sw+%22cts%22&_fields=_type,count,labels/operation,labels/outcome,labels/token_type'],
    ['one-timer', '/json/metrics/api/session.authentication-client-based.check-exists.success'],
    [
      'paged',
      '/json/metrics/api?_queryFilter=_id+sw+%22oauth2.%22+and+!(_type+eq+%22timer%22)&_pageSize=2&_pagedResultsOffset=1&_totalPagedResultsPolicy=EXACT&_fields=count,total,units',
    ],
  ])('answers %s (%s) as the golden file has it', async (name, path) => {
    const { status, text } = await get(await oneOfEach(), path, AM_IDS);
    expect(status).toBe(200);
    expectToMatchFixture(`${text.replace(/\},\{"_id"/g, '},\n{"_id"')}\n`, `exposition/am-catalogue.json-view.${name}.json`);
  });

  it('selects the CTS family with AM\'s documented _queryFilter=_id sw "cts"', async () => {
    const { body } = await query(await oneOfEach(), '?_queryFilter=_id+sw+%22cts%22', AM_IDS);
    expect(body.result.length).toBeGreaterThan(0);
    expect(new Set(body.result.map((e) => e.name))).toEqual(
      new Set([
        'am_cts_task',
        'am_cts_task_pending',
        'am_cts_connection',
        'am_cts_connection_state',
        'am_cts_reaper_search',
        'am_cts_reaper_deletion',
        'am_cts_reaper_cache_size',
        'am_cts_task_queue',
        'am_cts_task_queue_size',
      ]),
    );
  });

  it("answers one entry by AM's id, as AM's example names it", async () => {
    const clock = new ManualClock();
    const am = createAmMetrics({ podName: 'am-0', now: () => clock.now() });
    am.session.operation({ operation: 'get-matching-sessions', sessionType: 'authentication-client-based' }, 0.002, 'failure');
    const { status, body } = await get(am, '/json/metrics/api/session.authentication-client-based.get-matching-sessions.failure', AM_IDS);
    expect(status).toBe(200);
    expect(body).toMatchObject({ _type: 'timer', count: 1, total: 2, name: 'am_session' });
  });

  it('keeps the default id for metrics outside the catalogue', async () => {
    const am = createAmMetrics({ podName: 'am-0' });
    am.registry.summary({ name: 'custom_logins', help: 'Custom.', labelNames: ['realm'] }).record({ realm: 'alpha' });
    const { body } = await query(am, '?_queryFilter=_id+sw+%22custom%22', AM_IDS);
    expect(body.result.map((e) => e._id)).toEqual(['custom_logins.alpha']);
  });
});

/** A collection of `count` timer series `am_op{client="c<i>"}`, made once per test. */
async function largeCollection(count: number): Promise<Collection> {
  const registry = new Registry({ maxSeriesPerMetric: count });
  const timer = registry.timer({ name: 'am_op', help: 'Operations.', labelNames: ['client'] });
  for (let i = 0; i < count; i += 1) timer.observe({ client: `c${i}` }, i / count);
  return registry.collect();
}

describe('JSON metrics view of a large registry', () => {
  it.each(['/json/metrics/api?_queryFilter=_id+eq+"am_op.c9999"', '/json/metrics/api/am_op.c9999'])(
    'lets the exporter answer other requests while it builds %s',
    async (path) => {
      const collection = await largeCollection(10_000);
      // The collection is ready at once, so what is left is building the view: /health, asked once the
      // view's request has reached its collection, is answered first only if that work lets it in.
      let reached = (): void => {};
      const isReached = new Promise<void>((resolve) => (reached = resolve));
      const server = await serve({ source: { collect: () => (reached(), Promise.resolve(collection)) } });
      const finished: string[] = [];
      const view = rawRequest(`${server.url}${path}`).then((res) => (finished.push('view'), res));
      await isReached;
      const health = rawRequest(`${server.url}/health`).then(() => finished.push('health'));
      const [res] = await Promise.all([view, health]);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toMatchObject(path.includes('_queryFilter') ? { resultCount: 1 } : { _id: 'am_op.c9999' });
      expect(finished).toEqual(['health', 'view']);
    },
  );

  it.each(['/json/metrics/api', '/json/metrics/api/am_op.nothing'])('stops building %s once its client hangs up', async (path) => {
    const collection = await largeCollection(10_000);
    // Every entry asks jsonIds for its id, so the calls count the entries built.
    let built = 0;
    let started = (): void => {};
    const isStarted = new Promise<void>((resolve) => (started = resolve));
    const jsonIds = (): undefined => {
      if ((built += 1) === 1) started();
      return undefined;
    };
    const logged: string[] = [];
    const server = await serve({ source: { collect: () => Promise.resolve(collection) }, jsonIds, logger: (line) => logged.push(line) });
    const client = new AbortController();
    rawRequest(`${server.url}${path}`, { signal: client.signal }).catch(() => undefined);
    await isStarted;
    client.abort();
    // Once the count stops moving, the build has ended, finished or not.
    let last = -1;
    while (built !== last) {
      last = built;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(built).toBeLessThan(10_000);
    expect(logged).toEqual([]);
  });
});
