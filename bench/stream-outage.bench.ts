// Recording while metric streams push to a destination that is down (issue 14, case 9): the same
// seeded api_request traffic into a registry that five streams read and retry against a closed
// loopback port, and into a registry no stream reads. The ratio should stay near 1.
import { createServer, type AddressInfo } from 'node:net';
import { Registry } from '../src/index.js';
import { apiRequestMetrics, type ApiRequest } from '../src/metrics/api-request.js';
import { systemClock } from '../src/registry/clock.js';
import { Delivery } from '../src/streams/delivery.js';
import { httpTransport } from '../src/streams/http-transport.js';
import type { MetricStream } from '../src/streams/resource.js';
import { testEncoder } from '../test/streams/test-encoder.js';
import { BATCH, compareSpeed, seededRandom } from './support.js';

const STREAMS = 5;
/** Faster than the service's one-second tick, so retries and buffer work overlap the measurement. */
const TICK_MS = 50;

const OPERATIONS = ['POST /oauth/token', 'GET /authorize', 'GET /userinfo', 'POST /oauth/revoke'];
const random = seededRandom(14);
const order: ApiRequest[] = Array.from({ length: BATCH }, () => ({
  api: 'AUTHENTICATION',
  operationName: OPERATIONS[Math.floor(random() * OPERATIONS.length)]!,
  operationResult: 'SUCCESS',
  tenant: 'acme',
}));

const closed = createServer();
await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
const { port } = closed.address() as AddressInfo;
await new Promise((resolve) => closed.close(resolve));

const downRegistry = new Registry();
const down = apiRequestMetrics(downRegistry);
const delivery = new Delivery({
  clock: systemClock,
  transport: httpTransport({ timeoutMs: 1_000 }),
  encoders: { datadog: testEncoder() },
  collect: () => downRegistry.collect(),
  flushIntervalMs: 200,
  logger: () => {},
});
for (let i = 0; i < STREAMS; i += 1) {
  const stream: MetricStream = {
    id: `s${i}`,
    name: `s${i}`,
    status: 'enabled',
    subscriptions: [{ metric_type: 'metrics_bridge.api_request' }],
    destination: { type: 'datadog', configuration: { api_key: 'k', site: 'datadoghq.com', endpoint: `http://127.0.0.1:${port}` } },
    created_at: '',
    updated_at: '',
  };
  delivery.upsert(stream);
}
const ticker = setInterval(() => void delivery.tick(), TICK_MS);
const quiet = apiRequestMetrics(new Registry());
/** Before measuring, 3 s of traffic with the loop running: every stream has failed, holds points and backs off. */
const WARM_OUTAGE_MS = 3_000;
for (const until = Date.now() + WARM_OUTAGE_MS; Date.now() < until;) {
  for (let i = 0; i < BATCH; i += 1) down.record(order[i]!);
  for (let i = 0; i < BATCH; i += 1) quiet.record(order[i]!); // the same history, so only the streams differ
  await new Promise((resolve) => setTimeout(resolve, 5));
}

await compareSpeed({
  title: `api_request record with ${STREAMS} streams retrying a down destination`,
  ours: () => {
    for (let i = 0; i < BATCH; i += 1) down.record(order[i]!);
  },
  theirs: () => {
    for (let i = 0; i < BATCH; i += 1) quiet.record(order[i]!);
  },
  theirName: 'the same registry with no stream',
  goal: 0.9,
});
clearInterval(ticker);
const health = delivery.health('s0');
console.log(`  stream s0 while down: ${health?.retries ?? 0} retries, last error ${JSON.stringify(health?.last_error)}`);
closed.unref();
await delivery.shutdown(100);
