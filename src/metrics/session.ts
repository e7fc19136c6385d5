// Session family: session operations, idle and max timeouts, lifetimes, the in-memory journey store
// and the CTS-based session cache.
import { METRICS, type CacheOutcome, type Outcome, type SessionOperation, type SessionTimeout, type SessionType } from './catalog.js';
import type { InstalledCatalog, SpecLabels, StateGauge } from './install.js';
import { timeOutcome } from './timing.js';

/** Which session operation on which type of session. */
export interface SessionOperationKind {
  readonly operation: SessionOperation;
  readonly sessionType: SessionType;
}

/** Records what AM's session service does. */
export interface SessionMetrics {
  /** A session operation took `seconds` and ended with `outcome`. */
  operation(kind: SessionOperationKind, seconds: number, outcome: Outcome): void;
  /** Runs and times a session operation; success if it resolves, failure if it throws. */
  timeOperation<T>(kind: SessionOperationKind, operation: () => T | Promise<T>): Promise<T>;
  /** A session ended by its idle or maximum timeout. */
  timeout(timeout: SessionTimeout, sessionType: SessionType): void;
  /** A session ended after living `seconds`. */
  lifetime(sessionType: SessionType, seconds: number): void;
  /** Journey sessions in the in-memory authentication store (session type `authentication-in-memory`). */
  readonly storeSize: StateGauge<SpecLabels<typeof METRICS.sessionStoreSize>>;
  /** The CTS-based session cache had the session (hit) or not (miss). */
  cache(outcome: CacheOutcome): void;
  /** A session was evicted from the CTS-based session cache. */
  cacheEviction(): void;
  /** Sessions in the CTS-based session cache. */
  readonly cacheSize: StateGauge<SpecLabels<typeof METRICS.sessionCacheSize>>;
}

export function sessionMetrics(catalog: InstalledCatalog): SessionMetrics {
  const operations = catalog.timer(METRICS.sessionOperations);
  const timeouts = catalog.summary(METRICS.sessionTimeouts);
  const lifetimes = catalog.timer(METRICS.sessionLifetimes);
  const cache = catalog.summary(METRICS.sessionCache);
  const evictions = catalog.summary(METRICS.sessionCacheEvictions);
  const operationLabels = ({ operation, sessionType }: SessionOperationKind, outcome: Outcome) => ({ operation, outcome, session_type: sessionType });
  const operation = (kind: SessionOperationKind, seconds: number, outcome: Outcome): void => operations.observe(operationLabels(kind, outcome), seconds);
  return {
    operation,
    timeOperation: (kind, run) => timeOutcome(catalog.registry.clock, operations, (outcome) => operationLabels(kind, outcome), run),
    timeout: (timeout, sessionType) => timeouts.record({ operation: timeout, session_type: sessionType }),
    lifetime: (sessionType, seconds) => lifetimes.observe({ session_type: sessionType }, seconds),
    storeSize: catalog.gauge(METRICS.sessionStoreSize),
    cache: (outcome) => cache.record({ outcome }),
    cacheEviction: () => evictions.record({}),
    cacheSize: catalog.gauge(METRICS.sessionCacheSize),
  };
}
