// A large collection for the push encoders' size limits and benchmarks: one summary of API requests
// whose series carry Auth0-style tags, filled from a seeded generator so every run sees the same data.
import { Registry, type Collection } from '../../src/index.js';
import { ManualClock } from './manual-clock.js';
import { seededRandom } from './random.js';

const OPERATIONS = ['POST /oauth/token', 'GET /authorize', 'POST /co/authenticate', 'GET /userinfo', 'GET /api/v2/users/{id}', 'PATCH /api/v2/users/{id}'];

/** A collection with `seriesCount` summary series (each two points: count and sum), on a fixed clock. */
export async function apiRequestCollection(seriesCount: number, seed = 9, startMs = Date.UTC(2026, 10, 26, 12)): Promise<Collection> {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const clock = new ManualClock(startMs);
  const registry = new Registry({ now: () => clock.now(), maxSeriesPerMetric: seriesCount + 1, defaultLabels: { kubernetes_pod_name: 'am-0' } });
  const requests = registry.summary({
    name: 'am_api_request',
    help: 'API requests by operation and result.',
    labelNames: ['api', 'operation_name', 'operation_result', 'tenant', 'client_id'],
  });
  for (let i = 0; i < seriesCount; i += 1) {
    const labels = {
      api: pick(['AUTHENTICATION', 'MANAGEMENT']),
      operation_name: pick(OPERATIONS),
      operation_result: pick(['SUCCESS', 'FAILURE']),
      tenant: `tenant-${i % 17}`,
      client_id: `client-${i.toString(36).padStart(6, '0')}`,
    };
    const times = 1 + Math.floor(random() * 50);
    for (let n = 0; n < times; n += 1) requests.record(labels);
  }
  clock.advance({ seconds: 10 });
  return registry.collect();
}
