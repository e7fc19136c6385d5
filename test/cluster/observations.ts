// What each test worker records, derived from its index alone, so the test can feed a single registry
// (and prom-client's) exactly what the workers recorded and compare.
import type client from 'prom-client';
import type { Registry } from '../../src/index.js';
import type { ApiRequest } from '../../src/metrics/api-request.js';
import { logNormal, seededRandom } from '../support/random.js';

/** Every test worker's clock stands still here, so the workers' and the reference's decay agree. */
export const FIXED_MS = Date.UTC(2026, 0, 1, 12);
/** The application message a test worker sends once it answers the primary (the primary must ignore it). */
export const TEST_READY = 'test:ready';
/** Asks an `api` test worker to record API requests; it answers TEST_RECORDED with the same id once they are recorded. */
export const TEST_RECORD = 'test:record';
export const TEST_RECORDED = 'test:recorded';
export interface RecordMessage {
  readonly type: typeof TEST_RECORD;
  readonly id: number;
  readonly requests: readonly ApiRequest[];
}
/** The CPU a `busy` test worker spends building each state, in ms. */
export const BUSY_STATE_MS = 300;
export const OPERATIONS = ['read', 'write'] as const;
export const LATENCIES_PER_OPERATION = 2_000;
const USERS_PER_WORKER = 1_500;
/** Users are drawn from this many, so each user is seen by several workers. */
const USER_POOL = 3_000;
/**
 * Latencies are rounded to multiples of 2^-16 s (about 15 µs): such sums are exact in floating point
 * whatever order they are added in, so merged and single-registry sums can be compared with `toBe`.
 */
const LATENCY_STEP = 2 ** -16;

export interface WorkerObservations {
  readonly latencies: readonly { readonly operation: (typeof OPERATIONS)[number]; readonly seconds: number }[];
  readonly users: readonly string[];
  /** Set on the `sum`, `max` and `per-source` gauges. */
  readonly gaugeValue: number;
}

/** Worker `index`'s traffic: each worker is ~3x slower than the one before (one host, uneven load). */
export function observationsOf(index: number): WorkerObservations {
  const random = seededRandom(1_000 + index);
  const latency = logNormal(random, 0.004 * 3 ** index, 0.6);
  const latencies = OPERATIONS.flatMap((operation) =>
    Array.from({ length: LATENCIES_PER_OPERATION }, () => ({ operation, seconds: Math.max(LATENCY_STEP, Math.round(latency() / LATENCY_STEP) * LATENCY_STEP) })),
  );
  const users = Array.from({ length: USERS_PER_WORKER }, () => `user-${Math.floor(random() * USER_POOL)}`);
  return { latencies, users, gaugeValue: 10 * (index + 1) };
}

/** Registers the test metrics on `registry` and records `observations` into them. */
export function recordInto(registry: Registry, observations: WorkerObservations): void {
  const logins = registry.summary({ name: 'am_test_login', help: 'Logins', labelNames: ['operation'] });
  const latency = registry.timer({ name: 'am_test_latency', help: 'Latency', labelNames: ['operation'] });
  const users = registry.distinctCounter({ name: 'am_test_users', help: 'Distinct users' });
  for (const { operation, seconds } of observations.latencies) {
    latency.observe({ operation }, seconds);
    logins.record({ operation });
  }
  for (const user of observations.users) users.add({}, user);
  registry.gauge({ name: 'am_test_in_flight', help: 'In flight', combine: 'sum' }).set({}, observations.gaugeValue);
  registry.gauge({ name: 'am_test_high_water', help: 'High water', combine: 'max' }).set({}, observations.gaugeValue);
  registry.gauge({ name: 'am_test_heap', help: 'Heap', combine: 'per-source' }).set({}, observations.gaugeValue);
}

/**
 * The same traffic on prom-client, as its users would record it: a Summary with the timer's
 * quantiles, and a gauge of the distinct users this process has seen (prom-client has no distinct count).
 */
export function recordIntoPromClient(prom: typeof client, registry: client.Registry, observations: WorkerObservations): void {
  const latency = new prom.Summary({ name: 'am_test_latency_seconds', help: 'Latency', labelNames: ['operation'], percentiles: [0.5, 0.99], registers: [registry] });
  const users = new prom.Gauge({ name: 'am_test_users', help: 'Distinct users', registers: [registry] });
  for (const { operation, seconds } of observations.latencies) latency.observe({ operation }, seconds);
  users.set(new Set(observations.users).size);
}

/** The exact quantile q of `values` (the smallest value with at least q of them at or below it). */
export function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}
