// The delivery loop against scripted destinations: time moves only through a ManualClock, and a fake
// transport answers as a real receiver would (accepts, refuses, stalls), so outages take no real time.
import { describe, expect, it, vi } from 'vitest';
import { Registry } from '../../src/index.js';
import { apiRequestMetrics, type ApiRequest } from '../../src/metrics/api-request.js';
import { Delivery, DEFAULT_MAX_REQUEST_BYTES, MAX_FRAMES_PER_BATCH } from '../../src/streams/delivery.js';
import type { DestinationEncoder } from '../../src/streams/encoder.js';
import { DEFAULT_ENCODERS } from '../../src/streams/stream-encoders.js';
import { retryAfterMs } from '../../src/streams/retry-policy.js';
import type { MetricStream, StreamHealth } from '../../src/streams/resource.js';
import type { OutgoingRequest, Transport, TransportResponse } from '../../src/streams/transport.js';
import { ManualClock } from '../support/manual-clock.js';
import { decode, testEncoder, type TestPoint } from './test-encoder.js';

type Answer = TransportResponse | 'stall' | 'refuse';

/** A receiver answering from a script (then 200), keeping the points of accepted requests. */
class ScriptedReceiver implements Transport {
  readonly accepted: TestPoint[] = [];
  readonly attempts: { atMs: number; request: OutgoingRequest }[] = [];

  constructor(
    private readonly clock: ManualClock,
    private readonly script: Answer[] = [],
  ) {}

  send(request: OutgoingRequest): Promise<TransportResponse> {
    this.attempts.push({ atMs: this.clock.now(), request });
    const answer = this.script.shift() ?? { status: 202, headers: {} };
    if (answer === 'stall') return new Promise(() => {});
    if (answer === 'refuse') return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    if (answer.status >= 200 && answer.status < 300) this.accepted.push(...decode(request.body));
    return Promise.resolve(answer);
  }

  /** Accepted deltas added up per operation name. */
  totals(): Record<string, number> {
    const totals: Record<string, number> = {};
    for (const p of this.accepted) totals[p.labels.operation_name ?? '?'] = (totals[p.labels.operation_name ?? '?'] ?? 0) + p.value;
    return totals;
  }
}

function stream(id: string, overrides: Partial<MetricStream> = {}): MetricStream {
  return {
    id,
    name: id,
    status: 'enabled',
    subscriptions: [{ metric_type: 'metrics_bridge.api_request' }],
    destination: { type: 'datadog', configuration: { api_key: 'secret', site: 'datadoghq.com', endpoint: 'http://127.0.0.1:9' } },
    created_at: '',
    updated_at: '',
    ...overrides,
  };
}

const request = (operation: string): ApiRequest => ({ api: 'MANAGEMENT', operationName: `GET /api/v2/${operation}`, operationResult: 'SUCCESS', tenant: 'acme' });

function setup(script: Answer[] = [], options: { maxBufferedPoints?: number; perRequest?: number } = {}) {
  const clock = new ManualClock();
  const registry = new Registry({ now: () => clock.now() });
  const api = apiRequestMetrics(registry);
  const receiver = new ScriptedReceiver(clock, script);
  const health = new Map<string, StreamHealth>();
  const logged: string[] = [];
  const delivery = new Delivery({
    clock,
    transport: receiver,
    encoders: { datadog: testEncoder(options.perRequest) },
    collect: () => registry.collect(),
    onHealth: (id, h) => health.set(id, h),
    logger: (line) => logged.push(line),
    maxBufferedPoints: options.maxBufferedPoints,
    random: () => 0, // no jitter: backoff at the top of its range, so retry times are exact
  });
  /** Runs `seconds` seconds: each second records `perSecond(second)` requests, then ticks. */
  const run = async (seconds: number, perSecond: (second: number) => string[] = () => []) => {
    for (let s = 0; s < seconds; s += 1) {
      for (const operation of perSecond(s)) api.record(request(operation));
      clock.advance({ seconds: 1 });
      await delivery.tick();
    }
  };
  return { clock, registry, api, receiver, delivery, health, logged, run };
}

/** A clock whose wall time can be stepped (NTP, a VM resumed) while its monotonic reading only moves forward. */
class SteppedClock extends ManualClock {
  private offsetMs = 0;

  override now(): number {
    return super.now() + this.offsetMs;
  }

  stepWall(byMs: number): void {
    this.offsetMs += byMs;
  }
}

