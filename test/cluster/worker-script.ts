// A cluster worker for the tests, run with tsx. AM_TEST_WORKER_MODE says how it behaves:
// `fixed` records observationsOf(AM_TEST_WORKER_INDEX) at FIXED_MS (into prom-client too) and answers;
// `live` records a little every few ms on the real clock and answers; `api` records the API requests
// each TEST_RECORD message lists (real clock) and acknowledges them, and on SIGTERM sends its final
// state and exits, as `am-metrics serve --workers` does; `hang` answers never (its state
// never resolves); `malformed` answers with a state that cannot be merged; `unserializable` with one
// that cannot cross the IPC channel (a BigInt); `redeployed` records one `read` login and registers
// `am_test_latency` as a gauge, as a new version of the code might; `busy` spends BUSY_STATE_MS of CPU
// on each state it builds. It then tells the test it is
// ready with an application message of its own (which the primary must ignore) and waits.
import { Registry, STATE_VERSION, hashReady } from '../../src/index.js';
import { clusterMetrics } from '../../src/cluster.js';
import type { RegistryState } from '../../src/index.js';
import { apiRequestMetrics } from '../../src/metrics/api-request.js';
import { exitOnTerm } from '../../src/cli/workers.js';
import { BUSY_STATE_MS, FIXED_MS, TEST_READY, TEST_RECORD, TEST_RECORDED, observationsOf, recordInto, recordIntoPromClient, type RecordMessage } from './observations.js';

/** How often a `live` worker records, and how much. */
const LIVE_TICK_MS = 5;

const mode = process.env.AM_TEST_WORKER_MODE;
const index = Number(process.env.AM_TEST_WORKER_INDEX ?? '0');
await hashReady;

switch (mode) {
  case 'fixed': {
    const registry = new Registry({ now: () => FIXED_MS, defaultLabels: { kubernetes_pod_name: 'am-0' } });
    recordInto(registry, observationsOf(index));
    const { default: client } = await import('prom-client');
    const prom = new client.Registry();
    recordIntoPromClient(client, prom, observationsOf(index));
    new client.AggregatorRegistry(); // prom-client answers its primary only once one exists in the worker
    client.AggregatorRegistry.setRegistries([prom]);
    clusterMetrics.worker(registry);
    break;
  }
  case 'live': {
    const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } });
    const logins = registry.summary({ name: 'am_test_login', help: 'Logins', labelNames: ['operation'] });
    setInterval(() => logins.record({ operation: 'read' }), LIVE_TICK_MS);
    clusterMetrics.worker(registry);
    break;
  }
  case 'api': {
    const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } });
    const api = apiRequestMetrics(registry);
    process.on('message', (message: RecordMessage) => {
      if (message?.type !== TEST_RECORD) return;
      for (const request of message.requests) api.record(request);
      process.send?.({ type: TEST_RECORDED, id: message.id });
    });
    const reporter = clusterMetrics.worker(registry);
    exitOnTerm(() => reporter.reportFinal()); // as `am-metrics serve --workers` does
    break;
  }
  case 'hang':
    clusterMetrics.worker({ state: () => new Promise<RegistryState>(() => {}) });
    break;
  case 'malformed':
    clusterMetrics.worker({
      state: async () =>
        ({
          version: STATE_VERSION,
          timeMs: FIXED_MS,
          families: [
            {
              kind: 'timer',
              name: 'am_test_latency',
              help: 'Latency',
              labelNames: [],
              constLabels: {},
              folded: 0,
              series: [{ labels: {}, startMs: FIXED_MS, state: { counts: 'garbage' } }],
            },
          ],
        }) as unknown as RegistryState,
    });
    break;
  case 'redeployed': {
    const registry = new Registry({ defaultLabels: { kubernetes_pod_name: 'am-0' } });
    registry.summary({ name: 'am_test_login', help: 'Logins', labelNames: ['operation'] }).record({ operation: 'read' });
    registry.gauge({ name: 'am_test_latency', help: 'Latency' }).set({}, 1);
    clusterMetrics.worker(registry);
    break;
  }
  case 'busy': {
    const registry = new Registry();
    clusterMetrics.worker({
      state: () => {
        const end = performance.now() + BUSY_STATE_MS;
        while (performance.now() < end); // a registry too large to read within the primary's deadline
        return registry.state();
      },
    });
    break;
  }
  case 'unserializable':
    clusterMetrics.worker({ state: async () => ({ version: STATE_VERSION, timeMs: BigInt(FIXED_MS), families: [] }) as unknown as RegistryState });
    break;
  default:
    throw new Error(`unknown AM_TEST_WORKER_MODE ${String(mode)}`);
}
process.send?.({ type: TEST_READY, index });
