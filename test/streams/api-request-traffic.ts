// Recorded Auth0 API request traffic as a metric stream sees it: a registry on a manual clock, known
// requests each second, each second's collection narrowed by the stream's view (empty tags dropped),
// paired with the second before it. Feeds the real encoders in the dashboard tests.
import { Registry } from '../../src/index.js';
import { apiRequestMetrics, type ApiRequest } from '../../src/metrics/api-request.js';
import type { Frame } from '../../src/streams/encoder.js';
import { StreamView } from '../../src/streams/stream-view.js';
import { ManualClock } from '../support/manual-clock.js';

/** One kind of request and how many of it arrive each second. */
export interface Traffic {
  readonly request: ApiRequest;
  readonly perSecond: number;
}

/**
 * `seconds` frames of `traffic`, one per second from `startMs` (a baseline collection first, so the
 * first frame has a `previous`), as a stream subscribed to `metrics_bridge.api_request` sees them.
 */
export async function recordedFrames(traffic: readonly Traffic[], seconds: number, startMs: number): Promise<Frame[]> {
  const clock = new ManualClock(startMs);
  const registry = new Registry({ now: () => clock.now() });
  const api = apiRequestMetrics(registry);
  const view = new StreamView({ subscriptions: [{ metric_type: 'metrics_bridge.api_request' }] });
  let previous = view.apply(await registry.collect());
  const frames: Frame[] = [];
  for (let s = 0; s < seconds; s += 1) {
    for (const { request, perSecond } of traffic) for (let i = 0; i < perSecond; i += 1) api.record(request);
    clock.advance({ seconds: 1 });
    const current = view.apply(await registry.collect());
    frames.push({ current, previous });
    previous = current;
  }
  return frames;
}