describe('Delivery', () => {
  it('keeps taking frames and sending, retries included, after the wall clock is stepped back an hour', async () => {
    const clock = new SteppedClock();
    const registry = new Registry({ now: () => clock.now() });
    const api = apiRequestMetrics(registry);
    const receiver = new ScriptedReceiver(clock, [
      { status: 202, headers: {} },
      { status: 503, headers: {} },
    ]);
    const delivery = new Delivery({ clock, transport: receiver, encoders: { datadog: testEncoder() }, collect: () => registry.collect(), random: () => 0 });
    const run = async (seconds: number, operation?: string) => {
      for (let s = 0; s < seconds; s += 1) {
        if (operation !== undefined) api.record(request(operation));
        clock.advance({ seconds: 1 });
        await delivery.tick();
      }
    };
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(10, 'users');
    expect(receiver.accepted.map((p) => p.value)).toEqual(Array.from({ length: 10 }, () => 1));
    const lastSecondBefore = receiver.accepted.at(-1)!.second;

    clock.stepWall(-3_600_000);
    await run(10, 'roles'); // flushes once 10 s have passed on the monotonic clock: answered 503
    expect(receiver.attempts).toHaveLength(2);
    await run(12); // retried after the backoff, then flushed again
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 10, 'GET /api/v2/roles': 10 });
    // The points carry the wall clock's seconds, one per second, an hour before those sent before the step.
    const roles = receiver.accepted.filter((p) => p.labels.operation_name === 'GET /api/v2/roles').map((p) => p.second);
    expect(roles).toEqual(Array.from({ length: 10 }, (_, i) => lastSecondBefore - 3_600 + 1 + i));
  });

  it('sends one point per series and second, every 10 s, and exactly the recorded counts', async () => {
    const { receiver, delivery, run } = setup();
    await run(1);
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(30, (s) => (s % 3 === 0 ? ['users', 'users', 'roles'] : ['users']));
    expect(receiver.attempts.map((a) => a.atMs - receiver.attempts[0]!.atMs)).toEqual([0, 10_000, 20_000]);
    const seen = new Set(receiver.accepted.map((p) => `${p.labels.operation_name}@${p.second}`));
    expect(seen.size).toBe(receiver.accepted.length);
    // 30 seconds recorded; the last flush (at second 30) holds seconds up to 30, except what was
    // recorded after the last frame.
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 40, 'GET /api/v2/roles': 10 });
    expect(receiver.accepted[0]?.labels).toEqual({ api: 'MANAGEMENT', operation_name: 'GET /api/v2/users', operation_result: 'SUCCESS', tenant: 'acme' });
    expect(delivery.health('s1')).toMatchObject({ points_sent: receiver.accepted.length, points_dropped: 0, last_error: null });
  });

  // A shutdown usually comes within the second of the last frame: what was recorded since (in a
  // cluster, the workers' final states) must still go out, without a second point for that second.
  it('sends at shutdown what was recorded since the last frame, within its second, stamped with the next second', async () => {
    const { receiver, delivery, run, api } = setup();
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(3, () => ['users']);
    for (let i = 0; i < 5; i += 1) api.record(request('users'));
    expect(await delivery.shutdown(5_000)).toBe(0);
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 3 + 5 });
    const seconds = receiver.accepted.map((p) => p.second);
    expect(seconds.slice(1).map((second, i) => second - seconds[i]!)).toEqual([1, 1, 1]);
    expect(receiver.accepted.at(-1)?.value).toBe(5);
  });

  // The final collection can fail (a collector's bug, a source that rejects): the frames already
  // taken, up to a flush interval of seconds, must still be sent rather than dropped with it.
  it('sends the frames it holds at shutdown when the final collection fails, and says why that frame is missing', async () => {
    const { receiver, delivery, run, registry, logged } = setup();
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(4, () => ['users']);
    vi.spyOn(registry, 'collect').mockRejectedValueOnce(new Error('collector broke'));
    expect(await delivery.shutdown(5_000)).toBe(0);
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 4 });
    expect(logged.some((line) => line.includes('collector broke'))).toBe(true);
  });

  // A collection can fail every second for a while (a collector's bug, a source that rejects): that
  // costs each such second its frame, not the sending of what was taken before, nor the retries due.
  it('sends the frames it holds and the retries that fall due while every collection fails, and each of those ticks rejects', async () => {
    const { receiver, delivery, run, registry, clock } = setup([{ status: 503, headers: {} }]);
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(6, () => ['users']); // six frames held; the first flush is due at 10 s
    const collect = vi.spyOn(registry, 'collect').mockRejectedValue(new Error('collector broke'));
    const failingSeconds = async (seconds: number) => {
      for (let s = 0; s < seconds; s += 1) {
        clock.advance({ seconds: 1 });
        await expect(delivery.tick()).rejects.toThrow('collector broke'); // for the caller to report
      }
    };
    await failingSeconds(4); // 10 s: the flush is due, answered 503
    expect(receiver.attempts).toHaveLength(1);
    await failingSeconds(1); // 11 s: the retry is due after 1 s of backoff
    expect(receiver.attempts).toHaveLength(2);
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 6 });
    expect(collect).toHaveBeenCalledTimes(5);
  });

  // A cluster primary's collection asks every worker for its state: with no stream to send to, the
  // delivery loop must not pay for one every second.
  it('collects nothing while no stream runs; a stream started then counts from its first collection', async () => {
    const { registry, receiver, delivery, run } = setup();
    const collect = vi.spyOn(registry, 'collect');
    await run(60, () => ['users']);
    expect(collect).not.toHaveBeenCalled();
    delivery.upsert(stream('s1'));
    await delivery.tick();
    expect(collect).toHaveBeenCalledTimes(1);
    await run(20, () => ['roles']);
    await run(10);
    expect(receiver.totals()).toEqual({ 'GET /api/v2/roles': 20 });
    delivery.remove('s1');
    const calls = collect.mock.calls.length;
    await run(30, () => ['users']);
    expect(collect).toHaveBeenCalledTimes(calls);
  });

  it('resends the delta points of failed flushes after a 503 burst, counting nothing twice', async () => {
    const unavailable: Answer = { status: 503, headers: {} };
    const { receiver, delivery, run, health } = setup([unavailable, unavailable, 'refuse', unavailable]);
    await run(1);
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(120, () => ['users']);
    await run(30);
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 120 });
    expect(health.get('s1')).toMatchObject({ last_error_status_code: 503, points_dropped: 0 });
    // backoff: 1 s, 2 s, 4 s, 8 s after the first failure at 10 s
    expect(receiver.attempts.slice(0, 5).map((a) => a.atMs / 1000 - receiver.attempts[0]!.atMs / 1000)).toEqual([0, 1, 3, 7, 15]);
  });

  it('waits as long as Retry-After or X-RateLimit-Reset ask after a 429', async () => {
    const { receiver, delivery, run } = setup([
      { status: 429, headers: { 'retry-after': '30' } },
      { status: 429, headers: { 'x-ratelimit-reset': '45' } },
    ]);
    await run(1);
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(100, () => ['users']);
    await run(30);
    const starts = receiver.attempts.map((a) => (a.atMs - receiver.attempts[0]!.atMs) / 1000);
    expect(starts.slice(0, 3)).toEqual([0, 30, 75]);
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 100 });
  });

  it('does not retry other 4xx answers or follow redirects, and counts the points as dropped', async () => {
    const { receiver, delivery, run, health } = setup([
      { status: 403, headers: {} },
      { status: 302, headers: { location: 'http://elsewhere' } },
    ]);
    await run(1);
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(30, () => ['users']);
    expect(receiver.attempts).toHaveLength(3);
    expect(health.get('s1')).toMatchObject({ points_dropped: 20, points_sent: 10, last_error: expect.stringContaining('HTTP 302'), last_error_status_code: 302 });
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 10 });
  });

  it('splits a batch refused with 413 until the halves fit', async () => {
    const tooLarge: Answer = { status: 413, headers: {} };
    const { receiver, delivery, run, health } = setup([tooLarge, tooLarge]);
    await run(1);
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(10, () => ['users', 'roles']);
    expect(receiver.attempts.map((a) => decode(a.request.body).length)).toEqual([20, 10, 4, 6, 10]);
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 10, 'GET /api/v2/roles': 10 });
    expect(health.get('s1')?.points_dropped).toBe(0);
  });

  // A batch already partly delivered cannot be split again; its other requests are not over any limit.
  it('drops only the request refused with 413 when others of its batch went out, and sends the rest', async () => {
    const { receiver, delivery, run, health } = setup(
      [
        { status: 202, headers: {} },
        { status: 413, headers: {} },
      ],
      { perRequest: 4 },
    );
    await run(1);
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(10, () => ['users', 'roles']);
    expect(receiver.attempts.map((a) => decode(a.request.body).length)).toEqual([4, 4, 4, 4, 4]);
    expect(health.get('s1')).toMatchObject({ points_sent: 16, points_dropped: 4, points_dropped_by_reason: { too_large: 4 } });
    expect(receiver.accepted).toHaveLength(16);
  });

  it('resends only the requests of a batch that failed', async () => {
    const { receiver, delivery, run } = setup(
      [
        { status: 202, headers: {} },
        { status: 500, headers: {} },
      ],
      { perRequest: 4 },
    );
    await run(1);
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(20, () => ['users']);
    await run(30);
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 20 });
    expect(receiver.attempts[2]?.request.body).toEqual(receiver.attempts[1]?.request.body);
  });

  it('drops the oldest points once its buffer is full, and counts them', async () => {
    const down = Array.from({ length: 9 }, (): Answer => ({ status: 503, headers: {} }));
    const { receiver, delivery, run, health, clock } = setup(down, { maxBufferedPoints: 50 });
    await run(1);
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(400, () => ['users']);
    // nine failures from second 11 (backoff 1, 2, 4 ... 120 s): the tenth attempt, at second 378,
    // finds the 50 newest seconds (329 to 378, its own tick included); frames started at second 2.
    const first = receiver.attempts[9];
    const seconds = decode(first!.request.body).map((p) => p.second - Date.UTC(2026, 0, 1) / 1000);
    expect(seconds).toEqual(Array.from({ length: 50 }, (_, i) => 329 + i));
    expect(health.get('s1')?.points_dropped).toBe(378 - 1 - 50);
    expect(clock.now()).toBeGreaterThan(first!.atMs);
  });

  // Rotating a destination's key is routine; it changes a header, not a body, so nothing held is lost.
  it('keeps what it holds when only the credentials change, and sends it with the new key', async () => {
    const down = Array.from({ length: 2 }, (): Answer => ({ status: 503, headers: {} }));
    const { receiver, delivery, run, health } = setup(down);
    await run(1);
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(12, () => ['users']);
    const held = delivery.heldPoints('s1')!;
    expect(held).toBeGreaterThan(0);
    const rotated = stream('s1', { destination: { type: 'datadog', configuration: { api_key: 'rotated', site: 'datadoghq.com', endpoint: 'http://127.0.0.1:9' } } });
    delivery.upsert(rotated);
    expect(delivery.heldPoints('s1')).toBe(held);
    await run(30, () => ['users']);
    await run(10);
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 42 });
    expect(health.get('s1')?.points_dropped).toBe(0);
    expect(receiver.attempts.at(-1)?.request.headers).toMatchObject({ 'DD-API-KEY': 'rotated' });
  });

  it('counts the points a reconfiguration drops, and keeps counting from there', async () => {
    const down = Array.from({ length: 3 }, (): Answer => ({ status: 503, headers: {} }));
    const { receiver, delivery, run, health } = setup(down);
    await run(1);
    delivery.upsert(stream('s1'));
    await delivery.tick();
    await run(14, () => ['users']);
    const held = delivery.heldPoints('s1')!;
    expect(held).toBeGreaterThan(0);
    delivery.upsert(stream('s1', { max_series: 10 }));
    expect(delivery.health('s1')).toMatchObject({ points_dropped: held, points_dropped_by_reason: { reconfigured: held } });
    await run(60, () => ['users']);
    expect(receiver.accepted.length).toBeGreaterThan(0);
    expect(health.get('s1')).toMatchObject({ points_sent: receiver.accepted.length, points_dropped: held, points_dropped_by_reason: { reconfigured: held } });
  });

  // A fault injected into one stream's frame (no real input makes one throw now; a stream view that
  // threw used to stop every stream's frames and flushes, each second).
  it('keeps streams independent: a stream that cannot take a frame skips it, logs, and the others go on', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const api = apiRequestMetrics(registry);
    const receivers = [new ScriptedReceiver(clock), new ScriptedReceiver(clock)] as const;
    const transport: Transport = { send: (r) => receivers[r.url.includes(':1/') ? 0 : 1].send(r) };
    const logged: string[] = [];
    const delivery = new Delivery({ clock, transport, encoders: { datadog: testEncoder() }, collect: () => registry.collect(), logger: (line) => logged.push(line) });
    const at = (port: number) => ({ type: 'datadog' as const, configuration: { api_key: 'k', site: 'datadoghq.com', endpoint: `http://127.0.0.1:${port}` } });
    delivery.upsert(stream('faulty', { destination: at(1) }));
    delivery.upsert(stream('fine', { destination: at(2) }));
    await delivery.tick();
    const worker = (delivery as unknown as { workers: Map<string, { addFrame: (c: unknown) => void }> }).workers.get('faulty')!;
    const addFrame = worker.addFrame.bind(worker);
    let isFaulty = true;
    worker.addFrame = (collection) => {
      if (isFaulty) throw new TypeError('injected fault');
      addFrame(collection);
    };
    for (let s = 0; s < 40; s += 1) {
      if (s === 15) isFaulty = false;
      api.record(request('users'));
      clock.advance({ seconds: 1 });
      await delivery.tick();
    }
    clock.advance({ seconds: 10 });
    await delivery.tick();
    expect(receivers[1].totals()).toEqual({ 'GET /api/v2/users': 40 });
    // The faulty stream's first frame after the fault counts from its last one: nothing is lost.
    expect(receivers[0].totals()).toEqual({ 'GET /api/v2/users': 40 });
    expect(logged).toContain('am-metrics: metric stream faulty: frame of this second left out: TypeError: injected fault');
  });

  // Datadog answers 202 and ignores points more than an hour old: after a longer outage they must be
  // dropped and counted, not counted as sent.
  it('drops and counts the Datadog points an outage made over an hour old', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const api = apiRequestMetrics(registry);
    const receiver = new ScriptedReceiver(clock);
    const outageEndMs = clock.now() + 2 * 3_600_000;
    const transport: Transport = { send: (r) => (clock.now() < outageEndMs ? Promise.resolve({ status: 503, headers: {} }) : receiver.send(r)) };
    const logged: string[] = [];
    const health = new Map<string, StreamHealth>();
    const delivery = new Delivery({
      clock,
      transport,
      encoders: { datadog: testEncoder() },
      collect: () => registry.collect(),
      onHealth: (id, h) => health.set(id, h),
      logger: (line) => logged.push(line),
      random: () => 0,
    });
    delivery.upsert(stream('s1'));
    await delivery.tick();
    const seconds = 2 * 3_600 + 300;
    for (let s = 0; s < seconds; s += 1) {
      api.record(request('users'));
      clock.advance({ seconds: 1 });
      await delivery.tick();
    }
    const { points_sent: sent, points_dropped_by_reason: dropped } = health.get('s1')!;
    expect(dropped.too_old).toBeGreaterThan(3_000);
    expect(sent + dropped.too_old! + delivery.heldPoints('s1')!).toBe(seconds); // one point a second, none lost unaccounted
    expect(receiver.accepted.reduce((n, p) => n + p.value, 0)).toBe(sent);
    // Over an hour old at the first send after the outage by at most the batch its retries resend whole.
    for (const point of receiver.accepted) expect(point.second * 1_000).toBeGreaterThanOrEqual(outageEndMs - 3_600_000 - MAX_FRAMES_PER_BATCH * 1_000);
    expect(receiver.accepted.filter((p) => p.second * 1_000 >= outageEndMs - 3_600_000)).not.toHaveLength(0);
    const lines = logged.filter((line) => line.includes('over an hour old'));
    expect(lines.reduce((n, line) => n + Number(/: (\d+) points over an hour old/.exec(line)![1]), 0)).toBe(dropped.too_old);
  });

  // A slow destination (seconds per answer) is often mid-request when SIGTERM comes: its answer and
  // the seconds after it still fit in the shutdown budget.
  it('waits at shutdown for a request in flight, then sends what is left: nothing lost to a slow destination', async () => {
    const { clock, registry, api, receiver } = setup();
    let answerFirst: (answer: TransportResponse) => void = () => {};
    let sends = 0;
    const slow: Transport = {
      send: (r) => {
        sends += 1;
        if (sends > 1) return receiver.send(r);
        return new Promise<TransportResponse>((resolve) => (answerFirst = resolve)).then((answer) => (receiver.accepted.push(...decode(r.body)), answer));
      },
    };
    const delivery = new Delivery({ clock, transport: slow, encoders: { datadog: testEncoder() }, collect: () => registry.collect() });
    delivery.upsert(stream('s1'));
    await delivery.tick();
    for (let s = 0; s < 13; s += 1) {
      api.record(request('users'));
      clock.advance({ seconds: 1 });
      void delivery.tick();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const shutdown = delivery.shutdown(5_000);
    await new Promise((resolve) => setImmediate(resolve));
    answerFirst({ status: 202, headers: {} });
    expect(await shutdown).toBe(0);
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 13 });
  });

  it('keeps streams independent: a stalled destination holds up no other stream', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const api = apiRequestMetrics(registry);
    const stalled = new ScriptedReceiver(
      clock,
      Array.from({ length: 10 }, (): Answer => 'stall'),
    );
    const healthy = new ScriptedReceiver(clock);
    const transport: Transport = { send: (r) => (r.url.includes(':1/') ? stalled.send(r) : healthy.send(r)) };
    const delivery = new Delivery({ clock, transport, encoders: { datadog: testEncoder() }, collect: () => registry.collect() });
    const at = (port: number) => ({ type: 'datadog' as const, configuration: { api_key: 'k', site: 'datadoghq.com', endpoint: `http://127.0.0.1:${port}` } });
    delivery.upsert(stream('a', { destination: at(1) }));
    delivery.upsert(stream('b', { destination: at(2) }));
    await delivery.tick();
    for (let s = 0; s < 30; s += 1) {
      api.record(request('users'));
      clock.advance({ seconds: 1 });
      void delivery.tick();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(stalled.attempts).toHaveLength(1);
    expect(healthy.totals()).toEqual({ 'GET /api/v2/users': 30 });
  });

  it('sends cumulative counts and, after a failure, only the latest state', async () => {
    const { receiver, delivery, run } = setup([{ status: 500, headers: {} }]);
    await run(1, () => ['users']);
    const otlp = { type: 'otlp' as const, configuration: { endpoint: 'http://127.0.0.1:9', protocol: 'http' as const, auth_type: 'none' as const } };
    (delivery as unknown as { options: { encoders: object } }).options.encoders = { otlp: testEncoder() };
    delivery.upsert(stream('s1', { destination: otlp }));
    await delivery.tick();
    await run(10, () => ['users']);
    await run(1);
    expect(decode(receiver.attempts[0]!.request.body).map((p) => p.value)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // The failed batch is superseded by the next frame: one point carrying the whole count.
    expect(receiver.accepted.map((p) => p.value)).toEqual([11]);
  });
});

