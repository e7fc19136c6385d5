// Asking cluster workers for their state: one tagged request per worker, answers matched by id, a
// deadline per round. What the answers mean and how they merge is primary.ts's business.
import cluster, { type Worker } from 'node:cluster';
import { isReady, isStateAnswer, STATE_REQUEST, type StateRequest } from './protocol.js';

/** How one worker's part of a round went. */
export type Outcome = { readonly kind: 'answered'; readonly message: object } | { readonly kind: 'timeout' } | { readonly kind: 'gone' };

interface PendingRequest {
  readonly workerId: number;
  readonly settle: (outcome: Outcome) => void;
}

/**
 * Requests in flight to the workers of `node:cluster`, and which workers are worth asking: connected,
 * alive, and, if forked after this object was created, announced (see worker.ts), so a round never
 * waits on a worker that is still starting. Listens to `cluster` until `close()`.
 */
export class StateRequests {
  private nextId = 0;
  private readonly pending = new Map<number, PendingRequest>();
  /** Workers forked after this object was created that have not announced themselves yet. */
  private readonly starting = new Set<number>();

  constructor(
    private readonly timeoutMs: number,
    /** Called once a worker has exited (after its pending request settled as gone). */
    private readonly onExit: (workerId: number) => void,
  ) {
    cluster.on('fork', this.onFork);
    cluster.on('message', this.onMessage);
    cluster.on('disconnect', this.onDisconnect);
    cluster.on('exit', this.onWorkerExit);
  }

  /** The workers a round asks now: read from `cluster.workers` each time, so new ones join. */
  liveWorkers(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined && worker.isConnected() && !worker.isDead() && !this.starting.has(worker.id),
    );
  }

  /** Asks every worker at once; resolves when each has answered, gone, or the deadline passed. Never rejects. */
  askAll(workers: readonly Worker[]): Promise<Outcome[]> {
    if (workers.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const outcomes: Outcome[] = new Array<Outcome>(workers.length);
      const ids = workers.map(() => (this.nextId += 1));
      let left = workers.length;
      const deadline = setTimeout(() => ids.forEach((id) => this.settle(id, { kind: 'timeout' })), this.timeoutMs);
      workers.forEach((worker, i) => {
        const id = ids[i] as number;
        const settle = (outcome: Outcome): void => {
          outcomes[i] = outcome;
          left -= 1;
          if (left > 0) return;
          clearTimeout(deadline);
          resolve(outcomes);
        };
        this.pending.set(id, { workerId: worker.id, settle });
        this.send(worker, id);
      });
    });
  }

  /** Stops listening to the cluster; rounds in flight treat their unanswered workers as gone. */
  close(): void {
    cluster.off('fork', this.onFork);
    cluster.off('message', this.onMessage);
    cluster.off('disconnect', this.onDisconnect);
    cluster.off('exit', this.onWorkerExit);
    for (const id of [...this.pending.keys()]) this.settle(id, { kind: 'gone' });
  }

  /** Sends one request; a channel that is closing settles it as gone instead of throwing. */
  private send(worker: Worker, id: number): void {
    const request: StateRequest = { type: STATE_REQUEST, id };
    try {
      worker.send(request, (error) => {
        if (error !== null && error !== undefined) this.settle(id, { kind: 'gone' });
      });
    } catch {
      this.settle(id, { kind: 'gone' });
    }
  }

  private settle(id: number, outcome: Outcome): void {
    const request = this.pending.get(id);
    if (request === undefined) return;
    this.pending.delete(id);
    request.settle(outcome);
  }

  private settleAllOf(workerId: number): void {
    for (const [id, request] of [...this.pending]) {
      if (request.workerId === workerId) this.settle(id, { kind: 'gone' });
    }
  }

  private readonly onFork = (worker: Worker): void => {
    this.starting.add(worker.id);
  };

  /** Announcements and answers; late answers (their round is over) and other messages are ignored. */
  private readonly onMessage = (worker: Worker, message: unknown): void => {
    if (isReady(message)) this.starting.delete(worker.id);
    if (!isStateAnswer(message) || typeof message.id !== 'number') return;
    if (this.pending.get(message.id)?.workerId === worker.id) this.settle(message.id, { kind: 'answered', message });
  };

  private readonly onDisconnect = (worker: Worker): void => {
    this.starting.delete(worker.id);
    this.settleAllOf(worker.id);
  };

  private readonly onWorkerExit = (worker: Worker): void => {
    this.onDisconnect(worker);
    this.onExit(worker.id);
  };
}
