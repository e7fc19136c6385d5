// The simulated Core Token Service: every token operation the other families cause, background token
// traffic, operations pending and the AM ≤ 7.2 task queue. Connections live in cts-pool.ts, the
// reaper in reaper.ts.
import { CTS_OPERATIONS, type CtsOperation, type CtsTokenType, type Outcome } from '../index.js';
import type { SimulatedPart, SimulationContext } from './context.js';
import { CtsPool } from './cts-pool.js';

/** Median latency of each operation when conditions are calm, in seconds. */
const MEDIAN_SECONDS: Readonly<Record<CtsOperation, number>> = {
  create: 0.004,
  delete: 0.0025,
  'partial-query': 0.008,
  patch: 0.003,
  query: 0.006,
  read: 0.0015,
  update: 0.003,
  upsert: 0.004,
};
const BASE_FAILURE = 0.001;
/** Median time an operation waits in the task queue when calm; it grows with the square of the drift. */
const QUEUE_WAIT_MEDIAN_SECONDS = 0.0002;

/** Token traffic no other simulated family causes, per login (or per second where marked). */
const BACKGROUND: ReadonlyArray<readonly [CtsOperation, CtsTokenType, number]> = [
  ['create', 'authentication-whitelist', 0.3],
  ['read', 'authentication-whitelist', 0.3],
  ['create', 'oauth2-csrf-protection', 0.05],
  ['read', 'oauth2-csrf-protection', 0.05],
  ['create', 'push-notification', 0.02],
  ['read', 'push-notification', 0.04],
  ['create', 'saml2', 0.05],
  ['read', 'saml2', 0.05],
  ['create', 'transaction', 0.01],
  ['update', 'transaction', 0.01],
  ['create', 'request-uri-object', 0.01],
  ['read', 'request-uri-object', 0.01],
  ['upsert', 'rest', 0.01],
  ['read', 'sts', 0.005],
  ['patch', 'resource-set', 0.002],
  ['create', 'logout-user', 0.002],
  ['create', 'back-channel-authentication-state', 0.002],
  ['read', 'uma-permission-ticket', 0.001],
  ['create', 'uma-audit-entry', 0.001],
];
/** Each pod publishes and polls cluster notifications whatever the login rate (per second). */
const NOTIFICATIONS_PER_SECOND = 0.2;
const NOTIFICATION_POLLS_PER_SECOND = 1;

/** The result of one simulated operation. */
export interface CtsResult {
  readonly outcome: Outcome;
  readonly seconds: number;
}

/** Simulated CTS: other parts call `run`; `settle` closes a step by deriving what is in flight. */
export class SimulatedCts implements SimulatedPart {
  readonly pool: CtsPool;
  /** Summed latency of each kind of operation during the current step. */
  private readonly busySeconds = new Map<CtsOperation, number>(CTS_OPERATIONS.map((op) => [op, 0]));
  private queued = 0;
  private queueWaitSeconds = 0;
  private notificationsCreated = 0;

  constructor(private readonly context: SimulationContext) {
    this.pool = new CtsPool(context);
    context.am.cts.taskQueueSize.track(() => this.queued);
  }

  /** Records one operation on a token, with drifting latency and occasional failure. */
  run(operation: CtsOperation, tokenType: CtsTokenType): CtsResult {
    const { am, conditions } = this.context;
    const seconds = this.context.latency(MEDIAN_SECONDS[operation], conditions.ctsLatency);
    const outcome = this.context.outcome(BASE_FAILURE);
    const wait = this.context.latency(QUEUE_WAIT_MEDIAN_SECONDS, conditions.ctsLatency ** 2, 0.8);
    am.cts.taskQueueWait(wait);
    am.cts.task({ operation, tokenType }, seconds, outcome);
    this.busySeconds.set(operation, (this.busySeconds.get(operation) ?? 0) + seconds);
    this.queueWaitSeconds += wait;
    return { outcome, seconds };
  }

  /** Cluster notifications created since the last call (the reaper deletes them once they expire). */
  takeNotifications(): number {
    const created = this.notificationsCreated;
    this.notificationsCreated = 0;
    return created;
  }

  warmUp(): void {
    this.run('create', 'cluster-notification');
    this.notificationsCreated += 1;
    for (const operation of CTS_OPERATIONS) this.context.am.cts.pending(operation).set(0);
    this.pool.warmUp();
  }

  step(seconds: number): void {
    const { conditions } = this.context;
    for (const [operation, tokenType, perLogin] of BACKGROUND) {
      for (let n = this.context.perLogin(perLogin, seconds); n > 0; n -= 1) this.run(operation, tokenType);
    }
    const notifications = conditions.events(NOTIFICATIONS_PER_SECOND, seconds);
    for (let n = notifications; n > 0; n -= 1) this.run('create', 'cluster-notification');
    this.notificationsCreated += notifications;
    for (let n = conditions.events(NOTIFICATION_POLLS_PER_SECOND, seconds); n > 0; n -= 1) this.run('query', 'cluster-notification');
  }

  /**
   * Ends a step of `seconds`: operations in flight per kind follow Little's law (arrival rate ×
   * mean latency) with Poisson noise, and so do the queue and the connections they hold.
   */
  settle(seconds: number): void {
    let inFlight = 0;
    for (const [operation, busy] of this.busySeconds) {
      const pending = seconds > 0 ? this.context.random.poisson(busy / seconds) : 0;
      this.context.am.cts.pending(operation).set(pending);
      this.busySeconds.set(operation, 0);
      inFlight += pending;
    }
    this.queued = seconds > 0 ? this.context.random.poisson(this.queueWaitSeconds / seconds) : 0;
    this.queueWaitSeconds = 0;
    this.pool.settle(seconds, inFlight);
  }
}