describe('Delivery with a failing encoder', () => {
  it('drops and counts a batch its encoder cannot encode, and goes on with the next', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const api = apiRequestMetrics(registry);
    const receiver = new ScriptedReceiver(clock);
    let calls = 0;
    const flaky = testEncoder();
    const health = new Map<string, StreamHealth>();
    const delivery = new Delivery({
      clock,
      transport: receiver,
      collect: () => registry.collect(),
      onHealth: (id, h) => health.set(id, h),
      encoders: {
        datadog: {
          encode: (frames, options) => {
            calls += 1;
            if (calls === 1) throw new Error('cannot encode NaN');
            return flaky.encode(frames, options);
          },
        },
      },
    });
    delivery.upsert(stream('s1'));
    await delivery.tick();
    for (let s = 0; s < 20; s += 1) {
      api.record(request('users'));
      clock.advance({ seconds: 1 });
      await delivery.tick();
    }
    expect(health.get('s1')).toMatchObject({ points_dropped: 10, last_error: 'cannot encode for datadog: cannot encode NaN; points dropped' });
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 10 });
  });
});

// Nobody may scrape (an exporter that only pushes to Datadog, OTLP or remote write): the streams' own
// collections are then the only ones, so a family they leave out must reach the log from them. They
// collect every second, so a family that keeps failing must not write a line every second.
describe('Delivery and families left out of its collections', () => {
  /** A computed gauge that throws `failure.error` while it is set. */
  function failingGauge(registry: Registry, name: string): { error: Error | undefined } {
    const failure: { error: Error | undefined } = { error: undefined };
    registry.gauge({
      name,
      help: 'A gauge read from a store that can be offline.',
      collect: () => {
        if (failure.error !== undefined) throw failure.error;
        return 1;
      },
    });
    return failure;
  }

  it('logs a family when it starts being left out, then once a minute with how many collections left it out, nothing once it recovers', async () => {
    const { delivery, registry, receiver, logged, run } = setup();
    const storeSize = failingGauge(registry, 'am_store_size');
    storeSize.error = new Error('store offline');
    delivery.upsert(stream('s1'));
    await delivery.tick(); // 0 s: the first collection that leaves it out
    await run(70, () => ['users']); // 1 s to 70 s
    expect(logged).toEqual([
      'am-metrics: metric streams left out am_store_size: Error: store offline',
      'am-metrics: metric streams left out am_store_size (60 times since the last line): Error: store offline',
    ]);
    // The other families went out every second all along.
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 70 });

    storeSize.error = undefined;
    await run(120, () => ['roles']); // recovered: nothing to say, and a minute later nothing remembered
    expect(logged).toHaveLength(2);
    storeSize.error = new Error('store gone');
    await run(1);
    expect(logged.at(-1)).toBe('am-metrics: metric streams left out am_store_size: Error: store gone');
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 70, 'GET /api/v2/roles': 120 });
  });

  it('logs a family that fails every other second at most once a minute, and each family on its own', async () => {
    const { delivery, registry, logged, run } = setup();
    const flapping = failingGauge(registry, 'am_flapping');
    const other = failingGauge(registry, 'am_other');
    delivery.upsert(stream('s1'));
    await delivery.tick(); // 0 s
    let second = 0;
    await run(130, () => {
      second += 1;
      flapping.error = second % 2 === 1 ? new Error(`odd second ${second}`) : undefined; // 1 s, 3 s, 5 s...
      other.error = second === 30 ? new Error('once') : undefined;
      return [];
    });
    expect(logged).toEqual([
      'am-metrics: metric streams left out am_flapping: Error: odd second 1',
      'am-metrics: metric streams left out am_other: Error: once',
      'am-metrics: metric streams left out am_flapping (30 times since the last line): Error: odd second 61',
      'am-metrics: metric streams left out am_flapping (30 times since the last line): Error: odd second 121',
    ]);
  });
});

