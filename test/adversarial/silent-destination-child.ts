// Run by stream-faults.test.ts as `node --expose-gc --import tsx <this file>`, so the heap it measures
// holds this scenario alone: a Datadog stream exports to a loopback server that accepts TCP and never
// answers, for EXPORTS attempts, and the figures a test can judge come out as one JSON line on stdout.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Registry } from '../../src/index.js';
import { apiRequestMetrics } from '../../src/metrics/api-request.js';
import { Delivery, DEFAULT_FLUSH_INTERVAL_MS } from '../../src/streams/delivery.js';
import { httpTransport } from '../../src/streams/http-transport.js';
import { DEFAULT_ENCODERS } from '../../src/streams/stream-encoders.js';
import type { Transport } from '../../src/streams/transport.js';
import { heapAfterGc } from '../support/heap.js';
import { ManualClock } from '../support/manual-clock.js';

/** Export attempts: each opens a connection that the timeout aborts. */
export const EXPORTS = 100;
/** Points the stream may hold: small, so the ring is full long before the heap is first measured. */
export const RING_POINTS = 50;
/** The attempt after which the heap is first measured: by then every buffer has reached its bound. */
export const FIRST_MEASURED_EXPORT = 10;
const SERIES = 5;
/** Real time an export waits for an answer; the interval (simulated) is DEFAULT_FLUSH_INTERVAL_MS. */
const TIMEOUT_MS = 20;

export interface SilentDestinationFigures {
  readonly exports: number;
  readonly ticks: number;
  /** Most connections the receiver had open at once. */
  readonly mostOpenAtReceiver: number;
  /** TCP sockets this process held once the receiver had seen each export's connection close, per export. */
  readonly tcpSocketsAfterExport: readonly number[];
  /** Timers this process held after each export. */
  readonly timersAfterExport: readonly number[];
  readonly mostHeldPoints: number;
  readonly droppedBufferFull: number;
  readonly lastError: string | null;
  /** Heap in use after a full GC (heapUsed + arrayBuffers), after export FIRST_MEASURED_EXPORT and after the last. */
  readonly heapAtFirstMeasured: number;
  readonly heapAtLast: number;
}

const count = (kind: string) => process.getActiveResourcesInfo().filter((k) => k === kind).length;

async function whenAllClosed(open: ReadonlySet<Socket>): Promise<void> {
  for (let waited = 0; open.size > 0; waited += 5) {
    if (waited > 2_000) throw new Error(`${open.size} connections still open at the receiver 2 s after their export was aborted`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function main(): Promise<SilentDestinationFigures> {
  const open = new Set<Socket>();
  let mostOpenAtReceiver = 0;
  const silent = createServer((socket) => {
    open.add(socket);
    mostOpenAtReceiver = Math.max(mostOpenAtReceiver, open.size);
    socket.resume();
    socket.on('close', () => open.delete(socket)).on('error', () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const clock = new ManualClock();
  const registry = new Registry({ now: () => clock.now() });
  const api = apiRequestMetrics(registry);
  const inner = httpTransport({ timeoutMs: TIMEOUT_MS });
  let exports = 0;
  const transport: Transport = { send: (request) => ((exports += 1), inner.send(request)) };
  const delivery = new Delivery({
    clock,
    transport,
    encoders: DEFAULT_ENCODERS,
    collect: () => registry.collect(),
    maxBufferedPoints: RING_POINTS,
    random: () => 0,
    logger: () => {},
  });
  await delivery.tick();
  const destination = {
    type: 'datadog',
    configuration: { api_key: 'k', site: 'datadoghq.com', endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` },
  } as const;
  delivery.upsert({
    id: 's1',
    name: 's1',
    status: 'enabled',
    subscriptions: [{ metric_type: 'metrics_bridge.api_request' }],
    destination,
    created_at: '',
    updated_at: '',
  });

  const tcpSocketsAfterExport: number[] = [];
  const timersAfterExport: number[] = [];
  let heapAtFirstMeasured = 0;
  let mostHeldPoints = 0;
  let ticks = 0;
  while (exports < EXPORTS) {
    for (let i = 0; i < SERIES; i += 1) api.record({ api: 'MANAGEMENT', operationName: `GET /api/v2/op${i}`, operationResult: 'SUCCESS', tenant: 'acme' });
    clock.advance({ ms: DEFAULT_FLUSH_INTERVAL_MS }); // one frame per interval: backoff, not frames, is what this exercises
    const before = exports;
    await delivery.tick();
    ticks += 1;
    mostHeldPoints = Math.max(mostHeldPoints, delivery.heldPoints('s1') ?? 0);
    if (exports === before) continue;
    await whenAllClosed(open);
    tcpSocketsAfterExport.push(count('TCPSocketWrap'));
    timersAfterExport.push(count('Timeout'));
    if (exports === FIRST_MEASURED_EXPORT) heapAtFirstMeasured = heapAfterGc();
  }
  const heapAtLast = heapAfterGc();
  const health = delivery.health('s1');
  const figures = {
    exports,
    ticks,
    mostOpenAtReceiver,
    tcpSocketsAfterExport,
    timersAfterExport,
    mostHeldPoints,
    droppedBufferFull: health?.points_dropped_by_reason.buffer_full ?? 0,
    lastError: health?.last_error ?? null,
    heapAtFirstMeasured,
    heapAtLast,
  };
  await delivery.shutdown(0);
  silent.close();
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await main()));
