// Asking cluster workers for their state: one tagged request per worker, answers matched by id, a
// deadline per round. What the answers mean and how they merge is primary.ts's business.
import cluster, { type Worker } from 'node:cluster';
import { isFinalState, isReady, isStateAnswer, STATE_REQUEST, type StateRequest } from './protocol.js';

/** How one worker's part of a round went. */
export type Outcome = { readonly kind: 'answered'; readonly message: object } | { readonly kind: 'timeout' } | { readonly kind: 'gone' };

/** One request to one worker, and the rounds waiting for its answer. */
interface PendingRequest {
  readonly id: number;
  readonly workerId: number;
  /** A round leaves this set when its deadline passes; the request stays until the worker answers. */
  readonly waiters: Set<(outcome: Outcome) => void>;
}

/**
 * Requests in flight to the workers of `node:cluster`, and which workers are worth asking: connected,
 * alive, and, if forked after this object was created, announced (see worker.ts), so a round never
 * waits on a worker that is still starting. A worker has at most one request in flight: a round that
 * finds one (its round missed the deadline, or overlaps this one) waits for that answer instead of
 * asking again. Why: a worker whose state takes longer than the deadline to build would otherwise owe
 * one answer per round and spend its CPU on answers nobody waits for, longer after every round.
 * Listens to `cluster` until `close()`.
 */
export class StateRequests {
  private nextId = 0;
  /** The request in flight to each worker, by worker id. */
  private readonly inFlight = new Map<number, PendingRequest>();
  /** Workers forked after this object was created that have not announced themselves yet. */
  private readonly starting = new Set<number>();
  /** Workers that sent their final state (ClusterWorker.reportFinal): asked no more. */
  private readonly finished = new Set<number>();

  constructor(
    private readonly timeoutMs: number,
    /** Called once a worker has exited (after its pending request settled as gone). */
    private readonly onExit: (workerId: number) => void,
    /** Called with a worker's final state, as received (before its pending request settles as gone). */
    private readonly onFinal: (workerId: number, state: unknown) => void = () => {},
  ) {
    cluster.on('fork', this.onFork);
    cluster.on('message', this.onMessage);
    cluster.on('disconnect', this.onDisconnect);
    cluster.on('exit', this.onWorkerExit);
  }

  /** The workers a round asks now: read from `cluster.workers` each time, so new ones join. */
  liveWorkers(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined && worker.isConnected() && !worker.isDead() && !this.starting.has(worker.id) && !this.finished.has(worker.id),
    );
  }

  /** Asks every worker at once; resolves when each has answered, gone, or the deadline passed. Never rejects. */
  askAll(workers: readonly Worker[]): Promise<Outcome[]> {
    if (workers.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const outcomes: Outcome[] = new Array<Outcome>(workers.length);
      const waiting: [PendingRequest, (outcome: Outcome) => void][] = [];
      let left = workers.length;
      const deadline = setTimeout(() => {
        for (const [request, settle] of waiting) if (request.waiters.delete(settle)) settle({ kind: 'timeout' });
      }, this.timeoutMs);
      workers.forEach((worker, i) => {
        const settle = (outcome: Outcome): void => {
          outcomes[i] = outcome;
          left -= 1;
          if (left > 0) return;
          clearTimeout(deadline);
          resolve(outcomes);
        };
        const existing = this.inFlight.get(worker.id);
        const request = existing ?? this.track(worker.id);
        request.waiters.add(settle);
        waiting.push([request, settle]);
        if (existing === undefined) this.send(worker, request);
      });
    });
  }

  /** Stops listening to the cluster; rounds in flight treat their unanswered workers as gone. */
  close(): void {
    cluster.off('fork', this.onFork);
    cluster.off('message', this.onMessage);
    cluster.off('disconnect', this.onDisconnect);
    cluster.off('exit', this.onWorkerExit);
    for (const request of [...this.inFlight.values()]) this.settle(request, { kind: 'gone' });
  }

  /** Sends one request; a channel that is closing settles it as gone instead of throwing. */
  private send(worker: Worker, request: PendingRequest): void {
    const message: StateRequest = { type: STATE_REQUEST, id: request.id };
    try {
      worker.send(message, (error) => {
        if (error !== null && error !== undefined) this.settle(request, { kind: 'gone' });
      });
    } catch {
      this.settle(request, { kind: 'gone' });
    }
  }

  private track(workerId: number): PendingRequest {
    const request: PendingRequest = { id: (this.nextId += 1), workerId, waiters: new Set() };
    this.inFlight.set(workerId, request);
    return request;
  }

  /** Hands `outcome` to every round still waiting for `request`, once; the worker may be asked again. */
  private settle(request: PendingRequest, outcome: Outcome): void {
    if (this.inFlight.get(request.workerId) !== request) return;
    this.inFlight.delete(request.workerId);
    const waiters = [...request.waiters];
    request.waiters.clear(); // so that a round's deadline, passing later, finds it settled
    for (const settle of waiters) settle(outcome);
  }

  private settleAllOf(workerId: number): void {
    const request = this.inFlight.get(workerId);
    if (request !== undefined) this.settle(request, { kind: 'gone' });
  }

  private readonly onFork = (worker: Worker): void => {
    this.starting.add(worker.id);
  };

  /**
   * Announcements, answers (one whose rounds are all over frees the worker to be asked again) and final
   * states (the worker answers no more: a round waiting on it goes on with that state standing in);
   * other messages are ignored.
   */
  private readonly onMessage = (worker: Worker, message: unknown): void => {
    if (isReady(message)) this.starting.delete(worker.id);
    if (isFinalState(message)) {
      this.finished.add(worker.id);
      this.onFinal(worker.id, message.state);
      this.settleAllOf(worker.id);
      return;
    }
    const request = this.inFlight.get(worker.id);
    if (request !== undefined && isStateAnswer(message) && message.id === request.id) this.settle(request, { kind: 'answered', message });
  };

  private readonly onDisconnect = (worker: Worker): void => {
    this.starting.delete(worker.id);
    this.settleAllOf(worker.id);
  };

  private readonly onWorkerExit = (worker: Worker): void => {
    this.onDisconnect(worker);
    this.finished.delete(worker.id);
    this.onExit(worker.id);
  };
}