describe('Delivery and 2xx answers with a note', () => {
  it("logs what the encoder finds in a 2xx answer (OTLP's partial_success) and does not retry it", async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const api = apiRequestMetrics(registry);
    const receiver = new ScriptedReceiver(clock, [{ status: 200, headers: {}, body: '{"partialSuccess":{"rejectedDataPoints":"2"}}' }]);
    const logged: string[] = [];
    const encoder = testEncoder();
    const delivery = new Delivery({
      clock,
      transport: receiver,
      collect: () => registry.collect(),
      logger: (line) => logged.push(line),
      encoders: { datadog: { encode: encoder.encode, inspect: ({ body = '' }) => (body.includes('partialSuccess') ? `partial success: ${body}` : undefined) } },
    });
    delivery.upsert(stream('s1'));
    await delivery.tick();
    for (let s = 0; s < 20; s += 1) {
      api.record(request('users'));
      clock.advance({ seconds: 1 });
      await delivery.tick();
    }
    expect(receiver.attempts).toHaveLength(2);
    expect(logged).toEqual(['am-metrics: metric stream "s1" (s1): partial success: {"partialSuccess":{"rejectedDataPoints":"2"}}']);
  });

  // The destination writes error_message: a newline in it must not forge a log line of its own, and
  // 16 KiB of it must not become the stream's last_error.
  it("keeps an OTLP destination's partial_success message to one bounded line in the log and last_error", async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const api = apiRequestMetrics(registry);
    const errorMessage = `bad point\nam-metrics: metric stream "forged" (mst_x): HTTP 401\r\n${'x'.repeat(16_000)}`;
    const body = JSON.stringify({ partialSuccess: { rejectedDataPoints: '1', errorMessage } });
    const receiver: Transport = { send: () => Promise.resolve({ status: 200, headers: { 'content-type': 'application/json' }, body }) };
    const logged: string[] = [];
    const delivery = new Delivery({ clock, transport: receiver, collect: () => registry.collect(), logger: (line) => logged.push(line), encoders: DEFAULT_ENCODERS });
    delivery.upsert(stream('s1', { destination: { type: 'otlp', configuration: { endpoint: 'http://127.0.0.1:9/otlp', protocol: 'http', auth_type: 'none' } } }));
    await delivery.tick();
    for (let s = 0; s < 11; s += 1) {
      api.record(request('users'));
      clock.advance({ seconds: 1 });
      await delivery.tick();
    }
    const lastError = delivery.health('s1')?.last_error ?? '';
    expect(lastError).toMatch(
      /^1 points rejected by 127\.0\.0\.1:9 \(partial_success: bad point am-metrics: metric stream "forged" \(mst_x\): HTTP 401 x+…\); not retried$/,
    );
    expect(lastError.length).toBeLessThan(1_200);
    expect(logged.length).toBeGreaterThan(0); // one per request: a request per second of data
    for (const line of logged) expect(line).toBe(`am-metrics: metric stream "s1" (s1): ${lastError}`);
  });
});

describe('Delivery body limits', () => {
  const otlp = (maxRequestBytes?: number): MetricStream['destination'] =>
    ({
      type: 'otlp',
      configuration: {
        endpoint: 'http://127.0.0.1:9',
        protocol: 'http',
        auth_type: 'none',
        ...(maxRequestBytes === undefined ? {} : { max_request_bytes: maxRequestBytes }),
      },
    }) as MetricStream['destination'];

  it.each([
    ['an OTLP stream that sets none', otlp(), undefined, DEFAULT_MAX_REQUEST_BYTES],
    ["an OTLP stream's own max_request_bytes", otlp(100_000), undefined, 100_000],
    ["the stream's own over the delivery's for its type", otlp(100_000), { otlp: 70_000 }, 100_000],
    ["the delivery's for the type when the stream sets none", otlp(), { otlp: 70_000 }, 70_000],
    ['a Datadog stream', stream('x').destination, undefined, 512_000],
  ] as const)('gives the encoder the limit of %s', async (_case, destination, maxBodyBytes, expected) => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const api = apiRequestMetrics(registry);
    const given: (number | undefined)[] = [];
    const inner = testEncoder();
    const encoder: DestinationEncoder = { encode: (frames, options) => (given.push(options.maxRequestBytes), inner.encode(frames, options)) };
    const delivery = new Delivery({
      clock,
      transport: new ScriptedReceiver(clock),
      collect: () => registry.collect(),
      encoders: { [destination.type]: encoder },
      ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    });
    delivery.upsert(stream('s1', { destination }));
    await delivery.tick();
    for (let s = 0; s < 10; s += 1) {
      api.record(request('users'));
      clock.advance({ seconds: 1 });
      await delivery.tick();
    }
    expect(given).toEqual([expected]);
  });
});

describe('retryAfterMs', () => {
  it.each([
    [{ 'retry-after': '120' }, 120_000],
    [{ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, 30_000],
    [{ 'x-ratelimit-reset': '7' }, 7_000],
    [{ 'retry-after': '999999' }, 900_000],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('reads %o as %s ms', (headers, expected) => {
    expect(retryAfterMs(headers, Date.UTC(2026, 0, 1))).toBe(expected);
  });
});

describe('Delivery and the event loop', () => {
  // Encoding is synchronous: a Datadog frame of 1,000 api_request series took 15-30 ms here, so a
  // batch of 10 to 60 such frames encoded in one go stalled the host's requests and scrapes for
  // 0.3-1.5 s. Between two frames, other work must get its turn.
  it('encodes a batch a frame at a time, with a turn of the event loop before each frame', async () => {
    const clock = new ManualClock();
    const registry = new Registry({ now: () => clock.now() });
    const api = apiRequestMetrics(registry);
    let turns = 0;
    let isSpinning = true;
    const spin = (): void => {
      turns += 1;
      if (isSpinning) setImmediate(spin);
    };
    const calls: { frames: number; turns: number }[] = [];
    const inner = testEncoder();
    const receiver = new ScriptedReceiver(clock);
    const delivery = new Delivery({
      clock,
      transport: receiver,
      collect: () => registry.collect(),
      encoders: {
        datadog: {
          encode: (frames, options) => (calls.push({ frames: frames.length, turns }), inner.encode(frames, options)),
          encodeFrame: (frame, options) => (calls.push({ frames: 1, turns }), inner.encode([frame], options)),
        },
      },
    });
    delivery.upsert(stream('s1'));
    await delivery.tick();
    setImmediate(spin);
    for (let s = 0; s < 10; s += 1) {
      api.record(request('users'));
      clock.advance({ seconds: 1 });
      await delivery.tick();
    }
    isSpinning = false;
    expect(receiver.totals()).toEqual({ 'GET /api/v2/users': 10 });
    expect(calls.map((c) => c.frames)).toEqual(Array.from({ length: 10 }, () => 1));
    for (let i = 1; i < calls.length; i += 1) expect(calls[i]!.turns).toBeGreaterThan(calls[i - 1]!.turns);
  });
});
